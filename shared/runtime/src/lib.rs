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
