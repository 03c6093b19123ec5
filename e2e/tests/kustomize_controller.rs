//! Scenario: kustomize-controller applies Kustomizations from a source artifact against the
//! real control plane. The source is a GitRepository whose `status.artifact` the test
//! writes, served by a local artifact server, so kustomize-controller is tested in
//! isolation; `kustomize_gitops.rs` runs the full loop with source-controller.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "kustomize_support/mod.rs"]
mod support;

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{DeleteParams, Patch, PatchParams};
use serde_json::json;
use support::{cm, condition, inventory_ids, setup};

#[tokio::test]
async fn applies_reverts_drift_prunes_and_honours_prune_disabled() {
    let ctx = setup("ks-apply").await;
    let keep = [("kustomize.toolkit.fluxcd.io/prune", "disabled")];
    let a = cm("a", &[("color", "blue")], &[]);
    let b = cm("b", &[("k", "v")], &[]);
    let c = cm("c", &[("k", "v")], &keep);
    let v1 = ctx
        .publish(
            "source",
            &[
                ("deploy/a.yaml", &a),
                ("deploy/b.yaml", &b),
                ("deploy/c.yaml", &c),
            ],
        )
        .await;
    ctx.kustomization(
        "app",
        json!({"path": "./deploy", "targetNamespace": ctx.ns}),
    )
    .await;
    let obj = ctx.ready_at("app", &v1).await;
    assert_eq!(
        condition(&obj, "Ready").unwrap().2,
        format!("Applied revision: {v1}")
    );
    assert_eq!(
        condition(&obj, "Ready").unwrap().1,
        "ReconciliationSucceeded"
    );
    let ns = &ctx.ns;
    assert_eq!(
        inventory_ids(&obj),
        [
            format!("{ns}_a__ConfigMap"),
            format!("{ns}_b__ConfigMap"),
            format!("{ns}_c__ConfigMap")
        ]
    );
    let history = &obj.status.as_ref().unwrap().history;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].last_reconciled_status, "ReconciliationSucceeded");
    assert_eq!(history[0].metadata["revision"], v1);
    assert!(history[0].digest.starts_with("sha256:"));
    let live = ctx.config_map("a").await.unwrap();
    let labels = live.metadata.labels.clone().unwrap();
    assert_eq!(labels["kustomize.toolkit.fluxcd.io/name"], "app");
    assert_eq!(labels["kustomize.toolkit.fluxcd.io/namespace"], ctx.ns);
    let managers: Vec<String> = live
        .metadata
        .managed_fields
        .unwrap()
        .iter()
        .filter_map(|m| m.manager.clone())
        .collect();
    assert!(
        managers.contains(&"kustomize-controller".to_string()),
        "{managers:?}"
    );

    // A hand edit is reverted at the next reconcile.
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ctx.ns);
    // As `kubectl edit` does: an Update by manager `kubectl-edit`, changing a field Flux
    // applies and adding one Git does not have.
    let kubectl = PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..Default::default()
    };
    cms.patch(
        "a",
        &kubectl,
        &Patch::Merge(json!({"data": {"color": "red", "extra": "added-by-hand"}})),
    )
    .await
    .unwrap();
    assert_eq!(
        ctx.config_map("a").await.unwrap().data.unwrap()["color"],
        "red"
    );
    ctx.request_reconcile("app", "drift-1").await;
    ctx.wait("app", "drift-1 handled", |o| {
        o.status
            .as_ref()
            .and_then(|s| s.last_handled_reconcile_at.as_deref())
            == Some("drift-1")
    })
    .await;
    let data = ctx.config_map("a").await.unwrap().data.unwrap();
    assert_eq!(data["color"], "blue");
    assert!(
        !data.contains_key("extra"),
        "kubectl's added field survived: {data:?}"
    );

    // A new revision lands: applied at once (the interval is 1h), deleted files pruned
    // except the prune-disabled one.
    let a2 = cm("a", &[("color", "green")], &[]);
    let v2 = ctx.publish("source", &[("deploy/a.yaml", &a2)]).await;
    let obj = ctx.ready_at("app", &v2).await;
    assert_eq!(inventory_ids(&obj), [format!("{ns}_a__ConfigMap")]);
    assert_eq!(
        ctx.config_map("a").await.unwrap().data.unwrap()["color"],
        "green"
    );
    assert!(
        ctx.config_map("b").await.is_none(),
        "b should have been pruned"
    );
    assert!(
        ctx.config_map("c").await.is_some(),
        "c is prune-disabled and must stay"
    );

    // Deleting the Kustomization garbage collects its inventory (MirrorPrune, prune: true).
    ctx.ks
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    for _ in 0..120 {
        if ctx.ks.get_opt("app").await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ctx.ks.get_opt("app").await.unwrap().is_none());
    assert!(
        ctx.config_map("a").await.is_none(),
        "a should be deleted with the Kustomization"
    );
}

