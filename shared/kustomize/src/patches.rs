//! Applying patches to the resource list: patchesStrategicMerge, patches
//! (with or without a target) and patchesJson6902.

use crate::error::{Result, build_err};
use crate::loader::{self, LoadRestrictor};
use crate::patch::json6902;
use crate::patch::schema::Schema;
use crate::patch::selector::Selector;
use crate::patch::strategic_merge::{self, Merged};
use crate::resource::{Gvk, ResId, Resource};
use serde_json::Value;
use std::path::Path;

/// Options of a `patches` entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct PatchOptions {
    /// Let the patch rename the object.
    pub allow_name_change: bool,
    /// Let the patch change the kind.
    pub allow_kind_change: bool,
}

/// Loads patch text from `path` or the inline `patch`.
pub fn load_text(
    dir: &Path,
    path: Option<&str>,
    inline: Option<&str>,
    restrictor: LoadRestrictor,
) -> Result<(String, String)> {
    match (path, inline) {
        (Some(p), None) => {
            let (file, text) = loader::read_file(dir, p, restrictor)?;
            Ok((file.display().to_string(), text))
        }
        (None, Some(t)) => Ok(("inline patch".to_string(), t.to_string())),
        (Some(_), Some(_)) => Err(build_err!("a patch cannot have both 'path' and 'patch'")),
        (None, None) => Err(build_err!("a patch needs 'path' or 'patch'")),
    }
}

fn patch_id(p: &Value) -> ResId {
    let s = |path: &[&str]| crate::resource::str_at(p, path).to_string();
    ResId {
        gvk: Gvk::from_api_version(&s(&["apiVersion"]), &s(&["kind"])),
        name: s(&["metadata", "name"]),
        namespace: s(&["metadata", "namespace"]),
    }
}

/// Applies one strategic merge patch document to one resource; returns false when
/// the resource is to be deleted.
pub fn apply_smp(
    r: &mut Resource,
    patch: &Value,
    opts: PatchOptions,
    schema: &Schema,
) -> Result<bool> {
    let name = r.name().to_string();
    let ns = r.namespace().to_string();
    let kind = crate::resource::str_at(&r.obj, &["kind"]).to_string();
    let api_version = crate::resource::str_at(&r.obj, &["apiVersion"]).to_string();
    if opts.allow_name_change || opts.allow_kind_change {
        r.remember_id();
    }
    if strategic_merge::merge(&mut r.obj, patch, schema) == Merged::Delete {
        return Ok(false);
    }
    if r.obj.as_object().is_some_and(|m| m.is_empty()) {
        return Ok(false);
    }
    let set = |obj: &mut Value, path: &[&str], v: &str| {
        let mut cur = obj;
        for p in &path[..path.len() - 1] {
            match cur.get_mut(*p) {
                Some(n) => cur = n,
                None => return,
            }
        }
        if let Some(m) = cur.as_object_mut() {
            let last = path[path.len() - 1];
            if v.is_empty() {
                m.shift_remove(last);
            } else {
                m.insert(last.to_string(), Value::String(v.to_string()));
            }
        }
    };
    if !opts.allow_name_change {
        set(&mut r.obj, &["metadata", "name"], &name);
    }
    set(&mut r.obj, &["metadata", "namespace"], &ns);
    if !opts.allow_kind_change {
        set(&mut r.obj, &["kind"], &kind);
        set(&mut r.obj, &["apiVersion"], &api_version);
    }
    Ok(true)
}

/// Applies SMP documents that name their target by id.
pub fn apply_smp_by_id(
    resources: &mut Vec<Resource>,
    patches: &[Value],
    source: &str,
    opts: PatchOptions,
    schema: &Schema,
) -> Result<()> {
    for p in patches {
        let id = patch_id(p);
        let matches: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.all_ids().iter().any(|x| x.equals(&id)))
            .map(|(i, _)| i)
            .collect();
        let i = match matches.as_slice() {
            [i] => *i,
            [] => {
                return Err(build_err!(
                    "{source}: no resource matches strategic merge patch {id}"
                ));
            }
            _ => {
                return Err(build_err!(
                    "{source}: multiple resources match strategic merge patch {id}"
                ));
            }
        };
        if !apply_smp(&mut resources[i], p, opts, schema)? {
            resources.remove(i);
        }
    }
    Ok(())
}

/// Parses patch text: a JSON 6902 operation list, or SMP documents.
pub enum Parsed {
    /// JSON 6902 operations.
    Json6902(Value),
    /// Strategic merge patch documents.
    Smp(Vec<Value>),
}

/// Parses patch text.
pub fn parse(text: &str, source: &str) -> Result<Parsed> {
    let docs = crate::yaml::parse_documents(text, source)?;
    if docs.len() == 1 && docs[0].is_array() {
        return Ok(Parsed::Json6902(
            docs.into_iter().next().unwrap_or(Value::Null),
        ));
    }
    for d in &docs {
        if !d.is_object() {
            return Err(build_err!(
                "{source}: a patch must be a map or a list of JSON 6902 operations"
            ));
        }
    }
    Ok(Parsed::Smp(docs))
}

/// Applies a parsed patch to the selected resources (or by id without a target).
pub fn apply_patch(
    resources: &mut Vec<Resource>,
    parsed: &Parsed,
    target: Option<&Value>,
    source: &str,
    opts: PatchOptions,
    schema: &Schema,
) -> Result<()> {
    let Some(target) = target else {
        return match parsed {
            Parsed::Json6902(_) => Err(build_err!("{source}: a JSON 6902 patch needs a target")),
            Parsed::Smp(docs) => apply_smp_by_id(resources, docs, source, opts, schema),
        };
    };
    let sel = Selector::from_value(target)?;
    let mut i = 0;
    while i < resources.len() {
        if !sel.matches(&resources[i])? {
            i += 1;
            continue;
        }
        let keep = match parsed {
            Parsed::Json6902(ops) => {
                let before = resources[i].cur_id();
                resources[i].remember_id();
                json6902::apply(&mut resources[i].obj, ops)
                    .map_err(|e| build_err!("{source}: applying to {before}: {e}"))?;
                true
            }
            Parsed::Smp(docs) => {
                let mut keep = true;
                for d in docs {
                    if !apply_smp(&mut resources[i], d, opts, schema)? {
                        keep = false;
                        break;
                    }
                }
                keep
            }
        };
        if keep {
            i += 1;
        } else {
            resources.remove(i);
        }
    }
    Ok(())
}
