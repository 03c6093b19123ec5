//! Logging setup: `--log-encoding json|console` and `--log-level trace|debug|info|error`,
//! as Flux's controllers accept them.

use clap::{Args, ValueEnum};
use tracing_subscriber::EnvFilter;

use crate::RuntimeError;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogEncoding {
    /// One JSON object per line (Flux's default).
    Json,
    /// Human-readable lines.
    Console,
}

/// Minimum level of the messages logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Everything, including very verbose traces.
    Trace,
    /// Debug details.
    Debug,
    /// Normal operation (default).
    Info,
    /// Errors only.
    Error,
}

impl LogLevel {
    fn directive(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Error => "error",
        }
    }
}

/// The logging flags shared by every controller.
#[derive(Debug, Clone, Args)]
pub struct LogOptions {
    /// Log encoding format.
    #[arg(long = "log-encoding", value_enum, default_value = "json")]
    pub encoding: LogEncoding,
    /// Log verbosity level.
    #[arg(long = "log-level", value_enum, default_value = "info")]
    pub level: LogLevel,
}

impl LogOptions {
    /// Installs the global tracing subscriber. `RUST_LOG`, when set, refines the level.
    pub fn init(&self) -> Result<(), RuntimeError> {
        // Library crates (hyper, kube internals) stay at warn unless RUST_LOG says otherwise.
        let default = format!("warn,{}", own_crates_directive(self.level.directive()));
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        let result = match self.encoding {
            LogEncoding::Json => builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .try_init(),
            LogEncoding::Console => builder.try_init(),
        };
        result.map_err(|e| RuntimeError::Logging(e.to_string()))
    }
}

fn own_crates_directive(level: &str) -> String {
    [
        "flux_runtime",
        "flux_source_controller",
        "flux_kustomize_controller",
        "flux_helm_controller",
        "flux_notification_controller",
        "flux_image_controllers",
        "flux_artifact",
        "flux_git",
        "source_controller",
        "kustomize_controller",
        "helm_controller",
        "notification_controller",
        "image_reflector_controller",
        "image_automation_controller",
    ]
    .iter()
    .map(|c| format!("{c}={level}"))
    .collect::<Vec<_>>()
    .join(",")
}
