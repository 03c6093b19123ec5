//! e2e: `trace` finds the Kustomization and source managing an object (by labels, else by
//! inventory); `events` lists the events of Flux objects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{flux, set_status};
use flux_cli::kinds;
use flux_testkit::{ControlPlane, test_namespace};
use k8s_openapi::api::core::v1::{ConfigMap, Event};
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

const REVISION: &str = "main@sha1:0123456789abcdef0123456789abcdef01234567";

fn ready(message: &str) -> serde_json::Value {
    json!([{"type": "Ready", "status": "True", "reason": "Succeeded", "message": message, "lastTransitionTime": "2026-01-01T00:00:00Z"}])
}

#[tokio::test]
async fn trace_and_events() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-trace").await;
    flux(&[
        "create",
        "source",
        "git",
        "podinfo",
        "--url=https://github.com/stefanprodan/podinfo",
        "--branch=main",
        "-n",
        &ns,
        "--no-wait",
    ])
    .await
    .ok();
    flux(&[
        "create",
        "ks",
        "apps",
        "--source=podinfo",
        "--path=./apps",
        "--prune",
        "-n",
        &ns,
        "--no-wait",
    ])
    .await
    .ok();
    set_status(
        &client,
        &ns,
        &kinds::GIT_REPOSITORY,
        "podinfo",
        json!({
            "artifact": {"path": "p", "url": "http://x/p", "revision": REVISION,
                "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "lastUpdateTime": "2026-01-01T00:00:00Z"},
            "conditions": ready("stored artifact"),
        }),
    )
    .await;
    set_status(
        &client,
        &ns,
        &kinds::KUSTOMIZATION,
        "apps",
        json!({
            "lastAppliedRevision": REVISION,
            "conditions": ready("Applied revision"),
            "inventory": {"entries": [{"id": format!("{ns}_unlabelled__ConfigMap"), "v": "v1"}]},
        }),
    )
    .await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    for (name, labels) in [
        (
            "labelled",
            json!({"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": ns}),
        ),
        ("unlabelled", json!({})),
        ("stray", json!({})),
    ] {
        let cm =
            serde_json::from_value(json!({"metadata": {"name": name, "labels": labels}})).unwrap();
        cms.create(&PostParams::default(), &cm).await.unwrap();
    }

    for name in ["labelled", "unlabelled"] {
        let out = flux(&[
            "trace",
            name,
            "--kind=ConfigMap",
            "--api-version=v1",
            "-n",
            &ns,
        ])
        .await
        .ok()
        .to_string();
        for line in [
            format!("Object:         configmap/{name}"),
            "Status:         Managed by Flux".to_string(),
            "Kustomization:  apps".to_string(),
            "Path:           ./apps".to_string(),
            format!("Revision:       {REVISION}"),
            "GitRepository:  podinfo".to_string(),
            "URL:            https://github.com/stefanprodan/podinfo".to_string(),
            "Branch:         main".to_string(),
            "Message:        stored artifact".to_string(),
        ] {
            assert!(
                out.contains(&line),
                "trace {name}: missing '{line}' in:\n{out}"
            );
        }
    }
    let out = flux(&[
        "trace",
        "stray",
        "--kind=ConfigMap",
        "--api-version=v1",
        "-n",
        &ns,
    ])
    .await
    .ok()
    .to_string();
    assert!(out.contains("Status:         Not managed by Flux"), "{out}");
    let run = flux(&[
        "trace",
        "ghost",
        "--kind=ConfigMap",
        "--api-version=v1",
        "-n",
        &ns,
    ])
    .await;
    assert!(
        run.fails(1).contains("ConfigMap 'ghost' not found"),
        "{}",
        run.stderr
    );
    let run = flux(&[
        "trace",
        "x",
        "--kind=Widget",
        "--api-version=example.com/v1",
        "-n",
        &ns,
    ])
    .await;
    assert!(
        run.fails(1)
            .contains("no resource Widget in example.com/v1"),
        "{}",
        run.stderr
    );

    // Events: only Flux objects' events, or the one asked for.
    let events: Api<Event> = Api::namespaced(client.clone(), &ns);
    for (name, kind, obj, reason, type_) in [
        (
            "e1",
            "Kustomization",
            "apps",
            "ReconciliationSucceeded",
            "Normal",
        ),
        ("e2", "ConfigMap", "labelled", "Whatever", "Normal"),
        (
            "e3",
            "GitRepository",
            "podinfo",
            "GitOperationFailed",
            "Warning",
        ),
    ] {
        let e = serde_json::from_value(json!({
            "metadata": {"name": name},
            "involvedObject": {"kind": kind, "name": obj, "namespace": ns},
            "reason": reason, "type": type_, "message": format!("{reason} message"),
            "lastTimestamp": "2026-01-01T00:00:00Z",
        }))
        .unwrap();
        events.create(&PostParams::default(), &e).await.unwrap();
    }
    let out = flux(&["events", "-n", &ns]).await.ok().to_string();
    assert!(out.starts_with("LAST SEEN"), "{out}");
    assert!(
        out.contains("Kustomization/apps") && out.contains("GitRepository/podinfo"),
        "{out}"
    );
    assert!(!out.contains("ConfigMap/labelled"), "{out}");
    let out = flux(&["events", "--for", "Kustomization/apps", "-n", &ns])
        .await
        .ok()
        .to_string();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("ReconciliationSucceeded message"), "{out}");
    let out = flux(&["events", "--types", "Warning", "-n", &ns])
        .await
        .ok()
        .to_string();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("GitOperationFailed"), "{out}");
}
