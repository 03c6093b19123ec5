//! The e2e CRD samples (`e2e/testdata/crds`) must match the Rust types: every valid sample
//! deserializes into its kind and re-serializes to exactly the input (so a misspelled or
//! unknown field fails), the valid samples of a kind together set every spec field of its CRD
//! schema, and every invalid sample names the apiserver error it expects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use flux_api::crd::all_crds;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn samples_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../e2e/testdata/crds")
        .join(kind)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Deserializes into `T` and serializes back; the result must equal the input.
fn round_trip<T: DeserializeOwned + Serialize>(
    path: &Path,
    input: &Value,
    normalize: fn(&mut Value),
) -> Result<(), String> {
    let typed: T = serde_json::from_value(input.clone())
        .map_err(|e| format!("{}: does not deserialize: {e}", path.display()))?;
    let mut output = serde_json::to_value(&typed).unwrap();
    let mut input = input.clone();
    normalize(&mut input);
    normalize(&mut output);
    if output == input {
        Ok(())
    } else {
        Err(format!(
            "{}: fields were dropped or changed by the Rust types\n  input:  {input}\n  output: {output}",
            path.display()
        ))
    }
}

fn round_trip_kind(path: &Path, input: &Value, normalize: fn(&mut Value)) -> Result<(), String> {
    use flux_api::{helm, image, kustomize, notification, source};
    let kind = input["kind"].as_str().unwrap_or_default();
    match kind {
        "GitRepository" => round_trip::<source::GitRepository>(path, input, normalize),
        "OCIRepository" => round_trip::<source::OCIRepository>(path, input, normalize),
        "HelmRepository" => round_trip::<source::HelmRepository>(path, input, normalize),
        "HelmChart" => round_trip::<source::HelmChart>(path, input, normalize),
        "Bucket" => round_trip::<source::Bucket>(path, input, normalize),
        "ExternalArtifact" => round_trip::<source::ExternalArtifact>(path, input, normalize),
        "Kustomization" => round_trip::<kustomize::Kustomization>(path, input, normalize),
        "HelmRelease" => round_trip::<helm::HelmRelease>(path, input, normalize),
        "Provider" => round_trip::<notification::Provider>(path, input, normalize),
        "Alert" => round_trip::<notification::Alert>(path, input, normalize),
        "Receiver" => round_trip::<notification::Receiver>(path, input, normalize),
        "ImageRepository" => round_trip::<image::ImageRepository>(path, input, normalize),
        "ImagePolicy" => round_trip::<image::ImagePolicy>(path, input, normalize),
        "ImageUpdateAutomation" => {
            round_trip::<image::ImageUpdateAutomation>(path, input, normalize)
        }
        other => Err(format!("{}: unknown kind '{other}'", path.display())),
    }
}

#[test]
fn valid_samples_round_trip_through_the_types() {
    let files = yaml_files(&samples_dir("valid"));
    assert!(files.len() >= 14, "expected a valid sample per kind");
    let errors: Vec<String> = files
        .iter()
        .filter_map(|p| round_trip_kind(p, &load(p), |_| {}).err())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn valid_samples_are_namespaceless_and_cover_every_kind() {
    let mut kinds = BTreeSet::new();
    for path in yaml_files(&samples_dir("valid")) {
        let v = load(&path);
        assert!(
            v["metadata"].get("namespace").is_none(),
            "{}: samples must not set metadata.namespace",
            path.display()
        );
        kinds.insert(v["kind"].as_str().unwrap().to_string());
    }
    let served: BTreeSet<String> = all_crds().into_iter().map(|c| c.spec.names.kind).collect();
    assert_eq!(kinds, served);
}

/// Dotted paths of every property in a schema (`[]` for array items); free-form objects and
/// maps are leaves.
fn schema_paths(schema: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            let path = format!("{prefix}.{name}");
            out.insert(path.clone());
            schema_paths(sub, &path, out);
        }
    }
    if let Some(items) = schema.get("items") {
        schema_paths(items, &format!("{prefix}[]"), out);
    }
}

