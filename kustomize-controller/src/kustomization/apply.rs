//! Steps after the build: owner labels and `commonMetadata`, staged apply, prune and
//! health checks, with `healthCheckExprs` compiled into a custom status rule.

use std::time::{Duration, Instant};

use flux_api::constants::{
    HEALTH_CHECK_FAILED_REASON, INVALID_CEL_EXPRESSION_REASON, KUSTOMIZE_NAME_LABEL,
    KUSTOMIZE_NAMESPACE_LABEL, PRUNE_FAILED_REASON, RECONCILIATION_FAILED_REASON,
};
use flux_api::kustomize::Kustomization;
use flux_api::meta::{CommonMetadata, CustomHealthCheck, ResourceInventory};
use flux_cel::{Expression, Variables};
use flux_runtime::reconcile::ReconcileError;
use flux_ssa::health::{CustomHealth, HealthStatus, ObjectHealth};
use flux_ssa::{
    ApplyOptions, ChangeSet, DeleteOptions, ObjMetadata, ResourceManager, SsaError, WaitOptions,
};
use kube::ResourceExt;
use serde_json::{Value, json};

/// Adds the owner labels and the common metadata to every object.
pub fn set_metadata(objects: &mut [Value], ks: &Kustomization, common: Option<&CommonMetadata>) {
    let name = ks.name_any();
    let ns = ks.namespace().unwrap_or_default();
    for obj in objects.iter_mut() {
        let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
            continue;
        };
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        if let Some(l) = labels.as_object_mut() {
            if let Some(c) = common {
                for (k, v) in &c.labels {
                    l.insert(k.clone(), json!(v));
                }
            }
            l.insert(KUSTOMIZE_NAME_LABEL.into(), json!(name));
            l.insert(KUSTOMIZE_NAMESPACE_LABEL.into(), json!(ns));
        }
        if let Some(c) = common.filter(|c| !c.annotations.is_empty()) {
            let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
            if let Some(a) = annotations.as_object_mut() {
                for (k, v) in &c.annotations {
                    a.insert(k.clone(), json!(v));
                }
            }
        }
    }
}

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
pub struct HealthCheckExprs {
    kinds: Vec<KindExprs>,
}

struct KindExprs {
    group: String,
    kind: String,
    in_progress: Option<Expression>,
    failed: Option<Expression>,
    current: Expression,
}

/// Compiles `spec.healthCheckExprs` before anything is applied; an invalid expression
/// stalls the Kustomization with `InvalidCELExpression`, naming the entry and expression.
/// Only the first entry for a group and kind counts, as in Flux.
pub fn health_check_exprs(ks: &Kustomization) -> Result<Option<HealthCheckExprs>, ReconcileError> {
    if ks.spec.health_check_exprs.is_empty() {
        return Ok(None);
    }
    let mut kinds: Vec<KindExprs> = Vec::new();
    for (i, check) in ks.spec.health_check_exprs.iter().enumerate() {
        let (group, _) = flux_ssa::object::split_api_version(&check.api_version);
        if kinds
            .iter()
            .any(|k| k.group == group && k.kind == check.kind)
        {
            continue;
        }
        let compiled = compile_check(group, check).map_err(|e| {
            ReconcileError::stalling(
                INVALID_CEL_EXPRESSION_REASON,
                format!(
                    "Reconciliation failed terminally due to configuration error: \
                     failed to create custom status reader for healthchecks[{i}]: {e}"
                ),
            )
        })?;
        kinds.push(compiled);
    }
    Ok(Some(HealthCheckExprs { kinds }))
}

fn compile_check(group: &str, check: &CustomHealthCheck) -> Result<KindExprs, String> {
    let optional = |name: &str, expr: &Option<String>| -> Result<Option<Expression>, String> {
        match expr.as_deref().filter(|e| !e.is_empty()) {
            None => Ok(None),
            Some(e) => Expression::parse(e)
                .map(Some)
                .map_err(|err| format!("failed to parse the expression {name}: {err}")),
        }
    };
    if check.current.is_empty() {
        return Err("expression Current not specified".to_string());
    }
    let current = Expression::parse(&check.current)
        .map_err(|err| format!("failed to parse the expression Current: {err}"))?;
    Ok(KindExprs {
        group: group.to_string(),
        kind: check.kind.clone(),
        in_progress: optional("InProgress", &check.in_progress)?,
        failed: optional("Failed", &check.failed)?,
        current,
    })
}

