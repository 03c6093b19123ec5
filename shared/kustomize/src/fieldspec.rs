//! Field specs: "apply this to `path` in objects of this kind", the unit of
//! kustomize's transformer configuration.

use crate::error::Result;
use crate::resource::Gvk;
use serde_json::{Map, Value};

/// A path in objects of the selected kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Kinds this applies to (empty fields are wildcards).
    pub gvk: Gvk,
    /// Slash-separated path; `\/` escapes a slash inside a key, `[]` marks a list.
    pub path: String,
    /// Whether missing fields are created.
    pub create: bool,
}

impl FieldSpec {
    /// Reads a field spec from its YAML form (`group`, `version`, `kind`, `path`, `create`).
    pub fn from_value(v: &Value) -> Option<FieldSpec> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let path = s("path");
        if path.is_empty() {
            return None;
        }
        Some(FieldSpec {
            gvk: Gvk {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
            },
            path,
            create: v.get("create").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    /// A spec for every kind.
    pub fn any(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            gvk: Gvk::default(),
            path: path.to_string(),
            create,
        }
    }

    /// Whether objects of `gvk` are selected.
    pub fn applies_to(&self, gvk: &Gvk) -> bool {
        gvk.is_selected_by(&self.gvk)
    }

    /// The path split into segments.
    pub fn segments(&self) -> Vec<String> {
        split_path(&self.path)
    }
}

/// Splits a field-spec path on unescaped `/`.
pub fn split_path(path: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'/') {
            cur.push('/');
            chars.next();
        } else if c == '/' {
            segs.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    segs.push(cur);
    segs.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Calls `f` on every value at the spec's path in `obj` (if the spec selects the object).
/// Lists met on the way are walked element by element. With `create`, missing
/// fields are added (the last one as `null`, for `f` to fill).
pub fn apply(
    obj: &mut Value,
    fs: &FieldSpec,
    gvk: &Gvk,
    f: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    if !fs.applies_to(gvk) {
        return Ok(());
    }
    let segs = fs.segments();
    walk(obj, &segs, fs.create, f)
}

fn walk(
    node: &mut Value,
    segs: &[String],
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    let Some((first, rest)) = segs.split_first() else {
        return f(node);
    };
    if let Value::Array(items) = node {
        for item in items {
            walk(item, segs, create, f)?;
        }
        return Ok(());
    }
    let (key, is_list) = match first.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (first.as_str(), false),
    };
    let Value::Object(map) = node else {
        return Ok(());
    };
    let missing = map.get(key).is_none_or(Value::is_null);
    if missing {
        if !create || is_list {
            return Ok(());
        }
        let fresh = if rest.is_empty() {
            Value::Null
        } else if is_list {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
        map.insert(key.to_string(), fresh);
    }
    let Some(next) = map.get_mut(key) else {
        return Ok(());
    };
    if rest.is_empty() {
        let was_null = next.is_null();
        f(next)?;
        if was_null && next.is_null() && missing {
            map.remove(key);
        }
        return Ok(());
    }
    walk(next, rest, create, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_lists_and_creates_fields() {
        let mut obj = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}]}});
        let fs = FieldSpec::any("spec/containers[]/image", false);
        let mut seen = Vec::new();
        apply(&mut obj, &fs, &Gvk::default(), &mut |v| {
            seen.push(v.as_str().unwrap_or("").to_string());
            *v = json!("x");
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec!["a", "b"]);
        assert_eq!(obj["spec"]["containers"][1]["image"], "x");

        let fs = FieldSpec::any("metadata/labels", true);
        apply(&mut obj, &fs, &Gvk::default(), &mut |v| {
            *v = json!({"a": "b"});
            Ok(())
        })
        .unwrap();
        assert_eq!(obj["metadata"]["labels"]["a"], "b");
    }

    #[test]
    fn splits_escaped_slashes() {
        assert_eq!(
            split_path("metadata/annotations/a.io\\/b"),
            vec!["metadata", "annotations", "a.io/b"]
        );
    }
}
