//! Steps after the build: owner labels and `commonMetadata`, staged apply, prune and
//! health checks.

use std::time::{Duration, Instant};

use flux_api::constants::{
    HEALTH_CHECK_FAILED_REASON, KUSTOMIZE_NAME_LABEL, KUSTOMIZE_NAMESPACE_LABEL,
    PRUNE_FAILED_REASON, RECONCILIATION_FAILED_REASON,
};
use flux_api::kustomize::Kustomization;
use flux_api::meta::{CommonMetadata, ResourceInventory};
use flux_runtime::reconcile::ReconcileError;
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

/// Waits for the objects; the error is Flux's "health check failed after …" message.
pub async fn health_check(
    manager: &ResourceManager,
    targets: &[ObjMetadata],
    timeout: Duration,
) -> Result<(), ReconcileError> {
    let started = Instant::now();
    let opts = WaitOptions {
        interval: Duration::from_secs(2),
        timeout,
        fail_fast: true,
    };
    manager
        .wait_for_set(targets, &opts)
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
