//! Scenario: CEL in Kustomizations against the real control plane. `healthCheckExprs`
//! decide the health of a custom resource (a small `Widget` CRD defined here) in Flux's
//! order, and fail fast on the `failed` expression; `dependsOn[].readyExpr` gates a
//! Kustomization until the expression holds. Invalid expressions stall with
//! `InvalidCELExpression`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "kustomize_support/mod.rs"]
mod support;

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};
use support::{Ctx, cm, condition, setup};

const GROUP: &str = "cel.e2e.flux-rs.io";

/// Creates (idempotently) the Widget CRD and waits until it is Established.
async fn widget_crd(ctx: &Ctx) -> ApiResource {
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client.clone());
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{GROUP}")},
        "spec": {"group": GROUP, "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}
    });
    crds.patch(
        &format!("widgets.{GROUP}"),
        &PatchParams::apply("e2e").force(),
        &Patch::Apply(&crd),
    )
    .await
    .unwrap();
    flux_e2e::wait::wait_for(&crds, &format!("widgets.{GROUP}"), "Established", |c| {
        c.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.type_ == "Established" && c.status == "True")
            })
    })
    .await;
    ApiResource {
        group: GROUP.into(),
        version: "v1".into(),
        api_version: format!("{GROUP}/v1"),
        kind: "Widget".into(),
        plural: "widgets".into(),
    }
}

fn widget(name: &str) -> String {
    serde_json::to_string(&json!({
        "apiVersion": format!("{GROUP}/v1"), "kind": "Widget",
        "metadata": {"name": name}, "spec": {"size": 1}
    }))
    .unwrap()
}

fn health_exprs() -> Value {
    json!([{
        "apiVersion": format!("{GROUP}/v1"), "kind": "Widget",
        "inProgress": "status.phase == 'Working'",
        "failed": "status.phase == 'Broken'",
        "current": "status.phase == 'Done' && status.conditions.exists(c, c.type == 'Synced' && c.status == 'True')"
    }])
}

