//! Scenario: the full GitOps loop. A commit to the Git fixture becomes a source-controller
//! artifact, kustomize-controller builds and applies it; hand edits are reverted at the
//! next interval and files deleted from Git are pruned. Both controllers run in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "kustomize_support/mod.rs"]
mod support;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use flux_testkit::git::GitServer;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;
use support::{condition, inventory_ids, setup};

fn start_source_controller() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        flux_e2e::inprocess::start_source_controller("flux-source-ks-e2e-", &[]).unwrap();
    });
}

const BASE_KUSTOMIZATION: &str = "resources:\n- deployment.yaml\n- service.yaml\n- config.yaml\n";
const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.7.0
";
const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: podinfo
spec:
  selector:
    app: podinfo
  ports:
  - port: 9898
";

fn config(color: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-config\ndata:\n  color: {color}\n"
    )
}

#[tokio::test]
async fn git_commit_is_applied_drift_reverted_and_deleted_file_pruned() {
    start_source_controller();
    let ctx = setup("ks-gitops").await;
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("fleet").await.unwrap();
    let staging = "resources:\n- ../../base\nnamePrefix: staging-\n";
    let first = repo
        .commit_files(
            &[
                ("base/kustomization.yaml", BASE_KUSTOMIZATION),
                ("base/deployment.yaml", DEPLOYMENT),
                ("base/service.yaml", SERVICE),
                ("base/config.yaml", &config("blue")),
                ("overlays/staging/kustomization.yaml", staging),
            ],
            "app with a staging overlay",
        )
        .await
        .unwrap();
    let repos: Api<flux_api::source::GitRepository> = Api::namespaced(ctx.client.clone(), &ctx.ns);
    let source: flux_api::source::GitRepository = serde_json::from_value(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "fleet"},
        "spec": {"url": repo.url(), "interval": "2s", "ref": {"branch": "main"}}
    }))
    .unwrap();
    repos.create(&PostParams::default(), &source).await.unwrap();
    ctx.kustomization(
        "staging",
        json!({"interval": "5s", "path": "./overlays/staging", "targetNamespace": ctx.ns, "wait": true,
            "timeout": "60s", "sourceRef": {"kind": "GitRepository", "name": "fleet"}}),
    )
    .await;
    let v1 = format!("main@sha1:{first}");
    let obj = ctx.ready_at("staging", &v1).await;
    assert_eq!(
        condition(&obj, "Ready").unwrap().2,
        format!("Applied revision: {v1}")
    );
    assert_eq!(condition(&obj, "Healthy").unwrap().0, "True");
    let ns = &ctx.ns;
    let mut ids = inventory_ids(&obj);
    ids.sort();
    assert_eq!(
        ids,
        [
            format!("{ns}_staging-podinfo-config__ConfigMap"),
            format!("{ns}_staging-podinfo__Service"),
            format!("{ns}_staging-podinfo_apps_Deployment"),
        ]
    );
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), ns);
    let live = deployments.get("staging-podinfo").await.unwrap();
    assert!(
        live.status
            .unwrap()
            .conditions
            .unwrap()
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "True")
    );

    // A hand edit is reverted within an interval, with no trigger but the interval.
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), ns);
    cms.patch(
        "staging-podinfo-config",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"color": "red"}})),
    )
    .await
    .unwrap();
    let color = || async {
        cms.get("staging-podinfo-config")
            .await
            .unwrap()
            .data
            .unwrap()["color"]
            .clone()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while color().await != "blue" {
        assert!(Instant::now() < deadline, "hand edit was never reverted");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // A new commit is applied.
    let second = repo
        .commit_files(&[("base/config.yaml", &config("green"))], "green")
        .await
        .unwrap();
    ctx.ready_at("staging", &format!("main@sha1:{second}"))
        .await;
    assert_eq!(color().await, "green");

    // A file deleted from Git is pruned.
    repo.commit_files(
        &[(
            "base/kustomization.yaml",
            "resources:\n- deployment.yaml\n- service.yaml\n",
        )],
        "drop config",
    )
    .await
    .unwrap();
    let third = repo
        .delete_file("base/config.yaml", "delete config")
        .await
        .unwrap();
    let obj = ctx.ready_at("staging", &format!("main@sha1:{third}")).await;
    assert_eq!(inventory_ids(&obj).len(), 2);
    assert!(
        cms.get_opt("staging-podinfo-config")
            .await
            .unwrap()
            .is_none(),
        "ConfigMap should be pruned"
    );
    assert!(
        deployments
            .get_opt("staging-podinfo")
            .await
            .unwrap()
            .is_some()
    );
}
