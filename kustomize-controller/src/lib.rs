//! kustomize-controller: builds Kustomizations from source artifacts and applies them to
//! the cluster with server-side apply (see [`kustomization`] for the pipeline).
//!
//! [`Args::run`] is the whole controller; [`start`] runs the reconciler on an existing
//! [`ControllerContext`], so e2e tests start it in-process.

pub mod error;
pub mod kustomization;
mod options;
pub mod sops;

use clap::Parser;
use flux_runtime::reconcile::ReconcileOptions;
use flux_runtime::{ControllerContext, ControllerOptions, run_controller};

pub use error::Error;
pub use options::KustomizeOptions;

/// The controller's name, used for logs, leases and field managers.
pub const CONTROLLER_NAME: &str = "kustomize-controller";

/// Command-line flags of `kustomize-controller`.
#[derive(Debug, Parser)]
#[command(
    name = "kustomize-controller",
    version,
    about = "Flux-compatible kustomize-controller"
)]
pub struct Args {
    /// Flags shared by every controller.
    #[command(flatten)]
    pub controller: ControllerOptions,
    /// Reconcile, watch and event flags.
    #[command(flatten)]
    pub reconcile: ReconcileOptions,
    /// kustomize-controller's own flags.
    #[command(flatten)]
    pub kustomize: KustomizeOptions,
}

impl Args {
    /// Runs the controller until a shutdown signal.
    pub async fn run(self) -> anyhow::Result<()> {
        let Args {
            controller,
            reconcile,
            kustomize,
        } = self;
        let config = controller.client.config().await?;
        let selector = reconcile.watch_label_selector.clone();
        run_controller(CONTROLLER_NAME, &controller, &selector, move |ctx| {
            start(ctx, config, reconcile, kustomize)
        })
        .await
    }
}

/// Runs the Kustomization reconciler until `ctx.shutdown` resolves. `config` is the
/// controller's client configuration, the base of impersonated clients.
pub async fn start(
    ctx: ControllerContext,
    config: kube::Config,
    reconcile: ReconcileOptions,
    kustomize: KustomizeOptions,
) -> anyhow::Result<()> {
    kustomization::run(ctx, config, reconcile, kustomize).await
}