#[tokio::test]
async fn ssa_annotations_and_orphan_deletion_policy() {
    let ctx = setup("ks-ssa").await;
    let once = cm(
        "once",
        &[("k", "git")],
        &[("kustomize.toolkit.fluxcd.io/ssa", "IfNotPresent")],
    );
    let ignored = cm(
        "ignored",
        &[("k", "git")],
        &[("kustomize.toolkit.fluxcd.io/ssa", "Ignore")],
    );
    let v1 = ctx
        .publish(
            "source",
            &[("once.yaml", &once), ("ignored.yaml", &ignored)],
        )
        .await;
    ctx.kustomization(
        "app",
        json!({"targetNamespace": ctx.ns, "deletionPolicy": "Orphan"}),
    )
    .await;
    ctx.ready_at("app", &v1).await;
    assert_eq!(
        ctx.config_map("once").await.unwrap().data.unwrap()["k"],
        "git"
    );
    assert!(
        ctx.config_map("ignored").await.is_none(),
        "ssa: Ignore objects are never applied"
    );
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ctx.ns);
    cms.patch(
        "once",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "edited"}})),
    )
    .await
    .unwrap();
    ctx.request_reconcile("app", "t1").await;
    ctx.wait("app", "t1 handled", |o| {
        o.status
            .as_ref()
            .and_then(|s| s.last_handled_reconcile_at.as_deref())
            == Some("t1")
    })
    .await;
    assert_eq!(
        ctx.config_map("once").await.unwrap().data.unwrap()["k"],
        "edited"
    );
    ctx.ks
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    for _ in 0..120 {
        if ctx.ks.get_opt("app").await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        ctx.config_map("once").await.is_some(),
        "Orphan keeps the objects"
    );
}

