//! The reconcile metrics a Flux user graphs: `gotk_reconcile_duration_seconds`,
//! `gotk_reconcile_condition`, `gotk_suspend_status`, and controller-runtime's
//! `controller_runtime_reconcile_total` / `_errors_total`.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets_range};

use crate::metrics::Metrics;

/// Labels identifying one object.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ObjectLabels {
    /// Kind, e.g. `GitRepository`.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// Object namespace.
    pub namespace: String,
}

/// Labels of `gotk_reconcile_condition`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConditionLabels {
    /// Kind.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// Object namespace.
    pub namespace: String,
    /// Condition type (`Ready`).
    pub r#type: String,
    /// `True`, `False`, `Unknown` or `Deleted`.
    pub status: String,
}

/// Labels of controller-runtime's counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    /// The controller (kind in lower case, as controller-runtime names it).
    pub controller: String,
    /// `success`, `error` or `requeue_after`.
    pub result: String,
}

/// Labels naming a controller.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ControllerLabels {
    /// The controller.
    pub controller: String,
}

/// Reconcile metrics, registered once per process.
#[derive(Clone)]
pub struct ReconcileMetrics {
    duration: Family<ObjectLabels, Histogram>,
    condition: Family<ConditionLabels, Gauge>,
    suspend: Family<ObjectLabels, Gauge>,
    total: Family<ResultLabels, Counter>,
    errors: Family<ControllerLabels, Counter>,
}

impl ReconcileMetrics {
    /// Creates and registers the metrics.
    pub fn register(metrics: &Metrics) -> Self {
        let duration = Family::<ObjectLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets_range(0.01, 1800.0, 10))
        });
        let this = ReconcileMetrics {
            duration,
            condition: Family::default(),
            suspend: Family::default(),
            total: Family::default(),
            errors: Family::default(),
        };
        metrics.register(|r| {
            r.register(
                "gotk_reconcile_duration_seconds",
                "The duration in seconds of a GitOps Toolkit resource reconciliation",
                this.duration.clone(),
            );
            r.register(
                "gotk_reconcile_condition",
                "The current condition status of a GitOps Toolkit resource reconciliation",
                this.condition.clone(),
            );
            r.register(
                "gotk_suspend_status",
                "The current suspend status of a GitOps Toolkit resource",
                this.suspend.clone(),
            );
            r.register(
                "controller_runtime_reconcile",
                "Total number of reconciliations per controller",
                this.total.clone(),
            );
            r.register(
                "controller_runtime_reconcile_errors",
                "Total number of reconciliation errors per controller",
                this.errors.clone(),
            );
        });
        this
    }

    /// Records one finished reconcile.
    pub fn observe(&self, object: &ObjectLabels, took: Duration, result: &str) {
        self.duration
            .get_or_create(object)
            .observe(took.as_secs_f64());
        let controller = object.kind.to_lowercase();
        self.total
            .get_or_create(&ResultLabels {
                controller: controller.clone(),
                result: result.to_string(),
            })
            .inc();
        if result == "error" {
            self.errors
                .get_or_create(&ControllerLabels { controller })
                .inc();
        }
    }

    /// Records the object's condition status (1 for the current status, 0 for the others).
    pub fn record_condition(&self, object: &ObjectLabels, type_: &str, status: &str) {
        for candidate in ["True", "False", "Unknown", "Deleted"] {
            let labels = ConditionLabels {
                kind: object.kind.clone(),
                name: object.name.clone(),
                namespace: object.namespace.clone(),
                r#type: type_.to_string(),
                status: candidate.to_string(),
            };
            self.condition
                .get_or_create(&labels)
                .set(i64::from(candidate == status));
        }
    }

    /// Records whether the object is suspended.
    pub fn record_suspend(&self, object: &ObjectLabels, suspended: bool) {
        self.suspend.get_or_create(object).set(i64::from(suspended));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_gotk_metrics() {
        let metrics = Metrics::default();
        let m = ReconcileMetrics::register(&metrics);
        let obj = ObjectLabels {
            kind: "GitRepository".into(),
            name: "podinfo".into(),
            namespace: "default".into(),
        };
        m.observe(&obj, Duration::from_millis(120), "success");
        m.record_condition(&obj, "Ready", "True");
        m.record_suspend(&obj, false);
        let text = metrics.render();
        assert!(text.contains("process_resident_memory_bytes "), "{text}");
        assert!(text.contains("gotk_reconcile_duration_seconds_count{kind=\"GitRepository\",name=\"podinfo\",namespace=\"default\"} 1"), "{text}");
        assert!(text.contains("gotk_reconcile_condition{kind=\"GitRepository\",name=\"podinfo\",namespace=\"default\",type=\"Ready\",status=\"True\"} 1"), "{text}");
        assert!(text.contains("controller_runtime_reconcile_total{controller=\"gitrepository\",result=\"success\"} 1"), "{text}");
        assert!(text.contains("gotk_suspend_status{kind=\"GitRepository\",name=\"podinfo\",namespace=\"default\"} 0"), "{text}");
    }
}
