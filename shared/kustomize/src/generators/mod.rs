//! configMapGenerator and secretGenerator, and the content-hash name suffix.

pub mod hash;
mod kv;

use crate::error::{Result, build_err};
use crate::kustomization::scalar_text;
use crate::loader::LoadRestrictor;
use crate::resource::{Behavior, Resource};
use base64::Engine;
use serde_json::{Map, Value};
use std::path::Path;

/// Which object a generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratorKind {
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
}

fn string_map(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), Value::String(scalar_text(v))))
                .collect()
        })
        .unwrap_or_default()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().map(scalar_text).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Builds one generated object from its generator arguments and the
/// kustomization's generatorOptions.
pub fn generate(
    kind: GeneratorKind,
    args: &Value,
    global_options: Option<&Value>,
    dir: &Path,
    restrictor: LoadRestrictor,
) -> Result<Resource> {
    let name = args.get("name").map(scalar_text).unwrap_or_default();
    let what = match kind {
        GeneratorKind::ConfigMap => "configMapGenerator",
        GeneratorKind::Secret => "secretGenerator",
    };
    if name.is_empty() {
        return Err(build_err!("{what}: a generator needs a name"));
    }
    let namespace = args.get("namespace").map(scalar_text).unwrap_or_default();
    let behavior = match args
        .get("behavior")
        .map(scalar_text)
        .unwrap_or_default()
        .as_str()
    {
        "" | "create" => Behavior::Create,
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        other => return Err(build_err!("{what} '{name}': unknown behavior '{other}'")),
    };
    let mut envs = strings(args.get("envs"));
    envs.extend(strings(args.get("env")));
    let pairs = kv::load_pairs(
        dir,
        restrictor,
        &envs,
        &strings(args.get("literals")),
        &strings(args.get("files")),
    )
    .map_err(|e| build_err!("{what} '{name}': {e}"))?;

    let local = args.get("options");
    let mut labels = string_map(global_options.and_then(|o| o.get("labels")));
    labels.extend(string_map(local.and_then(|o| o.get("labels"))));
    let mut annotations = string_map(global_options.and_then(|o| o.get("annotations")));
    annotations.extend(string_map(local.and_then(|o| o.get("annotations"))));
    let flag = |key: &str| -> Option<bool> {
        local
            .and_then(|o| o.get(key))
            .and_then(Value::as_bool)
            .or_else(|| {
                global_options
                    .and_then(|o| o.get(key))
                    .and_then(Value::as_bool)
            })
    };
    let disable_hash = flag("disableNameSuffixHash").unwrap_or(false);
    let immutable = flag("immutable").unwrap_or(false);

    let mut md = Map::new();
    md.insert("name".into(), Value::String(name.clone()));
    if !namespace.is_empty() {
        md.insert("namespace".into(), Value::String(namespace));
    }
    if !labels.is_empty() {
        md.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        md.insert("annotations".into(), Value::Object(annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    let mut data = Map::new();
    let mut binary = Map::new();
    match kind {
        GeneratorKind::ConfigMap => {
            obj.insert("kind".into(), Value::String("ConfigMap".into()));
            obj.insert("metadata".into(), Value::Object(md));
            for (k, bytes) in pairs {
                if data.contains_key(&k) || binary.contains_key(&k) {
                    return Err(build_err!(
                        "{what} '{name}': configmap already has a key '{k}'"
                    ));
                }
                match String::from_utf8(bytes) {
                    Ok(s) => data.insert(k, Value::String(s)),
                    Err(e) => binary.insert(k, Value::String(encode_base64(e.as_bytes()))),
                };
            }
        }
        GeneratorKind::Secret => {
            obj.insert("kind".into(), Value::String("Secret".into()));
            obj.insert("metadata".into(), Value::Object(md));
            let ty = args.get("type").map(scalar_text).filter(|t| !t.is_empty());
            obj.insert(
                "type".into(),
                Value::String(ty.unwrap_or_else(|| "Opaque".into())),
            );
            for (k, bytes) in pairs {
                if data.contains_key(&k) {
                    return Err(build_err!(
                        "{what} '{name}': secret already has a key '{k}'"
                    ));
                }
                data.insert(k, Value::String(encode_base64(&bytes)));
            }
        }
    }
    // kustomize always gives a generated Secret a `data` map; a ConfigMap only when it has data.
    if !data.is_empty() || kind == GeneratorKind::Secret {
        obj.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), Value::Object(binary));
    }
    if immutable {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    let mut r = Resource::new(Value::Object(obj));
    r.needs_hash = !disable_hash;
    r.behavior = behavior;
    Ok(r)
}

/// Base64 as kyaml writes it into Secrets and binaryData: lines of 70
/// characters, each ending in a newline, once the text is longer than one line.
pub fn encode_base64(data: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(data);
    let lines = enc.len() / LINE + 1;
    if lines == 1 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + lines);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// Puts a generated object in place of an existing one (`behavior: merge` or
/// `replace`), as kustomize does: the generated object wins, keeping the
/// existing name, namespace, build history, and the union of labels and
/// annotations; with merge also the union of `data` and `binaryData`.
pub fn absorb_into(existing: &mut Resource, generated: &Resource, merge: bool) {
    let mut obj = generated.obj.clone();
    let old = &existing.obj;
    let mut fields = vec!["labels", "annotations"];
    if merge {
        fields.clear();
    }
    let union = |path: &[&str], obj: &mut Value| {
        let get = |v: &Value| -> Map<String, Value> {
            let mut cur = v;
            for p in path {
                match cur.get(*p) {
                    Some(n) => cur = n,
                    None => return Map::new(),
                }
            }
            cur.as_object().cloned().unwrap_or_default()
        };
        let mut merged = get(old);
        for (k, v) in get(obj) {
            merged.insert(k, v);
        }
        if merged.is_empty() {
            return;
        }
        let mut cur = &mut *obj;
        for p in &path[..path.len() - 1] {
            let Some(m) = cur.as_object_mut() else { return };
            cur = m.entry(*p).or_insert_with(|| Value::Object(Map::new()));
        }
        if let Some(m) = cur.as_object_mut() {
            m.insert(path[path.len() - 1].to_string(), Value::Object(merged));
        }
    };
    union(&["metadata", "labels"], &mut obj);
    union(&["metadata", "annotations"], &mut obj);
    if merge {
        union(&["data"], &mut obj);
        union(&["binaryData"], &mut obj);
    }
    let _ = fields;
    if let Some(md) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        md.insert("name".into(), Value::String(existing.name().to_string()));
        match existing.namespace() {
            "" => {
                md.shift_remove("namespace");
            }
            ns => {
                md.insert("namespace".into(), Value::String(ns.to_string()));
            }
        }
    }
    existing.obj = obj;
    // The hash-suffix build annotation survives only if both had it.
    existing.needs_hash = existing.needs_hash && generated.needs_hash;
    if !merge {
        existing.origin = generated.origin.clone();
    }
}
