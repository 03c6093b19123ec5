//! The strategic-merge schema of built-in kinds (see `schema_table.rs`):
//! which lists merge, and by which keys.

use super::schema_table::{DEFS, KINDS, NAMES, NONE};
use serde_json::Value;
use std::rc::Rc;

/// A field of a definition: name, target definition, is a list, merges, merge keys.
pub(crate) struct F(
    pub &'static str,
    pub u16,
    // Whether the field is a list; kept in the table for readers, merging only needs the rest.
    #[allow(dead_code)] pub bool,
    pub bool,
    pub &'static [&'static str],
);

/// A definition: its relevant fields.
pub(crate) type Def = &'static [F];

/// A custom OpenAPI document from a kustomization's `openapi: {path: ...}`.
#[derive(Debug)]
pub struct Custom {
    doc: Value,
    kinds: Vec<(String, String, String, String)>,
}

impl Custom {
    /// Reads the `definitions` of an OpenAPI v2 document (JSON or YAML).
    pub fn parse(text: &str, file: &str) -> crate::error::Result<Custom> {
        let doc = crate::yaml::parse_one(text, file)?;
        let mut kinds = Vec::new();
        if let Some(defs) = doc.get("definitions").and_then(Value::as_object) {
            for (name, d) in defs {
                for gvk in d
                    .get("x-kubernetes-group-version-kind")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let s = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    kinds.push((s("group"), s("version"), s("kind"), name.clone()));
                }
            }
        }
        Ok(Custom { doc, kinds })
    }
}

/// Which schema a build uses: the built-in kinds or a custom document.
#[derive(Debug, Clone, Default)]
pub enum Schema {
    /// The built-in Kubernetes kinds.
    #[default]
    Builtin,
    /// A custom document (replaces the built-in one, as in kustomize).
    Custom(Rc<Custom>),
}

/// A position in the schema, or unknown.
#[derive(Debug, Clone)]
pub enum Node {
    /// No schema: lists are replaced.
    Unknown,
    /// A built-in definition.
    Static(u16),
    /// A schema object in a custom document (JSON pointer).
    Custom(Rc<Custom>, String),
}

impl PartialEq for Node {
    fn eq(&self, o: &Node) -> bool {
        match (self, o) {
            (Node::Unknown, Node::Unknown) => true,
            (Node::Static(a), Node::Static(b)) => a == b,
            (Node::Custom(a, p), Node::Custom(b, q)) => Rc::ptr_eq(a, b) && p == q,
            _ => false,
        }
    }
}

/// What the schema says about a list field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    /// No merge strategy (or no schema): the patch's list replaces the list.
    Replace,
    /// Merge by these keys (empty for lists of scalars).
    Merge(Vec<String>),
}

fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Node {
    /// The root of a kind in `schema`.
    pub fn root(schema: &Schema, api_version: &str, kind: &str) -> Node {
        let (group, version) = split_api_version(api_version);
        match schema {
            Schema::Builtin => KINDS
                .iter()
                .find(|(g, v, k, _)| *g == group && *v == version && *k == kind)
                .map_or(Node::Unknown, |(_, _, _, d)| Node::Static(*d)),
            // A custom schema is added to the built-in one (kyaml parses both).
            Schema::Custom(c) => c
                .kinds
                .iter()
                .find(|(g, v, k, _)| g == group && v == version && k == kind)
                .map_or_else(
                    || Node::root(&Schema::Builtin, api_version, kind),
                    |(_, _, _, d)| Node::Custom(c.clone(), format!("/definitions/{}", escape(d))),
                ),
        }
    }

    fn static_field(d: u16, name: &str) -> Option<&'static F> {
        DEFS.get(d as usize)?.iter().find(|f| f.0 == name)
    }

    /// The property schema of `name` in a custom schema object (after `$ref`).
    fn custom_prop(c: &Rc<Custom>, ptr: &str, name: &str) -> Option<String> {
        let ptr = resolve(c, ptr)?;
        let obj = c.doc.pointer(&ptr)?;
        obj.get("properties")?.get(name)?;
        Some(format!("{ptr}/properties/{}", escape(name)))
    }

    /// The schema of a map field (for lists: of their elements).
    pub fn child(&self, name: &str) -> Node {
        match self {
            Node::Unknown => Node::Unknown,
            Node::Static(d) => match Node::static_field(*d, name) {
                Some(f) if f.1 != NONE => Node::Static(f.1),
                _ => Node::Unknown,
            },
            Node::Custom(c, ptr) => {
                let Some(p) = Node::custom_prop(c, ptr, name) else {
                    return Node::Unknown;
                };
                let is_array = c
                    .doc
                    .pointer(&p)
                    .and_then(|v| v.get("type"))
                    .and_then(Value::as_str)
                    == Some("array");
                let p = if is_array { format!("{p}/items") } else { p };
                match resolve(c, &p) {
                    Some(r) => Node::Custom(c.clone(), r),
                    None => builtin_fallback(c, &p),
                }
            }
        }
    }

    /// How the list in field `name` merges.
    pub fn list_kind(&self, name: &str) -> ListKind {
        match self {
            Node::Unknown => ListKind::Replace,
            Node::Static(d) => match Node::static_field(*d, name) {
                Some(f) if f.3 => ListKind::Merge(f.4.iter().map(|k| k.to_string()).collect()),
                _ => ListKind::Replace,
            },
            Node::Custom(c, ptr) => {
                let Some(p) = Node::custom_prop(c, ptr, name) else {
                    return ListKind::Replace;
                };
                let Some(prop) = c.doc.pointer(&p) else {
                    return ListKind::Replace;
                };
                let merges = prop
                    .get("x-kubernetes-patch-strategy")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.split(',').any(|x| x == "merge"));
                if !merges {
                    return ListKind::Replace;
                }
                let keys = match prop
                    .get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                {
                    Some(a) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    None => prop
                        .get("x-kubernetes-patch-merge-key")
                        .and_then(Value::as_str)
                        .map(|k| vec![k.to_string()])
                        .unwrap_or_default(),
                };
                ListKind::Merge(keys)
            }
        }
    }
}

/// A `$ref` the custom document does not define, looked up among the built-in definitions.
fn builtin_fallback(c: &Custom, ptr: &str) -> Node {
    let mut ptr = ptr.to_string();
    for _ in 0..32 {
        let Some(obj) = c.doc.pointer(&ptr) else {
            return Node::Unknown;
        };
        let Some(r) = obj.get("$ref").and_then(Value::as_str) else {
            return Node::Unknown;
        };
        let target = r.trim_start_matches('#').to_string();
        if c.doc.pointer(&target).is_none() {
            let name = r.rsplit('/').next().unwrap_or(r);
            return NAMES
                .iter()
                .position(|n| *n == name)
                .map_or(Node::Unknown, |i| Node::Static(i as u16));
        }
        ptr = target;
    }
    Node::Unknown
}

/// Follows `$ref`s from the schema object at `ptr`.
fn resolve(c: &Custom, ptr: &str) -> Option<String> {
    let mut ptr = ptr.to_string();
    for _ in 0..32 {
        let obj = c.doc.pointer(&ptr)?;
        match obj.get("$ref").and_then(Value::as_str) {
            Some(r) => ptr = r.trim_start_matches('#').to_string(),
            None => return Some(ptr),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_pod_template_lists() {
        let b = Schema::Builtin;
        let d = Node::root(&b, "apps/v1", "Deployment");
        let pod = d.child("spec").child("template").child("spec");
        assert_eq!(
            pod.list_kind("containers"),
            ListKind::Merge(vec!["name".into()])
        );
        assert_eq!(pod.list_kind("tolerations"), ListKind::Replace);
        let c = pod.child("containers");
        assert_eq!(
            c.list_kind("ports"),
            ListKind::Merge(vec!["containerPort".into(), "protocol".into()])
        );
        assert_eq!(
            Node::root(&b, "example.com/v1", "Foo").child("spec"),
            Node::Unknown
        );
        let svc = Node::root(&b, "v1", "Service").child("spec");
        assert_eq!(
            svc.list_kind("ports"),
            ListKind::Merge(vec!["port".into(), "protocol".into()])
        );
        let md = Node::root(&b, "v1", "ConfigMap").child("metadata");
        assert_eq!(md.list_kind("finalizers"), ListKind::Merge(vec![]));
    }
}