#[tokio::test]
async fn depends_on_orders_three_kustomizations() {
    let ctx = setup("ks-deps").await;
    let files = [
        ("a/cm.yaml", cm("from-a", &[("k", "v")], &[])),
        ("b/cm.yaml", cm("from-b", &[("k", "v")], &[])),
        ("c/cm.yaml", cm("from-c", &[("k", "v")], &[])),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let rev = ctx.publish("source", &files).await;
    ctx.kustomization(
        "c",
        json!({"path": "./c", "targetNamespace": ctx.ns, "dependsOn": [{"name": "b"}]}),
    )
    .await;
    ctx.kustomization(
        "b",
        json!({"path": "./b", "targetNamespace": ctx.ns, "dependsOn": [{"name": "a"}]}),
    )
    .await;
    let c = ctx.failing("c", "DependencyNotReady").await;
    assert!(
        condition(&c, "Ready").unwrap().2.contains("dependency"),
        "{c:?}"
    );
    ctx.failing("b", "DependencyNotReady").await;
    assert!(ctx.config_map("from-b").await.is_none());
    assert!(ctx.config_map("from-c").await.is_none());

    ctx.kustomization("a", json!({"path": "./a", "targetNamespace": ctx.ns}))
        .await;
    let a = ctx.ready_at("a", &rev).await;
    let b = ctx.ready_at("b", &rev).await;
    let c = ctx.ready_at("c", &rev).await;
    let ready_time = |k: &flux_api::kustomize::Kustomization| {
        k.status
            .as_ref()
            .unwrap()
            .conditions
            .iter()
            .find(|c| c.type_ == "Ready")
            .unwrap()
            .last_transition_time
            .0
    };
    assert!(ready_time(&a) <= ready_time(&b) && ready_time(&b) <= ready_time(&c));
    let mut created = Vec::new();
    for name in ["from-a", "from-b", "from-c"] {
        created.push(
            ctx.config_map(name)
                .await
                .unwrap()
                .metadata
                .creation_timestamp
                .unwrap()
                .0,
        );
    }
    let (ta, tb, tc) = (created[0], created[1], created[2]);
    assert!(ta <= tb && tb <= tc, "{ta} {tb} {tc}");
}

fn deployment(name: &str, node_selector: Option<(&str, &str)>) -> String {
    let mut spec =
        json!({"containers": [{"name": "app", "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]});
    if let Some((k, v)) = node_selector {
        spec["nodeSelector"] = json!({ k: v });
    }
    serde_json::to_string(&json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}
    }))
    .unwrap()
}

#[tokio::test]
async fn health_checks_wait_for_available_and_time_out() {
    let ctx = setup("ks-health").await;
    let good = deployment("good", None);
    let stuck = deployment("stuck", Some(("no-such-node", "true")));
    let rev = ctx
        .publish(
            "source",
            &[("good/d.yaml", &good), ("stuck/d.yaml", &stuck)],
        )
        .await;
    ctx.kustomization(
        "good",
        json!({"path": "./good", "targetNamespace": ctx.ns, "wait": true, "timeout": "90s"}),
    )
    .await;
    ctx.kustomization(
        "stuck",
        json!({"path": "./stuck", "targetNamespace": ctx.ns, "timeout": "30s",
            "healthChecks": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "stuck", "namespace": ctx.ns}]}),
    )
    .await;
    let good = ctx.ready_at("good", &rev).await;
    assert_eq!(condition(&good, "Healthy").unwrap().0, "True");
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ctx.ns);
    let live = deployments.get("good").await.unwrap();
    assert!(
        live.status
            .unwrap()
            .conditions
            .unwrap()
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "True"),
        "Ready was reported before the Deployment was Available"
    );
    let stuck = ctx.failing("stuck", "HealthCheckFailed").await;
    let message = condition(&stuck, "Ready").unwrap().2;
    assert!(
        message.starts_with("health check failed after"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "timeout waiting for: [Deployment/{}/stuck status: 'InProgress']",
            ctx.ns
        )),
        "{message}"
    );
    assert_eq!(condition(&stuck, "Healthy").unwrap().0, "False");
    // The objects were applied and are in the inventory even though unhealthy.
    assert_eq!(
        inventory_ids(&stuck),
        [format!("{}_stuck_apps_Deployment", ctx.ns)]
    );
}

