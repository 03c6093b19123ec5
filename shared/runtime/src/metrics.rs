//! The Prometheus registry shared by a controller's parts, rendered at `/metrics`.

use std::sync::{Arc, Mutex};

use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;

/// A cloneable handle on the process-wide metrics registry.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
}

impl Default for Metrics {
    /// A registry that already holds the process collector.
    fn default() -> Self {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(crate::process_metrics::ProcessCollector));
        Metrics {
            registry: Arc::new(Mutex::new(registry)),
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Lets a component register its metrics.
    pub fn register<F: FnOnce(&mut Registry)>(&self, f: F) {
        match self.registry.lock() {
            Ok(mut registry) => f(&mut registry),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Renders every registered metric in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let result = match self.registry.lock() {
            Ok(registry) => encode(&mut out, &registry),
            Err(poisoned) => encode(&mut out, &poisoned.into_inner()),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "encoding metrics");
        }
        out
    }
}
