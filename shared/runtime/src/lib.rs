//! Shared controller runtime for every flux-rs controller.
//!
//! It holds what Flux's `fluxcd/pkg/runtime` gives the Go controllers: the common
//! command-line option groups (named as Flux names them), logging setup, the health
//! and metrics HTTP server, cluster connection and graceful shutdown on SIGTERM/SIGINT.

pub mod bootstrap;
pub mod client;
pub mod error;
pub mod events;
pub mod leader;
pub mod logging;
pub mod metrics;
pub mod probes;
pub mod process_metrics;
pub mod reconcile;
pub mod shutdown;

pub use bootstrap::{ControllerContext, ControllerOptions, run_controller, run_main};
pub use error::RuntimeError;

/// This instance's name for events and leases: `HOSTNAME` (the pod name in a cluster),
/// else the kernel's host name, else `localhost`. Kubernetes rejects events without one.
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "localhost".to_string())
}
