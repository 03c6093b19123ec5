//! Controller start-up shared by every binary: logging, cluster connection, probe and
//! metrics servers, then the controller's own work until a shutdown signal.

use std::future::Future;

use clap::Args;

use crate::client::ClientOptions;
use crate::leader::{self, LeaderElectionOptions};
use crate::logging::LogOptions;
use crate::metrics::Metrics;
use crate::probes::{self, ProbeOptions, Readiness};
use crate::shutdown::Shutdown;

/// The option groups every Flux controller accepts.
#[derive(Debug, Clone, Args)]
pub struct ControllerOptions {
    /// Kubernetes client flags.
    #[command(flatten)]
    pub client: ClientOptions,
    /// Logging flags.
    #[command(flatten)]
    pub log: LogOptions,
    /// Health and metrics address flags.
    #[command(flatten)]
    pub probes: ProbeOptions,
    /// Leader election flags.
    #[command(flatten)]
    pub leader_election: LeaderElectionOptions,
}

/// What a controller's work receives from the runtime.
#[derive(Clone)]
pub struct ControllerContext {
    /// The controller's name, e.g. `source-controller`.
    pub name: &'static str,
    /// A connected Kubernetes client.
    pub client: kube::Client,
    /// The metrics registry served at `/metrics`.
    pub metrics: Metrics,
    /// Resolves when the process should stop.
    pub shutdown: Shutdown,
}

/// Installs the process-wide rustls crypto provider (aws-lc-rs). Call once from `main`.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Runs a controller: sets up logging, connects to the cluster, serves `/healthz`,
/// `/readyz` and `/metrics`, waits for leadership when leader election is enabled, then
/// runs `work` until it returns or a shutdown signal arrives. `work` must return promptly
/// once `ctx.shutdown` resolves. `lease_suffix_selector` is the watch label selector
/// that shards the Lease name (empty when not sharded).
pub async fn run_controller<F, Fut>(
    name: &'static str,
    opts: &ControllerOptions,
    lease_suffix_selector: &str,
    work: F,
) -> anyhow::Result<()>
where
    F: FnOnce(ControllerContext) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    opts.log.init()?;
    let shutdown = Shutdown::on_signals();
    let (health_listener, metrics_listener) = probes::bind(&opts.probes).await?;
    tracing::info!(
        controller = name,
        health_addr = %opts.probes.health_addr,
        metrics_addr = %opts.probes.metrics_addr,
        "starting"
    );
    let client = opts.client.connect().await?;
    let metrics = Metrics::default();
    let readiness = Readiness::default();
    let health = tokio::spawn(probes::serve_health(
        health_listener,
        readiness.clone(),
        shutdown.clone(),
    ));
    let metrics_server = tokio::spawn(probes::serve_metrics(
        metrics_listener,
        metrics.clone(),
        shutdown.clone(),
    ));
    readiness.set(true);
    let ctx = ControllerContext {
        name,
        client: client.clone(),
        metrics,
        shutdown: shutdown.clone(),
    };
    let outcome = if opts.leader_election.enable {
        let namespace = crate::reconcile::runtime_namespace();
        let lease = leader::lease_name(name, lease_suffix_selector);
        match leader::acquire(
            client,
            &namespace,
            &lease,
            &opts.leader_election,
            shutdown.clone(),
        )
        .await
        {
            Ok(leadership) => tokio::select! {
                outcome = work(ctx) => outcome,
                _ = leadership.lost() => Err(anyhow::anyhow!("leader election lost")),
            },
            Err(leader::LeaderError::Cancelled) => Ok(()),
            Err(e) => Err(e.into()),
        }
    } else {
        work(ctx).await
    };
    readiness.set(false);
    // The servers stop on the same signal; if work ended on its own, stop them too.
    shutdown.trigger();
    for (what, task) in [("health", health), ("metrics", metrics_server)] {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "{what} server failed"),
            Err(e) => tracing::error!(error = %e, "{what} server task failed"),
        }
    }
    tracing::info!(controller = name, "stopped");
    outcome
}

/// Convenience for controllers that have no reconcilers yet: waits for shutdown.
pub async fn idle_until_shutdown(ctx: ControllerContext) -> anyhow::Result<()> {
    ctx.shutdown.requested().await;
    Ok(())
}

/// The whole body of a controller's `main`: installs the crypto provider, parses the
/// flags, runs `run` on a multi-threaded Tokio runtime and turns an error into a
/// readable message and a non-zero exit code.
pub fn run_main<A, F, Fut>(run: F) -> std::process::ExitCode
where
    A: clap::Parser,
    F: FnOnce(A) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    install_crypto_provider();
    let args = A::parse();
    let name = A::command().get_name().to_string();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{name}: starting the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "{name} failed");
            eprintln!("{name}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Declares `CONTROLLER_NAME` and the `Args` of a controller that has no reconcilers
/// yet: it takes the common flags, connects, serves health and metrics, and waits for
/// SIGTERM. The calling crate needs `clap` and `anyhow`.
#[macro_export]
macro_rules! idle_controller {
    ($name:literal) => {
        /// The controller's name, used for logs, leases and field managers.
        pub const CONTROLLER_NAME: &str = $name;

        /// Command-line flags of the controller.
        #[derive(Debug, clap::Parser)]
        #[command(name = $name, version, about = concat!("Flux-compatible ", $name))]
        pub struct Args {
            /// Flags shared by every controller.
            #[command(flatten)]
            pub controller: $crate::ControllerOptions,
        }

        impl Args {
            /// Runs the controller until a shutdown signal.
            pub async fn run(self) -> anyhow::Result<()> {
                $crate::run_controller(
                    CONTROLLER_NAME,
                    &self.controller,
                    "",
                    $crate::bootstrap::idle_until_shutdown,
                )
                .await
            }
        }
    };
}