/// Waits for the Widget to exist, then writes its status.
async fn set_widget_status(ctx: &Ctx, ar: &ApiResource, name: &str, status: Value) {
    let api: Api<DynamicObject> = Api::namespaced_with(ctx.client.clone(), &ctx.ns, ar);
    let deadline = std::time::Instant::now() + flux_e2e::wait::WAIT_TIMEOUT;
    while api.get_opt(name).await.unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "Widget {name} was never applied"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    api.patch_status(
        name,
        &PatchParams::default(),
        &Patch::Merge(&json!({"status": status})),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn health_check_exprs_decide_custom_resource_health() {
    let ctx = setup("ks-cel-health").await;
    let ar = widget_crd(&ctx).await;
    let rev = ctx
        .publish("source", &[("w/widget.yaml", &widget("gizmo"))])
        .await;
    ctx.kustomization(
        "widgets",
        json!({"path": "./w", "targetNamespace": ctx.ns, "wait": true, "timeout": "3m",
            "healthCheckExprs": health_exprs()}),
    )
    .await;

    // Ready=True by kstatus, but `inProgress` holds: the health check keeps waiting.
    set_widget_status(
        &ctx,
        &ar,
        "gizmo",
        json!({"phase": "Working", "conditions": [{"type": "Ready", "status": "True"}]}),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let waiting = ctx.ks.get("widgets").await.unwrap();
    assert!(
        waiting
            .status
            .as_ref()
            .and_then(|s| s.last_applied_revision.as_deref())
            .is_none(),
        "became Ready while the Widget was Working: {:?}",
        waiting.status
    );
    assert_ne!(
        condition(&waiting, "Ready").map(|c| c.0),
        Some("True".to_string())
    );

    // `current` holds: the Kustomization becomes Ready and Healthy.
    set_widget_status(
        &ctx,
        &ar,
        "gizmo",
        json!({"phase": "Done", "conditions": [{"type": "Synced", "status": "True"}]}),
    )
    .await;
    let ready = ctx.ready_at("widgets", &rev).await;
    assert_eq!(condition(&ready, "Healthy").unwrap().0, "True");
}

#[tokio::test]
async fn failed_expression_fails_fast_and_invalid_expressions_stall() {
    let ctx = setup("ks-cel-failed").await;
    let ar = widget_crd(&ctx).await;
    ctx.publish("source", &[("w/widget.yaml", &widget("sprocket"))])
        .await;
    // A timeout far longer than the test's wait: only fail-fast can end it in time.
    ctx.kustomization(
        "widgets",
        json!({"path": "./w", "targetNamespace": ctx.ns, "wait": true, "timeout": "30m",
            "interval": "1h", "healthCheckExprs": health_exprs()}),
    )
    .await;
    set_widget_status(&ctx, &ar, "sprocket", json!({"phase": "Broken"})).await;
    let failed = ctx.failing("widgets", "HealthCheckFailed").await;
    let message = condition(&failed, "Ready").unwrap().2;
    assert!(
        message.starts_with("health check failed after"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "failed early due to stalled resources: [Widget/{}/sprocket status: 'Failed'",
            ctx.ns
        )),
        "{message}"
    );
    assert!(message.contains("status.phase == 'Broken'"), "{message}");
    assert_eq!(condition(&failed, "Healthy").unwrap().0, "False");

    // An expression that does not parse stalls the Kustomization before anything is
    // applied, naming the entry and the expression.
    let mut bad = health_exprs();
    bad[0]["inProgress"] = json!("status.phase ==");
    ctx.kustomization(
        "invalid",
        json!({"path": "./w", "targetNamespace": ctx.ns, "wait": true, "healthCheckExprs": bad}),
    )
    .await;
    let stalled = ctx.failing("invalid", "InvalidCELExpression").await;
    let (status, reason, message) = condition(&stalled, "Stalled").unwrap();
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("True", "InvalidCELExpression")
    );
    assert!(
        message.contains(
            "failed to create custom status reader for healthchecks[0]: failed to parse the \
             expression InProgress: failed to parse the CEL expression 'status.phase =='"
        ),
        "{message}"
    );
    assert!(stalled.status.unwrap().inventory.is_none());
}

#[tokio::test]
async fn ready_expr_gates_a_dependency() {
    let ctx = setup("ks-cel-deps").await;
    let rev = ctx
        .publish(
            "source",
            &[
                ("db/cm.yaml", &cm("db", &[("k", "v")], &[])),
                ("app/cm.yaml", &cm("app", &[("k", "v")], &[])),
            ],
        )
        .await;
    let labels = |v: &str| json!({"app.kubernetes.io/version": v});
    let db = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "db", "labels": labels("1")},
        "spec": {"interval": "1h", "prune": true, "path": "./db", "targetNamespace": ctx.ns,
            "sourceRef": {"kind": "GitRepository", "name": "source"}}
    });
    ctx.ks
        .create(&Default::default(), &serde_json::from_value(db).unwrap())
        .await
        .unwrap();
    let ready_expr = "dep.metadata.labels['app.kubernetes.io/version'] == \
                      self.metadata.labels['app.kubernetes.io/version'] && \
                      dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')";
    let app = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "app", "labels": labels("2")},
        "spec": {"interval": "1h", "prune": true, "path": "./app", "targetNamespace": ctx.ns,
            "sourceRef": {"kind": "GitRepository", "name": "source"},
            "dependsOn": [{"name": "db", "readyExpr": ready_expr}]}
    });
    ctx.ks
        .create(&Default::default(), &serde_json::from_value(app).unwrap())
        .await
        .unwrap();

    // db is Ready, but its version label differs: app waits on the expression.
    ctx.ready_at("db", &rev).await;
    let gated = ctx.failing("app", "DependencyNotReady").await;
    let message = condition(&gated, "Ready").unwrap().2;
    assert!(
        message.contains(&format!(
            "dependency '{}/db' is not ready according to readyExpr eval",
            ctx.ns
        )),
        "{message}"
    );
    assert!(ctx.config_map("app").await.is_none());

    // The expression holds once db carries the same version.
    ctx.ks
        .patch(
            "db",
            &PatchParams::default(),
            &Patch::Merge(&json!({"metadata": {"labels": labels("2")}})),
        )
        .await
        .unwrap();
    let app = ctx.ready_at("app", &rev).await;
    assert_eq!(app.name_any(), "app");
    assert!(ctx.config_map("app").await.is_some());

    // A readyExpr naming an undeclared variable stalls.
    let broken = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "broken"},
        "spec": {"interval": "1h", "prune": true, "path": "./app", "targetNamespace": ctx.ns,
            "sourceRef": {"kind": "GitRepository", "name": "source"},
            "dependsOn": [{"name": "db", "readyExpr": "self.generation == deps.generation"}]}
    });
    ctx.ks
        .create(
            &Default::default(),
            &serde_json::from_value(broken).unwrap(),
        )
        .await
        .unwrap();
    let stalled = ctx.failing("broken", "InvalidCELExpression").await;
    let (status, _, message) = condition(&stalled, "Stalled").unwrap();
    assert_eq!(status, "True");
    assert!(
        message.contains("failed to evaluate dependency db: failed to parse the CEL expression \
             'self.generation == deps.generation': ERROR: <input>:1:20: undeclared reference to 'deps'"),
        "{message}"
    );
}