#[tokio::test]
async fn post_build_substitution_from_configmap_and_secret() {
    let ctx = setup("ks-vars").await;
    let template = serde_json::to_string(&json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-${env}"},
        "data": {"region": "${region}", "password": "${password}", "tier": "${tier:=standard}",
            "inline": "${inline}", "escaped": "$${region}"}
    }))
    .unwrap();
    let raw = cm(
        "raw",
        &[("k", "${region}")],
        &[("kustomize.toolkit.fluxcd.io/substitute", "disabled")],
    );
    let rev = ctx
        .publish("source", &[("t.yaml", &template), ("raw.yaml", &raw)])
        .await;
    ctx.apply(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "vars"},
        "data": {"region": "eu-west-1", "env": "staging"}}),
    )
    .await;
    ctx.apply(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "secret-vars"},
        "stringData": {"password": "hunter2", "env": "prod"}}),
    )
    .await;
    ctx.kustomization(
        "app",
        json!({"targetNamespace": ctx.ns, "postBuild": {
        "substitute": {"inline": "yes"},
        "substituteFrom": [
            {"kind": "ConfigMap", "name": "vars"},
            {"kind": "Secret", "name": "secret-vars"},
            {"kind": "ConfigMap", "name": "absent", "optional": true}
        ]}}),
    )
    .await;
    ctx.ready_at("app", &rev).await;
    // The Secret came after the ConfigMap, so its `env` wins.
    let data = ctx
        .config_map("app-prod")
        .await
        .expect("app-prod")
        .data
        .unwrap();
    assert_eq!(data["region"], "eu-west-1");
    assert_eq!(data["password"], "hunter2");
    assert_eq!(data["tier"], "standard");
    assert_eq!(data["inline"], "yes");
    assert_eq!(data["escaped"], "${region}");
    assert_eq!(
        ctx.config_map("raw").await.unwrap().data.unwrap()["k"],
        "${region}"
    );

    // A labelled ConfigMap change is picked up at once (the interval is 1h).
    ctx.apply(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "vars", "labels": {"reconcile.fluxcd.io/watch": "Enabled"}},
        "data": {"region": "us-east-1", "env": "staging"}}))
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while ctx.config_map("app-prod").await.unwrap().data.unwrap()["region"] != "us-east-1" {
        assert!(
            std::time::Instant::now() < deadline,
            "the ConfigMap change was not applied"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // A required source that is missing fails the build, naming it.
    ctx.kustomization(
        "missing",
        json!({"targetNamespace": ctx.ns, "postBuild": {"substituteFrom": [{"kind": "Secret", "name": "nope"}]}}),
    )
    .await;
    let failed = ctx.failing("missing", "BuildFailed").await;
    assert!(
        condition(&failed, "Ready").unwrap().2.contains("'Secret/"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn service_account_without_rbac_is_forbidden() {
    let ctx = setup("ks-rbac").await;
    ctx.apply(
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "tenant"}}),
    )
    .await;
    let rev = ctx
        .publish(
            "source",
            &[("cm.yaml", &cm("tenant-cm", &[("k", "v")], &[]))],
        )
        .await;
    ctx.kustomization(
        "tenant",
        json!({"targetNamespace": ctx.ns, "serviceAccountName": "tenant"}),
    )
    .await;
    let failed = ctx.failing("tenant", "ReconciliationFailed").await;
    let message = condition(&failed, "Ready").unwrap().2;
    assert!(
        message.contains("Forbidden") || message.contains("forbidden"),
        "{message}"
    );
    assert!(
        message.contains(&format!("system:serviceaccount:{}:tenant", ctx.ns)),
        "{message}"
    );
    assert!(ctx.config_map("tenant-cm").await.is_none());
    assert_eq!(
        failed.status.unwrap().last_attempted_revision.as_deref(),
        Some(rev.as_str())
    );
}

#[tokio::test]
async fn bad_input_fails_with_the_real_message_and_applies_nothing() {
    let ctx = setup("ks-bad").await;
    let v1 = ctx
        .publish("source", &[("cm.yaml", &cm("keep", &[("k", "v1")], &[]))])
        .await;
    ctx.kustomization(
        "app",
        json!({"targetNamespace": ctx.ns, "retryInterval": "2s"}),
    )
    .await;
    ctx.ready_at("app", &v1).await;

    // A kustomization naming a missing file: BuildFailed naming the file.
    let kustomization = "resources:\n- cm.yaml\n- missing.yaml\n";
    ctx.publish(
        "source",
        &[
            ("kustomization.yaml", kustomization),
            ("cm.yaml", &cm("keep", &[("k", "v2")], &[])),
        ],
    )
    .await;
    let failed = ctx.failing("app", "BuildFailed").await;
    let message = condition(&failed, "Ready").unwrap().2;
    assert!(message.contains("missing.yaml"), "{message}");

    // An object the schema rejects next to a valid change: nothing is applied.
    let bad = serde_json::to_string(&json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "broken"}, "spec": {"replicas": "many"}}))
    .unwrap();
    ctx.publish(
        "source",
        &[
            ("cm.yaml", &cm("keep", &[("k", "v3")], &[])),
            ("bad.yaml", &bad),
        ],
    )
    .await;
    let failed = ctx
        .wait("app", "ReconciliationFailed", |o| {
            condition(o, "Ready").is_some_and(|c| c.1 == "ReconciliationFailed")
        })
        .await;
    let message = condition(&failed, "Ready").unwrap().2;
    assert!(
        message.contains(&format!("Deployment/{}/broken dry-run failed", ctx.ns)),
        "{message}"
    );
    assert_eq!(
        ctx.config_map("keep").await.unwrap().data.unwrap()["k"],
        "v1",
        "nothing half-applied"
    );
    assert_eq!(
        failed
            .status
            .as_ref()
            .unwrap()
            .last_applied_revision
            .as_deref(),
        Some(v1.as_str())
    );

    // Retried at retryInterval: once fixed in the source, it recovers.
    let v4 = ctx
        .publish("source", &[("cm.yaml", &cm("keep", &[("k", "v4")], &[]))])
        .await;
    ctx.ready_at("app", &v4).await;
    assert_eq!(
        ctx.config_map("keep").await.unwrap().data.unwrap()["k"],
        "v4"
    );
}

