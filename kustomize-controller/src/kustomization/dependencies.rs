//! `spec.dependsOn`: the Kustomizations that must be Ready before this one is applied.

use std::time::Duration;

use flux_api::Conditions;
use flux_api::constants::{
    DEPENDENCY_NOT_READY_REASON, INVALID_CEL_EXPRESSION_REASON, READY_CONDITION,
};
use flux_api::kustomize::Kustomization;
use flux_runtime::reconcile::ReconcileError;
use kube::{Api, Resource, ResourceExt};

use super::source::fmt_duration;

/// Checks every dependency; `revision` is this Kustomization's source revision, which a
/// dependency on the same source must have applied.
pub async fn check(
    client: &kube::Client,
    ks: &Kustomization,
    revision: &str,
    requeue: Duration,
) -> Result<(), ReconcileError> {
    let ks_ns = ks.namespace().unwrap_or_default();
    let source_ns = ks
        .spec
        .source_ref
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ks_ns.clone());
    for dep in &ks.spec.depends_on {
        if dep.ready_expr.is_some() {
            return Err(ReconcileError::stalling(
                INVALID_CEL_EXPRESSION_REASON,
                format!(
                    "dependsOn '{}': readyExpr (CEL) is not supported by this build",
                    dep.name
                ),
            ));
        }
        let ns = dep
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| ks_ns.clone());
        let api: Api<Kustomization> = Api::namespaced(client.clone(), &ns);
        let reason = match api.get_opt(&dep.name).await {
            Ok(None) => Some(format!(
                "unable to get '{ns}/{}' dependency: not found",
                dep.name
            )),
            Err(e) => Some(format!("unable to get '{ns}/{}' dependency: {e}", dep.name)),
            Ok(Some(d)) => not_ready(&d, &ns, &ks.spec.source_ref, &source_ns, revision),
        };
        if let Some(reason) = reason {
            return Err(ReconcileError::waiting(
                DEPENDENCY_NOT_READY_REASON,
                format!(
                    "Dependencies do not meet ready condition ({reason}), retrying in {}",
                    fmt_duration(requeue)
                ),
                requeue,
            ));
        }
    }
    Ok(())
}

fn not_ready(
    dep: &Kustomization,
    ns: &str,
    source: &flux_api::kustomize::kustomization::CrossNamespaceSourceReference,
    source_ns: &str,
    revision: &str,
) -> Option<String> {
    let name = format!("{ns}/{}", dep.name_any());
    let status = dep.status.clone().unwrap_or_default();
    let ready = dep.condition(READY_CONDITION).is_some_and(|c| c.is_true());
    if dep.meta().generation != status.observed_generation || !ready {
        return Some(format!("dependency '{name}' is not ready"));
    }
    let dep_source_ns = dep
        .spec
        .source_ref
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(ns);
    let same_source = dep.spec.source_ref.kind == source.kind
        && dep.spec.source_ref.name == source.name
        && dep_source_ns == source_ns;
    if same_source && status.last_applied_revision.as_deref() != Some(revision) {
        return Some(format!("dependency '{name}' revision is not up to date"));
    }
    None
}
