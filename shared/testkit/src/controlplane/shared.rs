//! The one control plane per test process.

use std::sync::OnceLock;

use super::ControlPlane;
use crate::{install_crds, repo_root};

static SHARED: OnceLock<Result<ControlPlane, String>> = OnceLock::new();

/// Starts the shared control plane on first use and installs `<repo>/deploy/crds`.
///
/// It runs on its own thread and runtime, so it works from inside `#[tokio::test]` (whose runtime
/// ends with the test) and from plain threads. It is never dropped: the watchdog stops the
/// processes when the test binary exits. A start failure is kept and reported to every caller.
pub(super) fn shared() -> &'static ControlPlane {
    let result = SHARED.get_or_init(|| {
        let started = std::thread::Builder::new()
            .name("flux-testkit-control-plane".into())
            .spawn(start)
            .map_err(|e| format!("spawning the start thread: {e}"))
            .and_then(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the start thread panicked".into()))
            });
        if let Ok(cp) = &started {
            eprintln!(
                "flux-testkit: control plane {} ready in {:.1}s (kubeconfig {}, logs in {})",
                cp.server(),
                cp.startup_duration().as_secs_f64(),
                cp.kubeconfig_path().display(),
                cp.dir().display()
            );
        }
        started
    });
    match result {
        Ok(cp) => cp,
        Err(e) => panic!("the shared test control plane failed to start: {e}"),
    }
}

fn start() -> Result<ControlPlane, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("building a runtime: {e}"))?;
    runtime.block_on(async {
        let cp = ControlPlane::start().await.map_err(|e| e.to_string())?;
        let crds = repo_root().join("deploy/crds");
        if has_yaml(&crds) {
            let client = cp.try_client().await.map_err(|e| e.to_string())?;
            install_crds(&client, &crds)
                .await
                .map_err(|e| format!("installing the CRDs from {}: {e}", crds.display()))?;
        } else {
            eprintln!(
                "flux-testkit: no CRDs installed: {} has no YAML files",
                crds.display()
            );
        }
        Ok(cp)
    })
}

/// Whether `dir` holds at least one `.yaml`/`.yml` file.
pub(crate) fn has_yaml(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml")
        })
    })
}
