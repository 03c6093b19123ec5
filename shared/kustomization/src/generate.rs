//! Preparing the kustomization before the build, as Flux's kustomize generator does:
//! generate a `kustomization.yaml` when the path has none (listing every YAML file that
//! holds Kubernetes objects, and every sub-directory that has its own kustomization),
//! then inject the Kustomization's `targetNamespace`, `namePrefix`, `nameSuffix`,
//! `patches`, `images` and `components`.

use std::path::{Path, PathBuf};

use flux_api::kustomize::KustomizationSpec;
use serde_json::{Map, Value, json};

use crate::Error;

/// The file names kustomize recognises, in its order.
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file in `dir`, if any.
pub fn find_kustomization(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// Generates (when missing) and patches the kustomization in `dir` with the spec fields.
/// `root` is the artifact root, used to name files in messages.
pub fn prepare(dir: &Path, root: &Path, spec: &KustomizationSpec) -> Result<(), Error> {
    let (file, mut kustomization) = match find_kustomization(dir) {
        Some(file) => {
            let text = read(&file, root)?;
            let doc = flux_kustomize::parse_documents(&text, &rel(&file, root))
                .map_err(|e| Error::Build(e.to_string()))?
                .into_iter()
                .next()
                .unwrap_or_else(|| json!({}));
            (file, doc)
        }
        None => {
            let resources = scan(dir, dir, root)?;
            let doc = json!({
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": resources,
            });
            (dir.join("kustomization.yaml"), doc)
        }
    };
    let Some(map) = kustomization.as_object_mut() else {
        return Err(Error::Build(format!(
            "{}: kustomization is not a YAML mapping",
            rel(&file, root)
        )));
    };
    inject(map, dir, spec)?;
    let text = flux_kustomize::to_yaml_stream(&[kustomization]);
    std::fs::write(&file, text)
        .map_err(|e| Error::Build(format!("writing {}: {e}", rel(&file, root))))
}

fn inject(map: &mut Map<String, Value>, dir: &Path, spec: &KustomizationSpec) -> Result<(), Error> {
    if let Some(ns) = &spec.target_namespace {
        map.insert("namespace".into(), json!(ns));
    }
    if let Some(p) = &spec.name_prefix {
        map.insert("namePrefix".into(), json!(p));
    }
    if let Some(s) = &spec.name_suffix {
        map.insert("nameSuffix".into(), json!(s));
    }
    let append = |map: &mut Map<String, Value>, key: &str, items: Vec<Value>| {
        if items.is_empty() {
            return;
        }
        let entry = map.entry(key.to_string()).or_insert_with(|| json!([]));
        if !entry.is_array() {
            *entry = json!([]);
        }
        if let Some(list) = entry.as_array_mut() {
            list.extend(items);
        }
    };
    let patches = spec
        .patches
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Build(format!("spec.patches: {e}")))?;
    append(map, "patches", patches);
    let images = spec
        .images
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Build(format!("spec.images: {e}")))?;
    append(map, "images", images);
    let mut components = Vec::new();
    for c in &spec.components {
        if spec.ignore_missing_components && !dir.join(c).exists() {
            continue;
        }
        components.push(json!(c));
    }
    append(map, "components", components);
    if !spec.build_metadata.is_empty() {
        map.insert("buildMetadata".into(), json!(spec.build_metadata));
    }
    Ok(())
}

/// Resources for a generated kustomization: YAML files holding objects with a kind and
/// sub-directories (recursively; a directory with a kustomization counts as one).
fn scan(base: &Path, dir: &Path, root: &Path) -> Result<Vec<String>, Error> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::Build(format!("reading {}: {e}", rel(dir, root))))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut resources = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let relative = path
            .strip_prefix(base)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if find_kustomization(&path).is_some() {
                resources.push(relative);
            } else {
                resources.extend(scan(base, &path, root)?);
            }
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && holds_objects(&path, root)?
        {
            resources.push(relative);
        }
    }
    Ok(resources)
}

fn holds_objects(file: &Path, root: &Path) -> Result<bool, Error> {
    let text = read(file, root)?;
    let docs = flux_kustomize::parse_documents(&text, &rel(file, root))
        .map_err(|e| Error::Build(e.to_string()))?;
    Ok(docs.iter().any(|d| {
        d.get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| !k.is_empty())
    }))
}

fn read(file: &Path, root: &Path) -> Result<String, Error> {
    std::fs::read_to_string(file)
        .map_err(|e| Error::Build(format!("reading {}: {e}", rel(file, root))))
}

/// A path relative to the artifact root, for messages.
pub fn rel(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn build(dir: &Path) -> Vec<Value> {
        flux_kustomize::build(dir, &crate::BUILD_OPTIONS).unwrap()
    }

    #[test]
    fn generates_kustomization_for_plain_yamls() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(
            dir,
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
        );
        write(dir, "notes.yaml", "just: values\n");
        write(
            dir,
            "sub/cm2.yml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
        );
        write(dir, "base/kustomization.yaml", "resources:\n- cm3.yaml\n");
        write(
            dir,
            "base/cm3.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        );
        let spec = KustomizationSpec {
            target_namespace: Some("apps".into()),
            name_prefix: Some("p-".into()),
            ..Default::default()
        };
        prepare(dir, dir, &spec).unwrap();
        let objects = build(dir);
        let names: Vec<(&str, &str)> = objects
            .iter()
            .map(|o| {
                (
                    o["metadata"]["name"].as_str().unwrap(),
                    o["metadata"]["namespace"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(names, [("p-c", "apps"), ("p-a", "apps"), ("p-b", "apps")]);
    }

    #[test]
    fn injects_patches_and_images_into_existing_kustomization() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "kustomization.yaml", "resources:\n- deploy.yaml\n");
        write(
            dir,
            "deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.0\n",
        );
        let spec: KustomizationSpec = serde_json::from_value(json!({
            "interval": "1m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "x"},
            "images": [{"name": "nginx", "newTag": "2.0"}],
            "patches": [{"patch": "- op: add\n  path: /spec/replicas\n  value: 3", "target": {"kind": "Deployment"}}],
            "nameSuffix": "-s"
        }))
        .unwrap();
        prepare(dir, dir, &spec).unwrap();
        let objects = build(dir);
        assert_eq!(objects[0]["metadata"]["name"], "app-s");
        assert_eq!(objects[0]["spec"]["replicas"], 3);
        assert_eq!(
            objects[0]["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx:2.0"
        );
    }
}
