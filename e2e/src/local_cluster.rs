//! `local-cluster up --kubeconfig PATH`: a local control plane (etcd, kube-apiserver,
//! kube-controller-manager, kube-scheduler, kwok with one fake Node) with Flux's CRDs, in the
//! foreground until SIGINT/SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use flux_testkit::{ControlPlane, KWOK_NODE, install_crds, read_documents, repo_root, yaml_files};
use tokio::signal::unix::{SignalKind, signal};

/// Command line of `local-cluster`.
#[derive(Debug, Parser)]
#[command(
    name = "local-cluster",
    about = "Run a local Kubernetes control plane for flux-rs (no Docker needed)"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the control plane, install the CRDs, write a kubeconfig and stay in the foreground.
    Up {
        /// Where to write the admin kubeconfig once the cluster is ready.
        #[arg(long)]
        kubeconfig: PathBuf,
        /// Directory of CRD manifests to install (default: <repo>/deploy/crds).
        #[arg(long)]
        crds: Option<PathBuf>,
    },
}

/// Parses the command line, runs it and maps errors to a non-zero exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("local-cluster: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Up { kubeconfig, crds } => runtime.block_on(up(&kubeconfig, crds)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local-cluster: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn up(kubeconfig: &Path, crds: Option<PathBuf>) -> anyhow::Result<()> {
    // Registered first so a Ctrl-C during start-up still stops the cluster cleanly.
    let mut sigint = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut sigterm = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;

    eprintln!(
        "local-cluster: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok \
         (binaries are built with e2e/scripts/build-testbins.sh if missing)..."
    );
    let mut cp = tokio::select! {
        cp = ControlPlane::start() => cp.context("the control plane did not start")?,
        _ = sigint.recv() => anyhow::bail!("interrupted during start-up"),
        _ = sigterm.recv() => anyhow::bail!("terminated during start-up"),
    };

    let crds_dir = crds.unwrap_or_else(|| repo_root().join("deploy/crds"));
    let crd_files = if crds_dir.is_dir() {
        yaml_files(&crds_dir).context("listing the CRD manifests")?
    } else {
        Vec::new()
    };
    let crd_note = if crd_files.is_empty() {
        format!("none ({} has no YAML files; skipped)", crds_dir.display())
    } else {
        let client = cp.try_client().await?;
        install_crds(&client, &crds_dir)
            .await
            .with_context(|| format!("installing the CRDs from {}", crds_dir.display()))?;
        let mut count = 0;
        for file in &crd_files {
            count += read_documents(file)?
                .iter()
                .filter(|d| {
                    d.get("kind").and_then(|k| k.as_str()) == Some("CustomResourceDefinition")
                })
                .count();
        }
        format!("{count} from {}, all Established", crds_dir.display())
    };

    write_kubeconfig(cp.kubeconfig_path(), kubeconfig)?;
    println!(
        "\nlocal cluster is ready (started in {:.1}s)\n\
         \n  API server    {}\
         \n  kubeconfig    {}\
         \n  node          {KWOK_NODE} (kwok; Pods scheduled there report Running)\
         \n  CRDs          {crd_note}\
         \n  logs          {}/<component>.log\
         \n\n  export KUBECONFIG={}\
         \n\nPress Ctrl-C to stop.",
        cp.startup_duration().as_secs_f64(),
        cp.server(),
        kubeconfig.display(),
        cp.dir().display(),
        kubeconfig.display(),
    );

    let mut health = tokio::time::interval(Duration::from_secs(2));
    let outcome = loop {
        tokio::select! {
            _ = sigint.recv() => break Ok(()),
            _ = sigterm.recv() => break Ok(()),
            _ = health.tick() => {
                if let Err(e) = cp.check_alive() {
                    break Err(anyhow::Error::new(e).context("a component of the local cluster stopped"));
                }
            }
        }
    };
    eprintln!("local-cluster: stopping...");
    cp.stop();
    eprintln!("local-cluster: stopped");
    outcome
}

/// Copies the admin kubeconfig to `target` with mode 0600 (it holds a client key).
fn write_kubeconfig(source: &Path, target: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let contents = std::fs::read(source)
        .with_context(|| format!("reading the generated kubeconfig {}", source.display()))?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(target)
        .with_context(|| format!("writing the kubeconfig to {}", target.display()))?;
    file.write_all(&contents)
        .with_context(|| format!("writing the kubeconfig to {}", target.display()))?;
    Ok(())
}
