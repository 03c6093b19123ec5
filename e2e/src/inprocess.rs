//! Controllers started in-process by the e2e scenarios: each on its own thread and Tokio
//! runtime, against the shared control plane, for the rest of the test binary.

use std::future::Future;
use std::path::PathBuf;

use flux_testkit::ControlPlane;

/// The flags every in-process controller gets: the shared control plane's kubeconfig,
/// probe and metrics servers on ephemeral ports, console logs and short retry delays.
pub fn controller_flags(name: &str) -> Vec<String> {
    let cp = ControlPlane::shared();
    vec![
        name.to_string(),
        format!("--kubeconfig={}", cp.kubeconfig_path().display()),
        "--metrics-addr=127.0.0.1:0".into(),
        "--health-addr=127.0.0.1:0".into(),
        "--log-encoding=console".into(),
        "--min-retry-delay=300ms".into(),
        "--max-retry-delay=3s".into(),
    ]
}

/// Runs `run()` on a new thread with its own Tokio runtime; errors are printed.
pub fn spawn<F, Fut>(name: &str, run: F) -> std::io::Result<()>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let thread_name = name.to_string();
    std::thread::Builder::new()
        .name(thread_name.clone())
        .spawn(move || match tokio::runtime::Runtime::new() {
            Ok(rt) => {
                if let Err(e) = rt.block_on(run()) {
                    eprintln!("{thread_name} stopped: {e:#}");
                }
            }
            Err(e) => eprintln!("{thread_name}: starting a runtime: {e}"),
        })?;
    Ok(())
}

/// Starts source-controller with a fresh storage directory (named with `prefix`) and
/// `extra` flags; returns the storage directory.
pub fn start_source_controller(prefix: &str, extra: &[String]) -> anyhow::Result<PathBuf> {
    let storage = tempfile::Builder::new().prefix(prefix).tempdir()?.keep();
    let mut args = controller_flags("source-controller");
    args.push(format!("--storage-path={}", storage.display()));
    args.push("--storage-addr=127.0.0.1:0".into());
    args.extend(extra.iter().cloned());
    let args = <flux_source_controller::Args as clap::Parser>::try_parse_from(args)?;
    spawn("source-controller", move || args.run())?;
    Ok(storage)
}