#[tokio::test]
async fn sops_age_and_pgp_secrets_are_decrypted_and_applied() {
    let ctx = setup("ks-sops").await;
    // The fixtures were encrypted by the real sops CLI for namespace `sops-e2e` (the MAC
    // covers the namespace, so it cannot be rewritten by targetNamespace).
    let fixtures = flux_testkit::repo_root().join("kustomize-controller/testdata/sops");
    let read = |f: &str| std::fs::read_to_string(fixtures.join(f)).unwrap();
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(ctx.client.clone());
    namespaces
        .patch(
            "sops-e2e",
            &PatchParams::apply("e2e").force(),
            &Patch::Apply(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "sops-e2e"}}),
            ),
        )
        .await
        .unwrap();
    let (age_secret, pgp_secret) = (read("age-secret.yaml"), read("pgp-secret.yaml"));
    let rev = ctx
        .publish(
            "source",
            &[
                ("secrets/age.yaml", &age_secret),
                ("secrets/pgp.yaml", &pgp_secret),
            ],
        )
        .await;
    ctx.apply(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sops-keys"},
        "stringData": {"identity.agekey": read("age.agekey"), "sops.asc": read("pgp.asc")}}),
    )
    .await;
    ctx.kustomization(
        "secrets",
        json!({"path": "./secrets", "decryption": {"provider": "sops", "secretRef": {"name": "sops-keys"}}}),
    )
    .await;
    let ready = ctx.ready_at("secrets", &rev).await;
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(ctx.client.clone(), "sops-e2e");
    let value = |s: &k8s_openapi::api::core::v1::Secret, k: &str| {
        String::from_utf8(s.data.as_ref().unwrap()[k].0.clone()).unwrap()
    };
    let age = secrets.get("age-secret").await.unwrap();
    assert_eq!(value(&age, "password"), "age-s3cr3t-value");
    assert_eq!(value(&age, "token"), "tok-age");
    let pgp = secrets.get("pgp-secret").await.unwrap();
    assert_eq!(value(&pgp, "password"), "pgp-s3cr3t-value");
    let status = serde_json::to_string(&ready.status).unwrap();
    assert!(!status.contains("s3cr3t"), "{status}");

    // Without decryption settings the encrypted Secret is refused, naming it; with the
    // wrong keys decryption fails; neither message carries a secret value.
    ctx.kustomization("no-keys", json!({"path": "./secrets"}))
        .await;
    let failed = ctx.failing("no-keys", "BuildFailed").await;
    let message = condition(&failed, "Ready").unwrap().2;
    assert!(
        message.contains(
            "Secret/sops-e2e/age-secret is SOPS encrypted, configuring decryption is required"
        ),
        "{message}"
    );
    ctx.apply(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pgp-only"},
        "stringData": {"sops.asc": read("pgp.asc")}}),
    )
    .await;
    ctx.kustomization(
        "wrong-keys",
        json!({"path": "./secrets", "decryption": {"provider": "sops", "secretRef": {"name": "pgp-only"}}}),
    )
    .await;
    let failed = ctx.failing("wrong-keys", "BuildFailed").await;
    let status = serde_json::to_string(&failed.status).unwrap();
    assert!(
        status.contains("failed to decrypt and format 'Secret/sops-e2e/age-secret'"),
        "{status}"
    );
    assert!(!status.contains("s3cr3t"), "{status}");
}

