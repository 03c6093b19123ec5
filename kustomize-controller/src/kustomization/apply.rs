//! Steps after the build: owner labels and `commonMetadata`, staged apply, prune and
//! health checks, with `healthCheckExprs` compiled into a custom status rule.

use std::time::{Duration, Instant};

use flux_api::constants::{
    HEALTH_CHECK_FAILED_REASON, INVALID_CEL_EXPRESSION_REASON, KUSTOMIZE_NAME_LABEL,
    KUSTOMIZE_NAMESPACE_LABEL, PRUNE_FAILED_REASON, RECONCILIATION_FAILED_REASON,
};
use flux_api::kustomize::Kustomization;
use flux_api::meta::ResourceInventory;
use flux_cel::status::{HealthCheckSpec, HealthChecks, Status};
use flux_runtime::reconcile::ReconcileError;
use flux_ssa::health::{CustomHealth, HealthStatus, ObjectHealth};
use flux_ssa::{
    ApplyOptions, ChangeSet, DeleteOptions, ObjMetadata, ResourceManager, SsaError, WaitOptions,
};
use kube::ResourceExt;
use serde_json::Value;

/// Applies the objects in stages.
pub async fn apply(
    manager: &ResourceManager,
    objects: Vec<Value>,
    ks: &Kustomization,
    custom_stage_kinds: &[String],
    override_managers: &[String],
    timeout: Duration,
) -> Result<ChangeSet, ReconcileError> {
    let opts = ApplyOptions {
        force: ks.spec.force,
        custom_stage_kinds: custom_stage_kinds.to_vec(),
        wait_timeout: timeout,
        cleanup: flux_ssa::cleanup::default_managers(crate::CONTROLLER_NAME, override_managers),
    };
    manager
        .apply_all_staged(objects, &opts)
        .await
        .map_err(|e| ReconcileError::transient(RECONCILIATION_FAILED_REASON, e.to_string()))
}

/// The owner labels a pruned object must still carry.
pub fn owner_labels(ks: &Kustomization) -> DeleteOptions {
    DeleteOptions {
        owner_labels: vec![
            (KUSTOMIZE_NAME_LABEL.to_string(), ks.name_any()),
            (
                KUSTOMIZE_NAMESPACE_LABEL.to_string(),
                ks.namespace().unwrap_or_default(),
            ),
        ],
    }
}

/// Deletes what left the inventory.
pub async fn prune(
    manager: &ResourceManager,
    ks: &Kustomization,
    old: &ResourceInventory,
    new: &ResourceInventory,
) -> Result<ChangeSet, ReconcileError> {
    let stale = flux_ssa::inventory::prune_set(old, new);
    if stale.is_empty() {
        return Ok(ChangeSet::default());
    }
    manager
        .delete_all(&stale, &owner_labels(ks))
        .await
        .map_err(|e| ReconcileError::transient(PRUNE_FAILED_REASON, e.to_string()))
}

/// The objects to health check: everything applied with `wait`, else `healthChecks`.
pub fn health_targets(ks: &Kustomization, applied: &ChangeSet) -> Vec<ObjMetadata> {
    if ks.spec.wait {
        return applied
            .entries
            .iter()
            .filter(|e| e.action != flux_ssa::Action::Skipped)
            .map(|e| e.object.clone())
            .collect();
    }
    let ks_ns = ks.namespace().unwrap_or_default();
    ks.spec
        .health_checks
        .iter()
        .map(|r| {
            let (group, version) =
                flux_ssa::object::split_api_version(r.api_version.as_deref().unwrap_or(""));
            ObjMetadata {
                namespace: r
                    .namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| ks_ns.clone()),
                name: r.name.clone(),
                group: group.to_string(),
                version: version.to_string(),
                kind: r.kind.clone(),
            }
        })
        .collect()
}

/// Waits for the objects, judging the kinds `exprs` covers by their CEL expressions; the
/// error is Flux's "health check failed after …" message.
pub async fn health_check(
    manager: &ResourceManager,
    targets: &[ObjMetadata],
    timeout: Duration,
    exprs: Option<&HealthCheckExprs>,
) -> Result<(), ReconcileError> {
    let started = Instant::now();
    let opts = WaitOptions {
        interval: Duration::from_secs(2),
        timeout,
        fail_fast: true,
    };
    manager
        .wait_for_set_with(targets, &opts, exprs.map(|e| e as &dyn CustomHealth))
        .await
        .map_err(|e: SsaError| {
            ReconcileError::transient(
                HEALTH_CHECK_FAILED_REASON,
                format!(
                    "health check failed after {:.1}s: {e}",
                    started.elapsed().as_secs_f64()
                ),
            )
        })
}

