//! `buildMetadata`: origin annotations (where each object came from) and
//! transformer annotations (which built-in transformers changed it).

use crate::resource::Resource;
use serde_json::{Map, Value};
use std::path::{Component, Path, PathBuf};

/// Where a resource came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Read from a file.
    File(PathBuf),
    /// Made by a built-in generator configured in a file.
    Generated {
        /// The kustomization or generator configuration file.
        configured_in: PathBuf,
        /// Generator kind, e.g. ConfigMapGenerator.
        kind: String,
        /// Name of the generator configuration object, if any.
        name: String,
    },
}

/// A built-in transformer that changed a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformation {
    /// The kustomization or transformer configuration file.
    pub configured_in: PathBuf,
    /// Transformer kind, e.g. PrefixTransformer.
    pub kind: String,
}

/// `p` relative to `base` (both lexically normalised absolute or relative paths).
pub fn relative(base: &Path, p: &Path) -> String {
    let b: Vec<Component<'_>> = base.components().collect();
    let t: Vec<Component<'_>> = p.components().collect();
    let common = b.iter().zip(t.iter()).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out.to_string_lossy().to_string()
}

fn origin_text(o: &Origin, root: &Path) -> String {
    match o {
        Origin::File(p) => format!("path: {}\n", relative(root, p)),
        Origin::Generated {
            configured_in,
            kind,
            name,
        } => {
            let mut s = format!(
                "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n",
                relative(root, configured_in)
            );
            if !name.is_empty() {
                s.push_str(&format!("  name: {name}\n"));
            }
            s
        }
    }
}

fn annotate_one(obj: &mut Value, key: &str, value: String) {
    let Some(m) = obj.as_object_mut() else { return };
    let md = m
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(md) = md.as_object_mut() else { return };
    let ann = md
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(a) = ann.as_object_mut() {
        a.insert(key.to_string(), Value::String(value));
    }
}

/// Adds the requested annotations to the final resources.
pub fn annotate(resources: &mut [Resource], root: &Path, origins: bool, transformations: bool) {
    for r in resources.iter_mut() {
        if let (true, Some(o)) = (origins, &r.origin) {
            let text = origin_text(o, root);
            annotate_one(&mut r.obj, "config.kubernetes.io/origin", text);
        }
        if transformations && !r.transformations.is_empty() {
            let mut text = String::new();
            for t in &r.transformations {
                text.push_str(&format!(
                    "- configuredIn: {}\n  configuredBy:\n    apiVersion: builtin\n    kind: {}\n",
                    relative(root, &t.configured_in),
                    t.kind
                ));
            }
            annotate_one(
                &mut r.obj,
                "alpha.config.kubernetes.io/transformations",
                text,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/prod"), Path::new("/a/base/x.yaml")),
            "../base/x.yaml"
        );
        assert_eq!(relative(Path::new("/a"), Path::new("/a/x.yaml")), "x.yaml");
    }
}
