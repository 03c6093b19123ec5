//! e2e: `create` for every kind, then `get` and `export`; exporting and applying gives back
//! identical objects; the getting-started example matches Flux's output byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{flux, get_json, kubectl};
use flux_cli::kinds::{self, FluxKind};
use flux_testkit::{ControlPlane, test_namespace};
use serde_json::Value;

const GETTING_STARTED_SOURCE: &str = "---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 30s
  ref:
    branch: master
  url: https://github.com/stefanprodan/podinfo
";

const GETTING_STARTED_KUSTOMIZATION: &str = "---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 30m0s
  path: ./kustomize
  prune: true
  retryInterval: 2m0s
  sourceRef:
    kind: GitRepository
    name: podinfo
  targetNamespace: default
  timeout: 3m0s
  wait: true
";

fn source_args() -> Vec<&'static str> {
    vec![
        "create",
        "source",
        "git",
        "podinfo",
        "--url=https://github.com/stefanprodan/podinfo",
        "--branch=master",
        "--interval=30s",
    ]
}

fn kustomization_args() -> Vec<&'static str> {
    vec![
        "create",
        "kustomization",
        "podinfo",
        "--target-namespace=default",
        "--source=podinfo",
        "--path=./kustomize",
        "--prune=true",
        "--wait=true",
        "--interval=30m",
        "--retry-interval=2m",
        "--health-check-timeout=3m",
    ]
}

#[tokio::test]
async fn getting_started_exports_match_flux() {
    let mut a = source_args();
    a.push("--export");
    assert_eq!(flux(&a).await.ok(), GETTING_STARTED_SOURCE);
    let mut a = kustomization_args();
    a.push("--export");
    assert_eq!(flux(&a).await.ok(), GETTING_STARTED_KUSTOMIZATION);
}

#[tokio::test]
async fn getting_started_applies_source_and_kustomization() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-getting-started").await;
    for args in [source_args(), kustomization_args()] {
        let mut a = args.clone();
        a.extend(["-n", &ns, "--no-wait"]);
        let run = flux(&a).await;
        run.ok();
        assert!(run.stderr.contains("created"), "{}", run.stderr);
    }
    let git = get_json(&client, &ns, &kinds::GIT_REPOSITORY, "podinfo").await;
    assert_eq!(
        git["spec"]["url"],
        "https://github.com/stefanprodan/podinfo"
    );
    assert_eq!(git["spec"]["ref"]["branch"], "master");
    assert_eq!(git["spec"]["interval"], "30s");
    let ks = get_json(&client, &ns, &kinds::KUSTOMIZATION, "podinfo").await;
    assert_eq!(ks["spec"]["sourceRef"]["name"], "podinfo");
    assert_eq!(ks["spec"]["sourceRef"]["kind"], "GitRepository");
    assert_eq!(ks["spec"]["path"], "./kustomize");
    assert_eq!(ks["spec"]["prune"], true);
    assert_eq!(ks["spec"]["targetNamespace"], "default");
}

/// Every field of `sub` is in `sup` with the same value.
fn is_subset(sub: &Value, sup: &Value) -> bool {
    match (sub, sup) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| is_subset(v, w))),
        (a, b) => a == b,
    }
}

struct Case {
    kind: FluxKind,
    create: Vec<&'static str>,
    noun: Vec<&'static str>,
    name: &'static str,
}