/// `spec.healthCheckExprs`, compiled: the CEL status rule of each group and kind.
pub struct HealthCheckExprs(HealthChecks);

/// Compiles `spec.healthCheckExprs` before anything is applied; an invalid expression
/// stalls the Kustomization with `InvalidCELExpression`, naming the entry and expression.
pub fn health_check_exprs(ks: &Kustomization) -> Result<Option<HealthCheckExprs>, ReconcileError> {
    if ks.spec.health_check_exprs.is_empty() {
        return Ok(None);
    }
    let specs = ks.spec.health_check_exprs.iter().map(|c| HealthCheckSpec {
        api_version: &c.api_version,
        kind: &c.kind,
        current: &c.current,
        in_progress: c.in_progress.as_deref(),
        failed: c.failed.as_deref(),
    });
    let checks = HealthChecks::new(specs).map_err(|e| {
        ReconcileError::stalling(
            INVALID_CEL_EXPRESSION_REASON,
            format!("Reconciliation failed terminally due to configuration error: {e}"),
        )
    })?;
    Ok(Some(HealthCheckExprs(checks)))
}

impl CustomHealth for HealthCheckExprs {
    /// Flux's verdict for the kinds covered; an evaluation error makes the status
    /// Unknown, which only the timeout ends.
    fn check(&self, obj: &Value) -> Option<ObjectHealth> {
        Some(match self.0.evaluate(obj)? {
            Ok(verdict) => ObjectHealth {
                status: match verdict.status {
                    Status::Current => HealthStatus::Current,
                    Status::InProgress => HealthStatus::InProgress,
                    Status::Failed => HealthStatus::Failed,
                },
                message: verdict.message,
            },
            Err(e) => ObjectHealth {
                status: HealthStatus::Unknown,
                message: e.to_string(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ks(checks: Value) -> Kustomization {
        serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "app", "namespace": "default"},
            "spec": {"interval": "1m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"},
                "healthCheckExprs": checks}
        }))
        .unwrap()
    }

    #[test]
    fn expressions_map_to_health_and_errors_to_unknown() {
        let exprs = health_check_exprs(&ks(json!([{
            "apiVersion": "example.com/v1", "kind": "Widget",
            "failed": "status.phase == 'Broken'",
            "current": "status.phase == 'Done'"
        }])))
        .unwrap()
        .unwrap();
        let widget = |status: Value| json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "status": status});
        let status = |obj: &Value| exprs.check(obj).map(|h| h.status);
        assert_eq!(
            status(&widget(json!({"phase": "Done"}))),
            Some(HealthStatus::Current)
        );
        assert_eq!(
            status(&widget(json!({"phase": "Broken"}))),
            Some(HealthStatus::Failed)
        );
        assert_eq!(
            status(&widget(json!({"phase": "Busy"}))),
            Some(HealthStatus::InProgress)
        );
        let unknown = exprs.check(&widget(json!({}))).unwrap();
        assert_eq!(unknown.status, HealthStatus::Unknown);
        assert!(
            unknown.message.contains("failed to evaluate"),
            "{}",
            unknown.message
        );
        assert_eq!(
            status(&json!({"apiVersion": "v1", "kind": "ConfigMap"})),
            None
        );
    }

    #[test]
    fn invalid_expressions_stall_naming_the_entry() {
        let err = health_check_exprs(&ks(json!([
            {"apiVersion": "example.com/v1", "kind": "Widget", "current": "true"},
            {"apiVersion": "example.com/v1", "kind": "Gadget", "current": "true", "inProgress": "foo."}
        ])))
        .err()
        .unwrap();
        assert_eq!(err.reason, INVALID_CEL_EXPRESSION_REASON);
        assert!(
            err.message.starts_with(
                "Reconciliation failed terminally due to configuration error: failed to create \
                 custom status reader for healthchecks[1]: failed to parse the expression \
                 InProgress: failed to parse the CEL expression 'foo.': ERROR: <input>:1:"
            ),
            "{}",
            err.message
        );
        assert!(health_check_exprs(&ks(json!([]))).unwrap().is_none());
    }
}
