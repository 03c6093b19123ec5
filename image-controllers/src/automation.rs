//! The `image-automation-controller` binary's flags and entry point.

use clap::Parser;
use flux_runtime::bootstrap::idle_until_shutdown;
use flux_runtime::{ControllerOptions, run_controller};

/// The controller's name, used for logs, leases and field managers.
pub const CONTROLLER_NAME: &str = "image-automation-controller";

/// Command-line flags of `image-automation-controller`.
#[derive(Debug, Parser)]
#[command(
    name = "image-automation-controller",
    version,
    about = "Flux-compatible image-automation-controller"
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
