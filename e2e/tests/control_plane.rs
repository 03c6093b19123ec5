//! Scenario: the local control plane runs workloads — a Deployment becomes Available and its
//! Pod reports Running on the kwok node, a Job completes, and a deleted namespace goes away
//! with its Pods (kube-controller-manager plus kwok's stages).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use flux_testkit::{ControlPlane, KWOK_NODE, test_namespace};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::Api;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};

#[tokio::test]
async fn deployment_becomes_available_and_pod_runs() {
    let cp = ControlPlane::shared();
    let client = cp.client().await;
    let ns = test_namespace(&client, "control-plane").await;

    let deployment: Deployment = serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "podinfo"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "podinfo"}},
            "template": {
                "metadata": {"labels": {"app": "podinfo"}},
                "spec": {"containers": [{"name": "podinfo", "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]}
            }
        }
    }))
    .unwrap();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    deployments
        .patch(
            "podinfo",
            &PatchParams::apply("e2e").force(),
            &Patch::Apply(&deployment),
        )
        .await
        .unwrap();

    let available = wait_for(|| async {
        let d = deployments.get("podinfo").await.unwrap();
        d.status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "True")
    })
    .await;
    assert!(available, "Deployment {ns}/podinfo never became Available");

    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let list = pods
        .list(&ListParams::default().labels("app=podinfo"))
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1, "expected one podinfo Pod");
    let pod = &list.items[0];
    let spec = pod.spec.as_ref().unwrap();
    assert_eq!(spec.node_name.as_deref(), Some(KWOK_NODE));
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    assert_eq!(phase, Some("Running"));
}

#[tokio::test]
async fn job_completes() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "control-plane-job").await;
    let job: Job = serde_json::from_value(serde_json::json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "hook"},
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "hook", "image": "busybox:1.36"}]
            }}
        }
    }))
    .unwrap();
    let jobs: Api<Job> = Api::namespaced(client, &ns);
    jobs.patch(
        "hook",
        &PatchParams::apply("e2e").force(),
        &Patch::Apply(&job),
    )
    .await
    .unwrap();
    let complete = wait_for(|| async {
        let j = jobs.get("hook").await.unwrap();
        j.status.and_then(|s| s.succeeded) == Some(1)
    })
    .await;
    assert!(complete, "Job {ns}/hook never succeeded");
}

#[tokio::test]
async fn deleted_namespace_goes_away_with_its_pods() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "control-plane-delete").await;
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "doomed"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    }))
    .unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    pods.patch(
        "doomed",
        &PatchParams::apply("e2e").force(),
        &Patch::Apply(&pod),
    )
    .await
    .unwrap();
    let running = wait_for(|| async {
        let p = pods.get("doomed").await.unwrap();
        p.status.and_then(|s| s.phase).as_deref() == Some("Running")
    })
    .await;
    assert!(running, "Pod {ns}/doomed never ran");

    let namespaces: Api<Namespace> = Api::all(client);
    namespaces
        .delete(&ns, &DeleteParams::default())
        .await
        .unwrap();
    let gone = wait_for(|| async { namespaces.get_opt(&ns).await.unwrap().is_none() }).await;
    assert!(gone, "namespace {ns} was never deleted");
}

/// Polls `check` every 200ms for up to two minutes (a hang guard, not a performance bound).
async fn wait_for<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}