fn value_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (name, sub) in map {
                let path = format!("{prefix}.{name}");
                out.insert(path.clone());
                value_paths(sub, &path, out);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|i| value_paths(i, &format!("{prefix}[]"), out)),
        _ => {}
    }
}

#[test]
fn valid_samples_set_every_spec_field() {
    let mut covered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in yaml_files(&samples_dir("valid")) {
        let v = load(&path);
        let kind = v["kind"].as_str().unwrap().to_string();
        value_paths(&v["spec"], "spec", covered.entry(kind).or_default());
    }
    let mut missing = Vec::new();
    for crd in all_crds() {
        let schema = serde_json::to_value(&crd.spec.versions[0].schema).unwrap();
        let mut wanted = BTreeSet::new();
        schema_paths(
            &schema["openAPIV3Schema"]["properties"]["spec"],
            "spec",
            &mut wanted,
        );
        let have = covered
            .get(&crd.spec.names.kind)
            .cloned()
            .unwrap_or_default();
        for path in wanted.difference(&have) {
            missing.push(format!("{}: {path}", crd.spec.names.kind));
        }
    }
    assert!(
        missing.is_empty(),
        "spec fields not set by any valid sample in e2e/testdata/crds/valid:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn invalid_samples_name_the_expected_error() {
    let files = yaml_files(&samples_dir("invalid"));
    assert!(files.len() >= 7);
    let kinds: BTreeSet<String> = all_crds().into_iter().map(|c| c.spec.names.kind).collect();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let expect = first.strip_prefix("# expect: ").unwrap_or_default();
        assert!(
            !expect.trim().is_empty(),
            "{}: first line must be '# expect: <error substring>'",
            path.display()
        );
        let v = load(&path);
        let kind = v["kind"].as_str().unwrap_or_default();
        assert!(
            kinds.contains(kind),
            "{}: unknown kind '{kind}'",
            path.display()
        );
        assert!(
            v["metadata"].get("namespace").is_none(),
            "{}",
            path.display()
        );
    }
}

fn drop_false(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| v != &Value::Bool(false));
            map.values_mut().for_each(drop_false);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_false),
        _ => {}
    }
}

/// Objects as returned by kube-apiserver v1.35 after applying the valid samples with the
/// generated CRDs (server-side defaults such as `timeout: 60s` and
/// `status: {observedGeneration: -1}` applied; managedFields dropped) must round-trip too.
#[test]
fn apiserver_defaulted_objects_round_trip() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testdata/apiserver-defaulted-objects.json");
    let list: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(items.len() >= 14);
    // The apiserver stores schema defaults such as `force: false`; Flux's Go types (like ours)
    // omit false booleans when serializing, so drop them before comparing.
    let errors: Vec<String> = items
        .iter()
        .filter_map(|obj| round_trip_kind(&path, obj, drop_false).err())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    let git = items.iter().find(|o| o["kind"] == "GitRepository").unwrap();
    let git: flux_api::source::GitRepository = serde_json::from_value(git.clone()).unwrap();
    assert_eq!(git.status.unwrap().observed_generation, Some(-1));
}

/// Objects with a realistic status as Flux controllers write it, one per kind
/// (`tests/testdata/status`). Their statuses were patched into kube-apiserver v1.35 through
/// the status subresource and read back unpruned, so the status schemas accept them.
#[test]
fn status_samples_round_trip() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/status");
    let files = yaml_files(&dir);
    let mut kinds = BTreeSet::new();
    let mut errors = Vec::new();
    for path in &files {
        let v = load(path);
        assert!(v.get("status").is_some(), "{}: no status", path.display());
        kinds.insert(v["kind"].as_str().unwrap().to_string());
        if let Err(e) = round_trip_kind(path, &v, |_| {}) {
            errors.push(e);
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let with_status: BTreeSet<String> = all_crds()
        .into_iter()
        .filter(|c| c.spec.versions[0].subresources.is_some())
        .map(|c| c.spec.names.kind)
        .collect();
    assert_eq!(
        kinds, with_status,
        "one status sample per kind with a status"
    );
}