impl CustomHealth for HealthCheckExprs {
    /// Flux's RFC-0009 evaluation: InProgress while `status.observedGeneration` lags
    /// `metadata.generation`; then the first of `inProgress`, `failed`, `current` that is
    /// true decides; InProgress when none is. An evaluation error makes the status
    /// Unknown, which only the timeout ends.
    fn check(&self, obj: &Value) -> Option<ObjectHealth> {
        let (group, kind) = flux_ssa::health::group_kind(obj);
        let exprs = self
            .kinds
            .iter()
            .find(|k| k.group == group && k.kind == kind)?;
        let observed = obj
            .pointer("/status/observedGeneration")
            .and_then(Value::as_i64);
        let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64);
        if let (Some(observed), Some(generation)) = (observed, generation)
            && observed != generation
        {
            return Some(ObjectHealth {
                status: HealthStatus::InProgress,
                message: format!(
                    "{kind} generation is {generation}, but latest observed generation is {observed}"
                ),
            });
        }
        let vars = Variables::from_object(obj);
        for (expr, status, what) in [
            (
                exprs.in_progress.as_ref(),
                HealthStatus::InProgress,
                "inProgress",
            ),
            (exprs.failed.as_ref(), HealthStatus::Failed, "failed"),
            (Some(&exprs.current), HealthStatus::Current, "current"),
        ] {
            let Some(expr) = expr else { continue };
            match expr.evaluate_bool(&vars) {
                Ok(true) => {
                    return Some(ObjectHealth {
                        status,
                        message: format!(
                            "healthCheckExprs {what} expression '{}' is true",
                            expr.source()
                        ),
                    });
                }
                Ok(false) => {}
                Err(e) => {
                    return Some(ObjectHealth {
                        status: HealthStatus::Unknown,
                        message: e.to_string(),
                    });
                }
            }
        }
        Some(ObjectHealth {
            status: HealthStatus::InProgress,
            message: "no healthCheckExprs expression is true".to_string(),
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

    fn widget(generation: i64, observed: i64, phase: &str) -> Value {
        json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "generation": generation},
            "status": {"observedGeneration": observed, "phase": phase}})
    }

    #[test]
    fn expressions_decide_in_flux_order() {
        let exprs = health_check_exprs(&ks(json!([{
            "apiVersion": "example.com/v1", "kind": "Widget",
            "inProgress": "status.phase == 'Working'",
            "failed": "status.phase == 'Broken' || status.phase == 'Working'",
            "current": "status.phase == 'Done'"
        }])))
        .unwrap()
        .unwrap();
        let status = |obj: &Value| exprs.check(obj).map(|h| h.status);
        // inProgress wins over failed.
        assert_eq!(
            status(&widget(1, 1, "Working")),
            Some(HealthStatus::InProgress)
        );
        let failed = exprs.check(&widget(1, 1, "Broken")).unwrap();
        assert_eq!(failed.status, HealthStatus::Failed);
        assert!(
            failed.message.contains("status.phase == 'Broken'"),
            "{}",
            failed.message
        );
        assert_eq!(status(&widget(1, 1, "Done")), Some(HealthStatus::Current));
        assert_eq!(
            status(&widget(1, 1, "Other")),
            Some(HealthStatus::InProgress)
        );
        // A lagging observedGeneration is InProgress whatever the expressions say.
        assert_eq!(
            status(&widget(2, 1, "Done")),
            Some(HealthStatus::InProgress)
        );
        // Other kinds keep kstatus.
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap"});
        assert_eq!(status(&cm), None);
        // Evaluation errors make the status Unknown with the error.
        let no_status = json!({"apiVersion": "example.com/v2", "kind": "Widget", "metadata": {}});
        let unknown = exprs.check(&no_status).unwrap();
        assert_eq!(unknown.status, HealthStatus::Unknown);
        assert!(
            unknown.message.contains("failed to evaluate"),
            "{}",
            unknown.message
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
