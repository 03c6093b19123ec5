//! Scenario: Flux's CRDs from deploy/crds are served like Flux's own — every CRD is
//! Established, every valid sample round-trips field for field through server-side apply,
//! every invalid sample is rejected with the documented error, and `kubectl get` prints
//! Flux's columns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use flux_testkit::{
    ControlPlane, crd_established, read_documents, repo_root, test_namespace, yaml_files,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiResource, pinned_kind};
use serde_json::Value;

const FIELD_MANAGER: &str = "flux-e2e-crds";

fn crds_dir() -> PathBuf {
    repo_root().join("deploy/crds")
}

fn samples_dir(kind: &str) -> PathBuf {
    repo_root().join("e2e/testdata/crds").join(kind)
}

/// Every CRD document in deploy/crds, with the file it came from.
fn crd_documents() -> Vec<(PathBuf, Value)> {
    let dir = crds_dir();
    let mut crds = Vec::new();
    for file in yaml_files(&dir).unwrap() {
        for doc in read_documents(&file).unwrap() {
            if doc["kind"] == "CustomResourceDefinition" {
                crds.push((file.clone(), doc));
            }
        }
    }
    assert!(!crds.is_empty(), "no CRDs in {}", dir.display());
    crds
}

/// The sample files of `kind` ("valid" or "invalid"), each with its single object.
fn samples(kind: &str) -> Vec<(PathBuf, Value)> {
    let dir = samples_dir(kind);
    let files = yaml_files(&dir).unwrap();
    assert!(!files.is_empty(), "no samples in {}", dir.display());
    files
        .into_iter()
        .map(|f| {
            let mut docs = read_documents(&f).unwrap();
            assert_eq!(docs.len(), 1, "{}: expected one object", f.display());
            (f, docs.remove(0))
        })
        .collect()
}

async fn api_for(
    client: &kube::Client,
    obj: &Value,
    ns: &str,
) -> (Api<DynamicObject>, ApiResource) {
    let api_version = obj["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, obj["kind"].as_str().unwrap());
    let (ar, _) = pinned_kind(client, &gvk).await.unwrap();
    (Api::namespaced_with(client.clone(), ns, &ar), ar)
}

/// Applies `obj` in `ns` with server-side apply.
async fn apply(
    client: &kube::Client,
    mut obj: Value,
    ns: &str,
) -> Result<DynamicObject, kube::Error> {
    obj["metadata"]["namespace"] = Value::from(ns);
    let name = obj["metadata"]["name"].as_str().unwrap().to_owned();
    let (api, _) = api_for(client, &obj, ns).await;
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&obj),
    )
    .await
}

/// Records every place where `read` does not contain `sent`: objects may gain keys (server-side
/// defaults), everything that was sent must come back unchanged.
fn missing_from(sent: &Value, read: &Value, path: &str, out: &mut Vec<String>) {
    match (sent, read) {
        (Value::Object(s), Value::Object(r)) => {
            for (k, v) in s {
                let p = format!("{path}.{k}");
                match r.get(k) {
                    Some(rv) => missing_from(v, rv, &p, out),
                    None => out.push(format!("{p}: sent {v}, missing in the object read back")),
                }
            }
        }
        (Value::Array(s), Value::Array(r)) if s.len() == r.len() => {
            for (i, (sv, rv)) in s.iter().zip(r).enumerate() {
                missing_from(sv, rv, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(s), Value::Number(r)) if s.as_f64() == r.as_f64() => {}
        (s, r) if s == r => {}
        (s, r) => out.push(format!("{path}: sent {s}, read back {r}")),
    }
}

#[tokio::test]
async fn every_crd_is_established() {
    let client = ControlPlane::shared().client().await;
    let api: Api<CustomResourceDefinition> = Api::all(client);
    for (file, doc) in crd_documents() {
        let name = doc["metadata"]["name"].as_str().unwrap();
        let crd = api
            .get(name)
            .await
            .unwrap_or_else(|e| panic!("{}: CRD {name} not installed: {e}", file.display()));
        assert!(
            crd_established(&crd),
            "{}: CRD {name} is not Established",
            file.display()
        );
    }
}

#[tokio::test]
async fn valid_samples_round_trip_field_for_field() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "crds-valid").await;
    let mut failures = Vec::new();
    let mut kinds_seen = std::collections::BTreeSet::new();
    for (file, obj) in samples("valid") {
        let shown = file
            .strip_prefix(repo_root())
            .unwrap_or(&file)
            .display()
            .to_string();
        kinds_seen.insert(obj["kind"].as_str().unwrap().to_owned());
        let applied = match apply(&client, obj.clone(), &ns).await {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{shown}: rejected: {e}"));
                continue;
            }
        };
        let name = applied.metadata.name.clone().unwrap();
        let (api, _) = api_for(&client, &obj, &ns).await;
        let read = serde_json::to_value(api.get(&name).await.unwrap()).unwrap();
        let sent_spec = obj.get("spec").cloned().unwrap_or(Value::Null);
        assert!(!sent_spec.is_null(), "{shown}: sample has no spec");
        let mut diffs = Vec::new();
        missing_from(&sent_spec, &read["spec"], "spec", &mut diffs);
        failures.extend(diffs.into_iter().map(|d| format!("{shown}: {d}")));
    }
    assert!(
        failures.is_empty(),
        "valid samples:\n{}",
        failures.join("\n")
    );

    let served: std::collections::BTreeSet<String> = crd_documents()
        .iter()
        .map(|(_, d)| d["spec"]["names"]["kind"].as_str().unwrap().to_owned())
        .collect();
    let without_sample: Vec<&String> = served.difference(&kinds_seen).collect();
    assert!(
        without_sample.is_empty(),
        "kinds without a valid sample: {without_sample:?}"
    );
}

