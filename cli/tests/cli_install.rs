//! e2e: the deploy/ manifests and `install` output are accepted by a real apiserver (server-side
//! dry run); `install` applies the components and waits for them; `check` and `version` see them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{flux, kubectl, repo_root};
use flux_testkit::{ControlPlane, test_namespace};

/// Server-side dry-run apply of a YAML stream with kubectl; returns kubectl's stdout.
async fn dry_run(yaml: &str) -> String {
    let (code, out, err) = kubectl(
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "--field-manager=flux-rs-test",
            "-f",
            "-",
        ],
        Some(yaml),
    )
    .await;
    assert_eq!(code, 0, "the apiserver refused the manifests:\n{err}");
    out
}

fn differences(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    match (a, b) {
        (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (u, v) = (
                    x.get(k).unwrap_or(&serde_json::Value::Null),
                    y.get(k).unwrap_or(&serde_json::Value::Null),
                );
                differences(&format!("{path}.{k}"), u, v, out);
            }
        }
        (serde_json::Value::Array(x), serde_json::Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), u, v, out);
            }
        }
        // `0.0` and `0` are the same number to the apiserver.
        (serde_json::Value::Number(x), serde_json::Value::Number(y))
            if x.as_f64() == y.as_f64() => {}
        (x, y) if x != y => out.push(format!("{path}: {x} != {y}")),
        _ => {}
    }
}

#[tokio::test]
async fn deploy_default_overlay_builds_and_passes_server_dry_run() {
    let _client = ControlPlane::shared().client().await;
    // Namespaced objects need their namespace to exist, even in a dry run.
    let (code, _, err) = kubectl(&["create", "namespace", "flux-system"], None).await;
    assert!(code == 0 || err.contains("AlreadyExists"), "{err}");

    let dir = repo_root().join("deploy/default");
    let (code, rendered, err) = kubectl(&["kustomize", dir.to_str().unwrap()], None).await;
    assert_eq!(code, 0, "kubectl kustomize deploy/default: {err}");
    let out = dry_run(&rendered).await;
    for object in [
        "deployment.apps/source-controller",
        "deployment.apps/image-automation-controller",
        "service/webhook-receiver",
        "clusterrole.rbac.authorization.k8s.io/crd-controller-flux-system",
        "clusterrolebinding.rbac.authorization.k8s.io/cluster-reconciler-flux-system",
        "networkpolicy.networking.k8s.io/allow-scraping",
        "customresourcedefinition.apiextensions.k8s.io/gitrepositories.source.toolkit.fluxcd.io",
    ] {
        assert!(
            out.contains(object),
            "{object} missing from the dry run:\n{out}"
        );
    }

    // Our own engine renders the same overlay.
    let ours = flux(&["kustomize", "build", dir.to_str().unwrap()])
        .await
        .ok()
        .to_string();
    let theirs = flux_cli::yaml::parse(&rendered, "kubectl").unwrap();
    let ours = flux_cli::yaml::parse(&ours, "flux-rs").unwrap();
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(&theirs) {
        let mut diffs = Vec::new();
        differences("", o, t, &mut diffs);
        assert!(
            diffs.is_empty(),
            "flux-rs kustomize build differs from kubectl kustomize on {}/{}: {diffs:?}",
            t["kind"],
            t["metadata"]["name"]
        );
    }
}

#[tokio::test]
async fn install_export_passes_server_dry_run_and_install_becomes_healthy() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-install").await;

    let exported = flux(&[
        "install",
        "--export",
        "-n",
        &ns,
        "--components-extra=image-reflector-controller,image-automation-controller",
    ])
    .await
    .ok()
    .to_string();
    assert!(
        exported.starts_with("---\n# flux-rs version: v"),
        "{}",
        &exported[..80]
    );
    let out = dry_run(&exported).await;
    assert!(
        out.contains(&format!(
            "clusterrole.rbac.authorization.k8s.io/crd-controller-{ns}"
        )),
        "{out}"
    );
    assert!(
        out.contains("deployment.apps/image-reflector-controller"),
        "{out}"
    );
    let docs = flux_cli::yaml::parse(&exported, "install --export").unwrap();
    let deployment = docs
        .iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "source-controller")
        .unwrap();
    assert_eq!(deployment["metadata"]["namespace"], ns.as_str());
    let args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap();
    assert!(args.iter().any(|a| a == "--storage-path=/data"), "{args:?}");
    assert!(args.iter().any(|a| a == "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./"), "{args:?}");

    // A real install: kwok runs the pods, so the Deployments become Available.
    let run = flux(&[
        "install",
        "-n",
        &ns,
        "--components=source-controller,kustomize-controller",
        "--timeout=3m",
    ])
    .await;
    run.ok();
    assert!(
        run.stderr.contains("✔ source-controller: deployment ready"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("✔ install finished"), "{}", run.stderr);

    let run = flux(&[
        "check",
        "-n",
        &ns,
        "--components=source-controller,kustomize-controller",
    ])
    .await;
    run.ok();
    assert!(
        run.stderr
            .contains("✔ kustomize-controller: deployment ready"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("✔ gitrepositories.source.toolkit.fluxcd.io/v1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("✔ all checks passed"), "{}", run.stderr);

    // helm-controller was not installed: check fails and says which component.
    let run = flux(&[
        "check",
        "-n",
        &ns,
        "--components=source-controller,helm-controller",
    ])
    .await;
    let err = run.fails(1);
    assert!(
        err.contains("✗ helm-controller: deployment not found"),
        "{err}"
    );

    let run = flux(&["check", "--pre"]).await;
    run.ok();
    assert!(
        run.stderr.contains("✔ prerequisites checks passed"),
        "{}",
        run.stderr
    );

    let version = flux(&["version", "-n", &ns]).await.ok().to_string();
    assert!(version.starts_with("flux-rs: v"), "{version}");
    assert!(version.contains("source-controller: v"), "{version}");

    // uninstall --dry-run lists what it would delete and deletes nothing.
    let run = flux(&["uninstall", "--dry-run", "-n", &ns]).await;
    run.ok();
    assert!(
        run.stderr.contains(&format!(
            "Deployment/{ns}/source-controller deleted (dry run)"
        )),
        "{}",
        run.stderr
    );
    let (code, _, _) = kubectl(&["get", "deployment", "source-controller", "-n", &ns], None).await;
    assert_eq!(code, 0, "dry-run uninstall deleted the Deployment");
}
