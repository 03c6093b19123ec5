//! `spec.dependsOn`: the Kustomizations that must be Ready before this one is applied.
//!
//! A dependency with `readyExpr` is judged by that CEL expression, with the variables
//! `self` (this Kustomization) and `dep` (the dependency); it replaces the built-in check
//! unless the `AdditiveCELDependencyCheck` feature gate is on, in which case both must
//! pass. Every `readyExpr` is compiled before any dependency is read, and an invalid one
//! stalls the Kustomization with `InvalidCELExpression`.

use std::time::Duration;

use flux_api::Conditions;
use flux_api::constants::{
    DEPENDENCY_NOT_READY_REASON, INVALID_CEL_EXPRESSION_REASON, READY_CONDITION,
};
use flux_api::kustomize::Kustomization;
use flux_cel::{Declarations, Expression, Variables};
use flux_runtime::reconcile::ReconcileError;
use kube::{Api, Resource, ResourceExt};
use serde_json::Value;

use super::source::fmt_duration;

/// Whether the `AdditiveCELDependencyCheck` feature gate is on in `--feature-gates`.
pub fn additive_gate(feature_gates: &str) -> bool {
    feature_gates.split(',').any(|g| {
        g.trim()
            .eq_ignore_ascii_case("AdditiveCELDependencyCheck=true")
    })
}

/// Compiles each dependency's `readyExpr` (in `spec.dependsOn` order, `None` where unset)
/// against the variables `self` and `dep`, with a `bool` result.
pub fn ready_exprs(ks: &Kustomization) -> Result<Vec<Option<Expression>>, ReconcileError> {
    let decls = Declarations::boolean(&["self", "dep"]);
    ks.spec
        .depends_on
        .iter()
        .map(
            |dep| match dep.ready_expr.as_deref().filter(|e| !e.is_empty()) {
                None => Ok(None),
                Some(expr) => Expression::compile(expr, &decls).map(Some).map_err(|e| {
                    ReconcileError::stalling(
                        INVALID_CEL_EXPRESSION_REASON,
                        format!(
                            "Reconciliation failed terminally due to configuration error: \
                         failed to evaluate dependency {}: {e}",
                            dep.name
                        ),
                    )
                }),
            },
        )
        .collect()
}

/// Checks every dependency; `revision` is this Kustomization's source revision, which a
/// dependency on the same source must have applied.
pub async fn check(
    client: &kube::Client,
    ks: &Kustomization,
    revision: &str,
    requeue: Duration,
    additive: bool,
) -> Result<(), ReconcileError> {
    let exprs = ready_exprs(ks)?;
    if ks.spec.depends_on.is_empty() {
        return Ok(());
    }
    let ks_ns = ks.namespace().unwrap_or_default();
    let source_ns = ks
        .spec
        .source_ref
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ks_ns.clone());
    let self_json = serde_json::to_value(ks).unwrap_or(Value::Null);
    for (dep, expr) in ks.spec.depends_on.iter().zip(&exprs) {
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
            Ok(Some(d)) => {
                let judged = Judged {
                    dep: &d,
                    ns: &ns,
                    expr: expr.as_ref(),
                    additive,
                };
                judged.not_ready(&self_json, ks, &source_ns, revision)
            }
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

/// One fetched dependency and how to judge it.
struct Judged<'a> {
    dep: &'a Kustomization,
    ns: &'a str,
    expr: Option<&'a Expression>,
    additive: bool,
}

impl Judged<'_> {
    /// Why the dependency is not ready, or `None` when it is.
    fn not_ready(
        &self,
        self_json: &Value,
        ks: &Kustomization,
        source_ns: &str,
        revision: &str,
    ) -> Option<String> {
        let name = format!("{}/{}", self.ns, self.dep.name_any());
        if let Some(expr) = self.expr {
            let dep_json = serde_json::to_value(self.dep).unwrap_or(Value::Null);
            let vars = Variables::new()
                .with("self", self_json)
                .with("dep", &dep_json);
            match expr.evaluate_bool(&vars) {
                Ok(true) => {}
                Ok(false) => {
                    return Some(format!(
                        "dependency '{name}' is not ready according to readyExpr eval"
                    ));
                }
                Err(e) => return Some(format!("dependency '{name}': {e}")),
            }
            if !self.additive {
                return None;
            }
        }
        builtin_not_ready(self.dep, &name, self.ns, ks, source_ns, revision)
    }
}

