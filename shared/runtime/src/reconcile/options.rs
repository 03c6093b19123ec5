//! The reconcile flags every Flux controller accepts, named and defaulted as Flux's.

use std::time::Duration;

use clap::Args;

use super::requeue::RequeuePolicy;

/// Reconcile, watch and event flags.
#[derive(Debug, Clone, Args)]
pub struct ReconcileOptions {
    /// The number of concurrent reconciles per kind.
    #[arg(long = "concurrent", default_value_t = 4)]
    pub concurrent: u16,
    /// The interval at which failing dependencies are reevaluated.
    #[arg(long = "requeue-dependency", default_value = "30s", value_parser = parse_duration)]
    pub requeue_dependency: Duration,
    /// Watch for resources in all namespaces; if false, only in the runtime namespace.
    #[arg(long = "watch-all-namespaces", default_value_t = true, action = clap::ArgAction::Set)]
    pub watch_all_namespaces: bool,
    /// Watch only resources with labels matching this selector (sharding).
    #[arg(long = "watch-label-selector", default_value = "")]
    pub watch_label_selector: String,
    /// The lower bound of the per-object exponential retry delay.
    #[arg(long = "min-retry-delay", default_value = "750ms", value_parser = parse_duration)]
    pub min_retry_delay: Duration,
    /// The upper bound of the per-object exponential retry delay.
    #[arg(long = "max-retry-delay", default_value = "15m", value_parser = parse_duration)]
    pub max_retry_delay: Duration,
    /// Percentage of jitter applied to the interval of successful reconciles.
    #[arg(long = "interval-jitter-percentage", default_value_t = 5, value_parser = clap::value_parser!(u8).range(0..100))]
    pub interval_jitter_percentage: u8,
    /// The address of the events receiver (notification-controller).
    #[arg(long = "events-addr", default_value = "")]
    pub events_addr: String,
}

impl ReconcileOptions {
    /// The requeue policy these flags describe.
    pub fn requeue_policy(&self) -> RequeuePolicy {
        RequeuePolicy {
            min_retry_delay: self.min_retry_delay,
            max_retry_delay: self.max_retry_delay,
            jitter_percentage: self.interval_jitter_percentage,
        }
    }

    /// The namespace to watch: `None` for all namespaces, else `RUNTIME_NAMESPACE`.
    pub fn watch_namespace(&self) -> Option<String> {
        if self.watch_all_namespaces {
            None
        } else {
            Some(runtime_namespace())
        }
    }
}

/// The namespace the controller runs in (`RUNTIME_NAMESPACE`, default `flux-system`).
pub fn runtime_namespace() -> String {
    std::env::var("RUNTIME_NAMESPACE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "flux-system".to_string())
}

/// Parses a Go duration flag value.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    flux_api::meta::parse_duration(s).map_err(|e| e.to_string())
}