#[tokio::test]
async fn crds_and_namespaces_are_staged_before_their_objects_and_force_recreates() {
    let ctx = setup("ks-stages").await;
    let group = format!("{}.example.com", ctx.ns);
    let crd = serde_json::to_string(&json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {"group": group, "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))
    .unwrap();
    let app_ns = format!("{}-app", ctx.ns);
    let namespace = serde_json::to_string(
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": app_ns}}),
    )
    .unwrap();
    let widget = serde_json::to_string(&json!({
        "apiVersion": format!("{group}/v1"), "kind": "Widget",
        "metadata": {"name": "w", "namespace": app_ns}, "spec": {"size": 3}
    }))
    .unwrap();
    let job = |image: &str| {
        serde_json::to_string(&json!({
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": app_ns},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "m", "image": image}]}}}
        }))
        .unwrap()
    };
    // One revision holding the CRD, the Namespace and objects that need both.
    let (job1, job2) = (job("busybox:1"), job("busybox:2"));
    let v1 = ctx
        .publish(
            "source",
            &[
                ("1-widget.yaml", &widget),
                ("2-job.yaml", &job1),
                ("3-crd.yaml", &crd),
                ("4-ns.yaml", &namespace),
            ],
        )
        .await;
    ctx.kustomization("app", json!({"force": true})).await;
    let obj = ctx.ready_at("app", &v1).await;
    let ids = inventory_ids(&obj);
    assert_eq!(
        ids[0],
        format!("_widgets.{group}_apiextensions.k8s.io_CustomResourceDefinition")
    );
    assert_eq!(ids[1], format!("_{app_ns}__Namespace"));
    assert!(
        ids.contains(&format!("{app_ns}_w_{group}_Widget")),
        "{ids:?}"
    );
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = Api::namespaced(ctx.client.clone(), &app_ns);
    let uid = jobs.get("migrate").await.unwrap().metadata.uid.unwrap();

    // The Job template is immutable: with `force` the Job is deleted and created again.
    let v2 = ctx
        .publish(
            "source",
            &[
                ("1-widget.yaml", &widget),
                ("2-job.yaml", &job2),
                ("3-crd.yaml", &crd),
                ("4-ns.yaml", &namespace),
            ],
        )
        .await;
    ctx.ready_at("app", &v2).await;
    let job = jobs.get("migrate").await.unwrap();
    assert_ne!(job.metadata.uid.unwrap(), uid, "the Job was not recreated");
    let image = job.spec.unwrap().template.spec.unwrap().containers[0]
        .image
        .clone()
        .unwrap();
    assert_eq!(image, "busybox:2");
}