/// Flux's built-in check: generation observed, Ready=True, and the same revision applied
/// when the dependency uses the same source.
fn builtin_not_ready(
    dep: &Kustomization,
    name: &str,
    ns: &str,
    ks: &Kustomization,
    source_ns: &str,
    revision: &str,
) -> Option<String> {
    let source = &ks.spec.source_ref;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kustomization(name: &str, depends_on: Value, ready: bool) -> Kustomization {
        serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "apps", "generation": 1,
                "labels": {"tier": "backend"}},
            "spec": {"interval": "1m", "prune": true, "dependsOn": depends_on,
                "sourceRef": {"kind": "GitRepository", "name": "repo"}},
            "status": {"observedGeneration": 1, "lastAppliedRevision": "main@sha1:old",
                "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"},
                    "reason": "x", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
        }))
        .unwrap()
    }

    fn judge(ks: &Kustomization, dep: &Kustomization, additive: bool) -> Option<String> {
        let exprs = ready_exprs(ks).unwrap();
        let judged = Judged {
            dep,
            ns: "apps",
            expr: exprs[0].as_ref(),
            additive,
        };
        let self_json = serde_json::to_value(ks).unwrap();
        judged.not_ready(&self_json, ks, "apps", "main@sha1:new")
    }

    #[test]
    fn ready_expr_replaces_the_builtin_check() {
        let expr = "dep.metadata.labels.tier == self.metadata.labels.tier && \
                    dep.status.conditions.exists(c, c.type == 'Ready' && c.status == 'False')";
        let ks = kustomization("app", json!([{"name": "db", "readyExpr": expr}]), false);
        // Not Ready and an old revision of the same source: the built-in check would
        // refuse, the expression accepts.
        let dep = kustomization("db", json!([]), false);
        assert_eq!(judge(&ks, &dep, false), None);
        // With the additive gate both must pass.
        assert_eq!(
            judge(&ks, &dep, true).as_deref(),
            Some("dependency 'apps/db' is not ready")
        );
        let ready = kustomization("db", json!([]), true);
        assert_eq!(
            judge(&ks, &ready, false).as_deref(),
            Some("dependency 'apps/db' is not ready according to readyExpr eval")
        );
    }

    #[test]
    fn builtin_check_without_ready_expr() {
        let ks = kustomization("app", json!([{"name": "db"}]), false);
        let dep = kustomization("db", json!([]), true);
        assert_eq!(
            judge(&ks, &dep, false).as_deref(),
            Some("dependency 'apps/db' revision is not up to date")
        );
    }

    #[test]
    fn invalid_ready_expr_stalls() {
        let ks = kustomization(
            "app",
            json!([{"name": "db"}, {"name": "cache", "readyExpr": "self.generation == deps.generation"}]),
            false,
        );
        let err = ready_exprs(&ks).err().unwrap();
        assert_eq!(err.reason, INVALID_CEL_EXPRESSION_REASON);
        assert_eq!(
            err.message,
            "Reconciliation failed terminally due to configuration error: failed to evaluate \
             dependency cache: failed to parse the CEL expression 'self.generation == \
             deps.generation': ERROR: <input>:1:20: undeclared reference to 'deps' (in container '')"
        );
        let not_bool = kustomization(
            "app",
            json!([{"name": "db", "readyExpr": "dep.status"}]),
            false,
        );
        assert!(ready_exprs(&not_bool).is_err());
    }

    #[test]
    fn feature_gate() {
        assert!(additive_gate("Foo=true, AdditiveCELDependencyCheck=true"));
        assert!(!additive_gate("AdditiveCELDependencyCheck=false"));
        assert!(!additive_gate(""));
    }
}