#[tokio::test]
async fn invalid_samples_are_rejected_with_the_expected_error() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "crds-invalid").await;
    let mut failures = Vec::new();
    for (file, obj) in samples("invalid") {
        let shown = file
            .strip_prefix(repo_root())
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{shown}: first line must be '# expect: <substring>'"))
            .trim();
        match apply(&client, obj, &ns).await {
            Ok(_) => failures.push(format!(
                "{shown}: accepted, expected an error containing {expect:?}"
            )),
            Err(e) => {
                let message = match &e {
                    kube::Error::Api(status) => status.message.clone(),
                    other => other.to_string(),
                };
                if !message.contains(expect) {
                    failures.push(format!("{shown}: expected {expect:?} in: {message}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "invalid samples:\n{}",
        failures.join("\n")
    );
}

/// Flux's `kubectl get` columns (with `-A`, NAMESPACE comes first).
const FLUX_COLUMNS: [(&str, &[&str]); 3] = [
    (
        "GitRepository",
        &["NAMESPACE", "NAME", "URL", "AGE", "READY", "STATUS"],
    ),
    (
        "Kustomization",
        &["NAMESPACE", "NAME", "AGE", "READY", "STATUS"],
    ),
    (
        "HelmRelease",
        &["NAMESPACE", "NAME", "AGE", "READY", "STATUS"],
    ),
];

#[tokio::test]
async fn kubectl_shows_flux_columns() {
    let cp = ControlPlane::shared();
    let client = cp.client().await;
    let ns = test_namespace(&client, "crds-kubectl").await;
    let valid = samples("valid");
    let mut names = Vec::new();
    for (kind, _) in FLUX_COLUMNS {
        let (file, obj) = valid
            .iter()
            .find(|(_, o)| o["kind"] == kind)
            .unwrap_or_else(|| panic!("no valid sample of kind {kind}"));
        apply(&client, obj.clone(), &ns)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        names.push(obj["metadata"]["name"].as_str().unwrap().to_owned());
    }

    // The columns must also be what deploy/crds declares, so the CRDs are the source of truth.
    for (kind, expected) in FLUX_COLUMNS {
        let (file, crd) = crd_documents()
            .into_iter()
            .find(|(_, d)| d["spec"]["names"]["kind"] == kind)
            .unwrap_or_else(|| panic!("no CRD of kind {kind} in {}", crds_dir().display()));
        let version = crd["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["storage"] == true)
            .unwrap();
        let mut declared = vec!["NAMESPACE".to_owned(), "NAME".to_owned()];
        for col in version["additionalPrinterColumns"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            if col.get("priority").and_then(Value::as_i64).unwrap_or(0) == 0 {
                declared.push(col["name"].as_str().unwrap().to_uppercase());
            }
        }
        assert_eq!(declared, expected, "{}: printer columns", file.display());
    }

    let out = std::process::Command::new("/usr/bin/kubectl")
        .arg("--kubeconfig")
        .arg(cp.kubeconfig_path())
        .args(["get", "gitrepositories,kustomizations,helmreleases", "-A"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tables: Vec<Vec<&str>> = stdout
        .split("\n\n")
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(tables.len(), 3, "expected one table per kind:\n{stdout}");
    for ((kind, expected), (table, name)) in FLUX_COLUMNS.iter().zip(tables.iter().zip(&names)) {
        let header: Vec<&str> = table[0].split_whitespace().collect();
        assert_eq!(&header, expected, "{kind} columns:\n{stdout}");
        let plural = format!("{}.", kind.to_lowercase());
        assert!(
            table[1..].iter().any(|row| {
                let cells: Vec<&str> = row.split_whitespace().collect();
                cells.first() == Some(&ns.as_str())
                    && cells
                        .get(1)
                        .is_some_and(|n| n.starts_with(&plural) && n.ends_with(&format!("/{name}")))
            }),
            "{kind} {ns}/{name} not listed:\n{stdout}"
        );
    }
}

#[test]
fn subset_comparison_reports_changes_and_allows_defaults() {
    let sent = serde_json::json!({"a": 1, "b": {"c": "x"}, "l": [{"k": 1}]});
    let read =
        serde_json::json!({"a": 1.0, "b": {"c": "x", "d": true}, "l": [{"k": 1, "z": 0}], "e": 2});
    let mut out = Vec::new();
    missing_from(&sent, &read, "spec", &mut out);
    assert!(out.is_empty(), "{out:?}");
    let changed = serde_json::json!({"a": 2, "b": {}, "l": []});
    missing_from(&sent, &changed, "spec", &mut out);
    assert_eq!(out.len(), 3, "{out:?}");
}
