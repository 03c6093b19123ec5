//! Deletion of a Kustomization: the `deletionPolicy` decides whether the objects of its
//! inventory are deleted (`MirrorPrune` follows `prune`, `Delete`, `WaitForTermination`)
//! or left in place (`Orphan`). Suspended Kustomizations are never garbage collected.

use flux_api::constants::PRUNE_FAILED_REASON;
use flux_api::kustomize::Kustomization;
use flux_api::kustomize::kustomization::{
    DELETION_POLICY_DELETE, DELETION_POLICY_MIRROR_PRUNE, DELETION_POLICY_WAIT_FOR_TERMINATION,
};
use flux_runtime::reconcile::{ReconcileError, Shared};

use super::{KustomizationReconciler, apply};

/// Whether the inventory should be deleted with the Kustomization (pure).
pub fn should_delete(ks: &Kustomization) -> bool {
    let has_inventory = ks
        .status
        .as_ref()
        .and_then(|s| s.inventory.as_ref())
        .is_some_and(|i| !i.entries.is_empty());
    if ks.spec.suspend || !has_inventory {
        return false;
    }
    match ks.deletion_policy() {
        DELETION_POLICY_MIRROR_PRUNE => ks.spec.prune,
        DELETION_POLICY_DELETE | DELETION_POLICY_WAIT_FOR_TERMINATION => true,
        _ => false,
    }
}

pub async fn finalize(
    r: &KustomizationReconciler,
    ctx: &Shared,
    ks: &Kustomization,
) -> Result<(), ReconcileError> {
    if !should_delete(ks) {
        return Ok(());
    }
    let inventory = ks
        .status
        .as_ref()
        .and_then(|s| s.inventory.clone())
        .unwrap_or_default();
    let objects: Vec<_> = flux_ssa::inventory::objects(&inventory)
        .into_iter()
        .rev()
        .collect();
    let client = match r.client_for(&ctx.client, ks).await {
        Ok(c) => c,
        Err(e) => {
            // Flux lets the object go when its identity is gone rather than block deletion.
            tracing::warn!(error = %e.message, "skipping garbage collection");
            return Ok(());
        }
    };
    let manager = r.manager(client);
    let deleted = manager
        .delete_all(&objects, &apply::owner_labels(ks))
        .await
        .map_err(|e| ReconcileError::transient(PRUNE_FAILED_REASON, e.to_string()))?;
    tracing::info!(changes = %deleted.changes_message(), "garbage collected");
    if ks.deletion_policy() == DELETION_POLICY_WAIT_FOR_TERMINATION {
        let timeout = ks.timeout().unwrap_or(std::time::Duration::from_secs(60));
        if let Err(e) = manager.wait_for_termination(&objects, timeout).await {
            tracing::warn!(error = %e, "giving up waiting for termination");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flux_api::meta::{ResourceInventory, ResourceRef};

    fn ks(policy: Option<&str>, prune: bool, suspend: bool, inventory: bool) -> Kustomization {
        let mut k = Kustomization::new("app", Default::default());
        k.spec.deletion_policy = policy.map(String::from);
        k.spec.prune = prune;
        k.spec.suspend = suspend;
        if inventory {
            k.status = Some(flux_api::kustomize::KustomizationStatus {
                inventory: Some(ResourceInventory {
                    entries: vec![ResourceRef {
                        id: "apps_a__ConfigMap".into(),
                        v: "v1".into(),
                    }],
                }),
                ..Default::default()
            });
        }
        k
    }

    #[test]
    fn deletion_policy_table() {
        assert!(should_delete(&ks(None, true, false, true)));
        assert!(!should_delete(&ks(None, false, false, true)));
        assert!(should_delete(&ks(Some("Delete"), false, false, true)));
        assert!(should_delete(&ks(
            Some("WaitForTermination"),
            false,
            false,
            true
        )));
        assert!(!should_delete(&ks(Some("Orphan"), true, false, true)));
        assert!(!should_delete(&ks(Some("Delete"), true, true, true)));
        assert!(!should_delete(&ks(Some("Delete"), true, false, false)));
    }
}
