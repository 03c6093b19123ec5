//! e2e: `build kustomization` renders with the engine the controller uses (output equal to
//! flux-kustomize's plus Flux's transforms), and `diff kustomization` exits 0 (no changes),
//! 1 (changes) or 2 (error) against a real cluster.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{flux, kubectl};
use flux_testkit::{ControlPlane, test_namespace};
use serde_json::json;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const KUSTOMIZATION: &str = "apiVersion: kustomize.config.k8s.io/v1beta1
configMapGenerator:
- literals:
  - color=blue
  name: settings
kind: Kustomization
resources:
- config.yaml
- deployment.yaml
";
const CONFIG: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-config
data:
  env: ${cluster_env:=dev}
  region: eu-west-1
";
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

#[tokio::test]
async fn build_kustomization_equals_the_engine_output_plus_flux_labels() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    write(
        &app,
        &[
            ("kustomization.yaml", KUSTOMIZATION),
            ("config.yaml", CONFIG),
            ("deployment.yaml", DEPLOYMENT),
        ],
    );
    let ks_file = dir.path().join("ks.yaml");
    std::fs::write(&ks_file, "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./app\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: podinfo\n").unwrap();

    let out = flux(&[
        "build",
        "kustomization",
        "podinfo",
        "--path",
        app.to_str().unwrap(),
        "--kustomization-file",
        ks_file.to_str().unwrap(),
    ])
    .await
    .ok()
    .to_string();
    // kustomize-controller's build options: no load restrictions, input order.
    let opts = flux_kustomize::BuildOptions {
        load_restrictor: flux_kustomize::LoadRestrictor::None,
        reorder: flux_kustomize::Reorder::None,
    };
    let mut expected = flux_kustomize::build(&app, &opts).unwrap();
    for obj in &mut expected {
        obj["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] = json!("podinfo");
        obj["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"] = json!("flux-system");
    }
    assert_eq!(out, flux_kustomize::to_yaml_stream(&expected));

    // The Kustomization-level transforms: targetNamespace, namePrefix, commonMetadata, postBuild.
    write(
        &app,
        &[(
            "deployment.yaml",
            &DEPLOYMENT.replace("replicas: 1", "replicas: ${replicas:=2}"),
        )],
    );
    std::fs::write(&ks_file, "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: podinfo\nspec:\n  interval: 10m\n  path: ./app\n  prune: true\n  targetNamespace: apps\n  namePrefix: staging-\n  commonMetadata:\n    labels:\n      team: web\n  postBuild:\n    substitute:\n      cluster_env: prod\n  sourceRef:\n    kind: GitRepository\n    name: podinfo\n").unwrap();
    let out = flux(&[
        "build",
        "ks",
        "podinfo",
        "-n",
        "tenants",
        "--path",
        app.to_str().unwrap(),
        "--kustomization-file",
        ks_file.to_str().unwrap(),
    ])
    .await
    .ok()
    .to_string();
    let docs = flux_cli::yaml::parse(&out, "build").unwrap();
    let cm = docs
        .iter()
        .find(|d| d["metadata"]["name"] == "staging-podinfo-config")
        .expect(&out);
    assert_eq!(cm["metadata"]["namespace"], "apps");
    assert_eq!(cm["data"]["env"], "prod");
    assert_eq!(cm["metadata"]["labels"]["team"], "web");
    assert_eq!(
        cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"],
        "tenants"
    );
    assert!(
        docs.iter().any(|d| d["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("staging-settings-")),
        "{out}"
    );

    // A plain directory (no kustomization.yaml) gets one generated, as the controller does.
    let plain = dir.path().join("plain");
    write(
        &plain,
        &[("a/config.yaml", CONFIG), ("notes.yaml", "just: data\n")],
    );
    let out = flux(&[
        "build",
        "ks",
        "podinfo",
        "--path",
        plain.to_str().unwrap(),
        "--kustomization-file",
        ks_file.to_str().unwrap(),
    ])
    .await
    .ok()
    .to_string();
    assert_eq!(
        flux_cli::yaml::parse(&out, "build").unwrap().len(),
        1,
        "{out}"
    );
    assert!(
        !plain.join("kustomization.yaml").exists(),
        "the user's directory was modified"
    );
}

#[tokio::test]
async fn diff_kustomization_exit_codes() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-diff").await;
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    write(
        &app,
        &[
            ("kustomization.yaml", KUSTOMIZATION),
            ("config.yaml", CONFIG),
            ("deployment.yaml", DEPLOYMENT),
        ],
    );
    let path = app.to_str().unwrap();
    flux(&[
        "create",
        "ks",
        "podinfo",
        "--source=podinfo",
        "--path=./app",
        "--prune",
        &format!("--target-namespace={ns}"),
        "-n",
        &ns,
        "--no-wait",
    ])
    .await
    .ok();

    // Nothing applied yet: every object would be created.
    let run = flux(&[
        "diff",
        "kustomization",
        "podinfo",
        "--path",
        path,
        "-n",
        &ns,
    ])
    .await;
    run.fails(1);
    assert!(
        run.stdout
            .contains(&format!("► ConfigMap/{ns}/podinfo-config created")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("► Deployment/{ns}/podinfo created")),
        "{}",
        run.stdout
    );

    // Apply the build as kustomize-controller would; then there is no difference.
    let built = flux(&["build", "ks", "podinfo", "--path", path, "-n", &ns])
        .await
        .ok()
        .to_string();
    let (code, _, err) = kubectl(
        &[
            "apply",
            "--server-side",
            "--field-manager=kustomize-controller",
            "-f",
            "-",
        ],
        Some(&built),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let run = flux(&["diff", "ks", "podinfo", "--path", path, "-n", &ns]).await;
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stdout, "");

    // A local change shows as drift with the changed field.
    write(
        &app,
        &[("config.yaml", &CONFIG.replace("eu-west-1", "us-east-1"))],
    );
    let run = flux(&["diff", "ks", "podinfo", "--path", path, "-n", &ns]).await;
    run.fails(1);
    assert!(
        run.stdout
            .contains(&format!("► ConfigMap/{ns}/podinfo-config drifted")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  - .data.region: \"eu-west-1\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  + .data.region: \"us-east-1\""),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Deployment"), "{}", run.stdout);

    // Errors exit with 2.
    let run = flux(&[
        "diff",
        "ks",
        "podinfo",
        "--path",
        "/nonexistent/dir",
        "-n",
        &ns,
    ])
    .await;
    assert!(run.fails(2).contains("not a directory"), "{}", run.stderr);
    let run = flux(&["diff", "ks", "missing", "--path", path, "-n", &ns]).await;
    assert!(run.fails(2).contains("not found"), "{}", run.stderr);
    write(&app, &[("kustomization.yaml", "resources:\n- nope.yaml\n")]);
    let run = flux(&["diff", "ks", "podinfo", "--path", path, "-n", &ns]).await;
    assert!(run.fails(2).contains("nope.yaml"), "{}", run.stderr);
}
