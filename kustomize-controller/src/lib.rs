//! kustomize-controller: builds Kustomizations and applies them with server-side apply.
//!
//! At this stage the binary connects to the cluster and serves the health and metrics
//! endpoints; the reconcilers arrive with their issues.

use clap::Parser;
use flux_runtime::bootstrap::idle_until_shutdown;
use flux_runtime::{ControllerOptions, run_controller};

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
}

impl Args {
    /// Runs the controller until a shutdown signal.
    pub async fn run(self) -> anyhow::Result<()> {
        run_controller(CONTROLLER_NAME, &self.controller, "", idle_until_shutdown).await
    }
}