fn cases(values_file: &'static str) -> Vec<Case> {
    vec![
        Case {
            kind: kinds::GIT_REPOSITORY,
            create: source_args(),
            noun: vec!["source", "git"],
            name: "podinfo",
        },
        Case {
            kind: kinds::HELM_REPOSITORY,
            create: vec![
                "create",
                "source",
                "helm",
                "bitnami",
                "--url=https://charts.bitnami.com/bitnami",
                "--interval=10m",
            ],
            noun: vec!["source", "helm"],
            name: "bitnami",
        },
        Case {
            kind: kinds::OCI_REPOSITORY,
            create: vec![
                "create",
                "source",
                "oci",
                "podinfo-oci",
                "--url=oci://ghcr.io/stefanprodan/manifests/podinfo",
                "--tag=latest",
            ],
            noun: vec!["source", "oci"],
            name: "podinfo-oci",
        },
        Case {
            kind: kinds::BUCKET,
            create: vec![
                "create",
                "source",
                "bucket",
                "minio",
                "--bucket-name=podinfo",
                "--endpoint=minio.minio.svc.cluster.local:9000",
                "--insecure",
                "--access-key=minio",
                "--secret-key=minio123",
            ],
            noun: vec!["source", "bucket"],
            name: "minio",
        },
        Case {
            kind: kinds::KUSTOMIZATION,
            create: kustomization_args(),
            noun: vec!["kustomization"],
            name: "podinfo",
        },
        Case {
            kind: kinds::HELM_RELEASE,
            create: vec![
                "create",
                "helmrelease",
                "podinfo",
                "--source=HelmRepository/bitnami",
                "--chart=podinfo",
                "--chart-version=>4.0.0",
                "--target-namespace=default",
                "--values",
                values_file,
            ],
            noun: vec!["helmrelease"],
            name: "podinfo",
        },
        Case {
            kind: kinds::PROVIDER,
            create: vec![
                "create",
                "alert-provider",
                "slack",
                "--type=slack",
                "--channel=general",
                "--address=https://hooks.slack.com/services/x",
            ],
            noun: vec!["alert-provider"],
            name: "slack",
        },
        Case {
            kind: kinds::ALERT,
            create: vec![
                "create",
                "alert",
                "podinfo",
                "--provider-ref=slack",
                "--event-source=Kustomization/podinfo",
                "--event-source=GitRepository/*",
                "--event-severity=info",
            ],
            noun: vec!["alert"],
            name: "podinfo",
        },
        Case {
            kind: kinds::RECEIVER,
            create: vec![
                "create",
                "receiver",
                "github",
                "--type=github",
                "--event=ping",
                "--event=push",
                "--secret-ref=webhook-token",
                "--resource=GitRepository/podinfo",
            ],
            noun: vec!["receiver"],
            name: "github",
        },
        Case {
            kind: kinds::IMAGE_REPOSITORY,
            create: vec![
                "create",
                "image",
                "repository",
                "podinfo",
                "--image=ghcr.io/stefanprodan/podinfo",
                "--interval=5m",
            ],
            noun: vec!["image", "repository"],
            name: "podinfo",
        },
        Case {
            kind: kinds::IMAGE_POLICY,
            create: vec![
                "create",
                "image",
                "policy",
                "podinfo",
                "--image-ref=podinfo",
                "--select-semver=5.0.x",
            ],
            noun: vec!["image", "policy"],
            name: "podinfo",
        },
        Case {
            kind: kinds::IMAGE_UPDATE,
            create: vec![
                "create",
                "image",
                "update",
                "podinfo",
                "--git-repo-ref=podinfo",
                "--git-repo-path=./clusters/my-cluster",
                "--checkout-branch=main",
                "--push-branch=main",
                "--author-name=fluxcdbot",
                "--author-email=fluxcdbot@users.noreply.github.com",
                "--commit-template={{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}",
            ],
            noun: vec!["image", "update"],
            name: "podinfo",
        },
    ]
}

