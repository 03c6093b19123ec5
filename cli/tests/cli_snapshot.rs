//! e2e: the human output of `get` and `tree` against a real cluster, snapshot-tested. Statuses
//! are written through the status subresource as a controller would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{flux, set_status};
use flux_cli::kinds;
use flux_testkit::{ControlPlane, test_namespace};
use serde_json::json;

const REVISION: &str = "main@sha1:0123456789abcdef0123456789abcdef01234567";

fn ready(status: &str, message: &str) -> serde_json::Value {
    json!([{
        "type": "Ready", "status": status, "reason": "Test", "message": message,
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }])
}

#[tokio::test]
async fn get_and_tree_output_snapshots() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-snapshot").await;
    let n = ["-n", ns.as_str(), "--no-wait"];
    for args in [
        vec![
            "create",
            "source",
            "git",
            "podinfo",
            "--url=https://github.com/stefanprodan/podinfo",
            "--branch=main",
        ],
        vec![
            "create",
            "source",
            "git",
            "other",
            "--url=https://example.com/other",
            "--tag=v1.0.0",
        ],
        vec![
            "create",
            "ks",
            "apps",
            "--source=podinfo",
            "--path=./apps",
            "--prune",
        ],
        vec![
            "create",
            "ks",
            "infra",
            "--source=podinfo",
            "--path=./infra",
            "--prune",
        ],
    ] {
        let mut a = args;
        a.extend(n);
        flux(&a).await.ok();
    }
    flux(&["suspend", "source", "git", "other", "-n", &ns])
        .await
        .ok();
    set_status(
        &client,
        &ns,
        &kinds::GIT_REPOSITORY,
        "podinfo",
        json!({
            "observedGeneration": 1,
            "artifact": {
                "path": "p", "url": "http://x/p", "revision": REVISION,
                "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "lastUpdateTime": "2026-01-01T00:00:00Z",
            },
            "conditions": ready("True", &format!("stored artifact for revision '{REVISION}'")),
        }),
    )
    .await;
    set_status(
        &client,
        &ns,
        &kinds::KUSTOMIZATION,
        "apps",
        json!({
            "observedGeneration": 1,
            "lastAppliedRevision": REVISION,
            "conditions": ready("True", &format!("Applied revision: {REVISION}")),
            "inventory": {"entries": [
                {"id": "_apps__Namespace", "v": "v1"},
                {"id": format!("{ns}_infra_kustomize.toolkit.fluxcd.io_Kustomization"), "v": "v1"},
                {"id": "apps_podinfo__Service", "v": "v1"},
                {"id": "apps_podinfo_apps_Deployment", "v": "v1"},
            ]},
        }),
    )
    .await;
    set_status(&client, &ns, &kinds::KUSTOMIZATION, "infra", json!({
        "observedGeneration": 1,
        "lastAppliedRevision": REVISION,
        "conditions": ready("False", "health check failed after 30s: timeout waiting for: [Deployment/infra/redis status: 'InProgress']"),
        "inventory": {"entries": [
            {"id": "infra_redis_apps_Deployment", "v": "v1"},
            {"id": "infra_redis__ConfigMap", "v": "v1"},
        ]},
    })).await;

    // Columns are padded to their widest cell and end with a tab, as Flux's tablewriter does.
    let stored = format!("stored artifact for revision '{REVISION}'");
    let w = stored.len();
    let git = flux(&["get", "sources", "git", "-n", &ns])
        .await
        .ok()
        .to_string();
    assert_eq!(
        git,
        format!(
            "NAME   \tREVISION          \tSUSPENDED\tREADY\t{:<w$}\t\n\
             other  \t                  \tTrue     \tFalse\t{:<w$}\t\n\
             podinfo\tmain@sha1:01234567\tFalse    \tTrue \t{stored}\t\n",
            "MESSAGE", "waiting to be reconciled"
        )
    );

    let applied = format!("Applied revision: {REVISION}");
    let health = "health check failed after 30s: timeout waiting for: [Deployment/infra/redis status: 'InProgress']";
    let w = health.len();
    let ks = flux(&["get", "kustomizations", "-n", &ns, "--no-header"])
        .await
        .ok()
        .to_string();
    assert_eq!(
        ks,
        format!(
            "apps \tmain@sha1:01234567\tFalse\tTrue \t{applied:<w$}\t\n\
             infra\tmain@sha1:01234567\tFalse\tFalse\t{health}\t\n"
        )
    );

    let failing = flux(&["get", "ks", "-n", &ns, "--status-selector", "ready=false"])
        .await
        .ok()
        .to_string();
    assert_eq!(failing.lines().count(), 2, "{failing}");
    assert!(
        failing.lines().nth(1).unwrap().starts_with("infra"),
        "{failing}"
    );

    // --watch prints the table, then a row per change, and ends at --timeout.
    let watched = flux(&["get", "ks", "apps", "--watch", "--timeout=3s", "-n", &ns])
        .await
        .ok()
        .to_string();
    assert!(watched.starts_with("NAME\tREVISION"), "{watched}");
    assert!(
        watched.lines().skip(1).all(|l| l.starts_with("apps")),
        "{watched}"
    );
    assert!(watched.lines().count() >= 2, "{watched}");

    let tree = flux(&["tree", "kustomization", "apps", "-n", &ns])
        .await
        .ok()
        .to_string();
    assert_eq!(
        tree,
        format!(
            "Kustomization/{ns}/apps\n\
             ├── Namespace/apps\n\
             ├── Kustomization/{ns}/infra\n\
             │   ├── Deployment/infra/redis\n\
             │   └── ConfigMap/infra/redis\n\
             ├── Service/apps/podinfo\n\
             └── Deployment/apps/podinfo\n"
        )
    );
    let compact = flux(&["tree", "ks", "apps", "--compact", "-n", &ns])
        .await
        .ok()
        .to_string();
    assert_eq!(
        compact,
        format!("Kustomization/{ns}/apps\n└── Kustomization/{ns}/infra\n")
    );

    // Missing objects are reported, not panicked on.
    let err = flux(&["tree", "ks", "nope", "-n", &ns])
        .await
        .fails(1)
        .to_string();
    assert!(
        err.contains(&format!("Kustomization '{ns}/nope' not found")),
        "{err}"
    );
    let err = flux(&["get", "ks", "nope", "-n", &ns]).await;
    assert!(err.ok().is_empty());
    assert!(
        err.stderr
            .contains(&format!("no Kustomization objects found in {ns} namespace")),
        "{}",
        err.stderr
    );
}
