//! e2e: suspend/resume flip `spec.suspend`; reconcile annotates `requestedAt` and waits for a
//! controller to handle it (a minimal stand-in controller patches the status here), with
//! `--with-source`, failure and suspended cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{flux, get_json, set_status};
use flux_cli::kinds::{self, FluxKind};
use flux_testkit::{ControlPlane, test_namespace};
use serde_json::{Value, json};

const REVISION: &str = "main@sha1:0123456789abcdef0123456789abcdef01234567";

/// A stand-in controller: whenever an object's requestedAt differs from its
/// lastHandledReconcileAt, it marks the request handled with the given Ready outcome.
fn fake_controller(
    client: kube::Client,
    ns: String,
    objects: Vec<(FluxKind, &'static str, bool, &'static str)>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            for (kind, name, ready, message) in &objects {
                let obj = get_json(&client, &ns, kind, name).await;
                let token =
                    obj["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].clone();
                if token.is_null() || obj["status"]["lastHandledReconcileAt"] == token {
                    continue;
                }
                let mut status = json!({
                    "observedGeneration": obj["metadata"]["generation"],
                    "lastHandledReconcileAt": token,
                    "conditions": [{
                        "type": "Ready",
                        "status": if *ready { "True" } else { "False" },
                        "reason": if *ready { "ReconciliationSucceeded" } else { "BuildFailed" },
                        "message": message,
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                        "observedGeneration": obj["metadata"]["generation"],
                    }],
                });
                if kind.kind == "Kustomization" {
                    status["lastAppliedRevision"] = json!(REVISION);
                } else {
                    status["artifact"] = json!({
                        "path": "gitrepository/ns/podinfo/0123.tar.gz",
                        "url": "http://source-controller/gitrepository/ns/podinfo/0123.tar.gz",
                        "revision": REVISION,
                        "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                        "lastUpdateTime": "2026-01-01T00:00:00Z",
                    });
                }
                set_status(&client, &ns, kind, name, status).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

async fn setup(client: &kube::Client, prefix: &str) -> String {
    let ns = test_namespace(client, prefix).await;
    flux(&[
        "create",
        "source",
        "git",
        "podinfo",
        "--url=https://github.com/stefanprodan/podinfo",
        "--branch=master",
        "-n",
        &ns,
        "--no-wait",
    ])
    .await
    .ok();
    flux(&[
        "create",
        "ks",
        "podinfo",
        "--source=GitRepository/podinfo",
        "--path=./kustomize",
        "--prune",
        "-n",
        &ns,
        "--no-wait",
    ])
    .await
    .ok();
    flux(&[
        "create",
        "ks",
        "broken",
        "--source=GitRepository/podinfo",
        "--path=./missing",
        "-n",
        &ns,
        "--no-wait",
    ])
    .await
    .ok();
    ns
}

fn suspended(obj: &Value) -> bool {
    obj["spec"]["suspend"].as_bool().unwrap_or(false)
}

#[tokio::test]
async fn suspend_and_resume_flip_spec_suspend() {
    let client = ControlPlane::shared().client().await;
    let ns = setup(&client, "cli-suspend").await;

    let run = flux(&["suspend", "kustomization", "podinfo", "-n", &ns]).await;
    run.ok();
    assert!(
        run.stderr.contains(&format!(
            "► suspending kustomization podinfo in {ns} namespace"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("✔ kustomization suspended"),
        "{}",
        run.stderr
    );
    assert!(suspended(
        &get_json(&client, &ns, &kinds::KUSTOMIZATION, "podinfo").await
    ));
    let table = flux(&["get", "ks", "podinfo", "-n", &ns])
        .await
        .ok()
        .to_string();
    let row: Vec<&str> = table
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .map(str::trim)
        .collect();
    assert_eq!(&row[..4], &["podinfo", "", "True", "False"], "{table}");

    // A suspended object is not reconciled.
    let err = flux(&["reconcile", "ks", "podinfo", "-n", &ns])
        .await
        .fails(1)
        .to_string();
    assert!(err.contains("resource is suspended"), "{err}");

    let run = flux(&["resume", "ks", "podinfo", "-n", &ns]).await;
    run.ok();
    assert!(
        run.stderr.contains("✔ kustomization resumed"),
        "{}",
        run.stderr
    );
    let obj = get_json(&client, &ns, &kinds::KUSTOMIZATION, "podinfo").await;
    assert!(!suspended(&obj));
    assert!(obj["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].is_string());

    // --all applies to every object of the kind.
    flux(&["suspend", "source", "git", "--all", "-n", &ns])
        .await
        .ok();
    assert!(suspended(
        &get_json(&client, &ns, &kinds::GIT_REPOSITORY, "podinfo").await
    ));
    flux(&["resume", "source", "git", "--all", "-n", &ns])
        .await
        .ok();
    assert!(!suspended(
        &get_json(&client, &ns, &kinds::GIT_REPOSITORY, "podinfo").await
    ));
}

#[tokio::test]
async fn reconcile_annotates_and_waits_for_the_controller() {
    let client = ControlPlane::shared().client().await;
    let ns = setup(&client, "cli-reconcile").await;
    let controller = fake_controller(
        client.clone(),
        ns.clone(),
        vec![
            (kinds::GIT_REPOSITORY, "podinfo", true, "stored artifact"),
            (kinds::KUSTOMIZATION, "podinfo", true, "Applied revision"),
            (
                kinds::KUSTOMIZATION,
                "broken",
                false,
                "kustomization path not found: ./missing",
            ),
        ],
    );

    let run = flux(&[
        "reconcile",
        "ks",
        "podinfo",
        "--with-source",
        "-n",
        &ns,
        "--timeout=1m",
    ])
    .await;
    run.ok();
    let err = &run.stderr;
    let git = err.find("► annotating GitRepository podinfo").expect(err);
    let ks = err
        .find(&format!(
            "► annotating Kustomization podinfo in {ns} namespace"
        ))
        .expect(err);
    assert!(git < ks, "source must be reconciled first:\n{err}");
    assert!(
        err.contains(&format!("✔ fetched revision {REVISION}")),
        "{err}"
    );
    assert!(
        err.contains("✔ Kustomization reconciliation completed"),
        "{err}"
    );
    assert!(
        err.contains(&format!("✔ applied revision {REVISION}")),
        "{err}"
    );

    let obj = get_json(&client, &ns, &kinds::KUSTOMIZATION, "podinfo").await;
    let token = obj["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"]
        .as_str()
        .unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(token).is_ok(),
        "{token}"
    );
    assert_eq!(obj["status"]["lastHandledReconcileAt"], token);

    // Ready=False ends the wait with the controller's message.
    let err = flux(&["reconcile", "ks", "broken", "-n", &ns, "--timeout=1m"])
        .await
        .fails(1)
        .to_string();
    assert!(
        err.contains("kustomization path not found: ./missing"),
        "{err}"
    );

    // resume --wait waits too.
    flux(&["suspend", "ks", "podinfo", "-n", &ns]).await.ok();
    let run = flux(&[
        "resume",
        "ks",
        "podinfo",
        "--wait",
        "-n",
        &ns,
        "--timeout=1m",
    ])
    .await;
    run.ok();
    assert!(
        run.stderr
            .contains("✔ Kustomization reconciliation completed"),
        "{}",
        run.stderr
    );
    controller.abort();

    // Without a controller the wait ends at --timeout with an error.
    let err = flux(&[
        "reconcile",
        "source",
        "git",
        "podinfo",
        "-n",
        &ns,
        "--timeout=2s",
    ])
    .await
    .fails(1)
    .to_string();
    assert!(err.contains("timeout waiting for GitRepository"), "{err}");
}