#[tokio::test]
async fn create_get_export_round_trip_for_every_kind() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-roundtrip").await;
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(
        &values,
        "replicaCount: 2\nresources:\n  limits:\n    memory: 256Mi\n",
    )
    .unwrap();
    let values: &'static str = Box::leak(values.to_string_lossy().into_owned().into_boxed_str());

    for case in cases(values) {
        let what = format!("{} {}", case.kind.kind, case.name);
        // --export prints what create would apply.
        let mut a = case.create.clone();
        a.extend(["-n", &ns, "--export"]);
        let generated = flux(&a).await.ok().to_string();
        let generated_docs = flux_cli::yaml::parse(&generated, &what).unwrap();
        let generated_obj = generated_docs.last().unwrap().clone();
        assert_eq!(generated_obj["kind"], case.kind.kind, "{what}");

        let mut a = case.create.clone();
        a.extend(["-n", &ns, "--no-wait"]);
        flux(&a).await.ok();

        // get: a table row for the object.
        let mut a = vec!["get"];
        a.extend(case.noun.iter());
        a.extend([case.name, "-n", &ns]);
        let table = flux(&a).await.ok().to_string();
        let mut lines = table.lines();
        assert!(lines.next().unwrap().starts_with("NAME"), "{what}: {table}");
        let row = lines.next().unwrap_or_default();
        assert!(row.starts_with(case.name), "{what}: {table}");

        // export: the applied object, defaults included, is a superset of what was generated.
        let mut a = vec!["export"];
        a.extend(case.noun.iter());
        a.extend([case.name, "-n", &ns]);
        let exported = flux(&a).await.ok().to_string();
        let exported_obj = flux_cli::yaml::parse(&exported, &what).unwrap().remove(0);
        assert!(exported_obj.get("status").is_none(), "{what}: {exported}");
        assert!(
            exported_obj["metadata"].get("uid").is_none(),
            "{what}: {exported}"
        );
        assert!(
            is_subset(&generated_obj, &exported_obj),
            "{what}: generated\n{generated}\nis not contained in exported\n{exported}"
        );

        // Applying the export back is a no-op.
        let before = get_json(&client, &ns, &case.kind, case.name).await;
        let (code, _, err) = kubectl(
            &[
                "apply",
                "--server-side",
                "--field-manager=flux-client-side-apply",
                "-f",
                "-",
            ],
            Some(&exported),
        )
        .await;
        assert_eq!(code, 0, "{what}: {err}");
        let after = get_json(&client, &ns, &case.kind, case.name).await;
        // Only managedFields may change (kubectl now owns the defaulted fields too).
        assert_eq!(
            before["metadata"]["generation"], after["metadata"]["generation"],
            "{what}: re-applying the export changed the spec"
        );
        assert_eq!(before["spec"], after["spec"], "{what}");
        assert_eq!(
            before["metadata"]["labels"], after["metadata"]["labels"],
            "{what}"
        );
        assert_eq!(
            before["metadata"]["annotations"], after["metadata"]["annotations"],
            "{what}"
        );

        // Deleting and applying the export recreates an identical object.
        let mut a = vec!["delete"];
        a.extend(case.noun.iter());
        a.extend([case.name, "-n", &ns, "--silent"]);
        let run = flux(&a).await;
        run.ok();
        assert!(run.stderr.contains("deleted"), "{what}: {}", run.stderr);
        let (code, _, err) = kubectl(&["apply", "--server-side", "-f", "-"], Some(&exported)).await;
        assert_eq!(code, 0, "{what}: {err}");
        let mut a = vec!["export"];
        a.extend(case.noun.iter());
        a.extend([case.name, "-n", &ns]);
        assert_eq!(
            flux(&a).await.ok(),
            exported,
            "{what}: export after re-apply differs"
        );
    }

    // export --all of a kind lists every object.
    let all = flux(&["export", "source", "all", "--all", "-n", &ns])
        .await
        .ok()
        .to_string();
    for kind in ["GitRepository", "HelmRepository", "OCIRepository", "Bucket"] {
        assert!(
            all.contains(&format!("kind: {kind}\n")),
            "{kind} missing from:\n{all}"
        );
    }
    // get all prints every kind with its prefix.
    let all = flux(&["get", "all", "-n", &ns]).await.ok().to_string();
    for prefix in [
        "gitrepository/podinfo",
        "kustomization/podinfo",
        "helmrelease/podinfo",
        "imagepolicy/podinfo",
        "provider/slack",
    ] {
        assert!(all.contains(prefix), "{prefix} missing from:\n{all}");
    }
    // The bucket's credentials went into a Secret named like the source.
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(client.clone(), &ns);
    let secret = secrets.get("minio").await.unwrap();
    let data = secret.data.unwrap();
    assert_eq!(data["accesskey"].0, b"minio");
    assert_eq!(data["secretkey"].0, b"minio123");
}
