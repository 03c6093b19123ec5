//! replacements: copy a field of one object into fields of others.

use crate::error::{Result, build_err};
use crate::fieldpath;
use crate::loader::{self, LoadRestrictor};
use crate::patch::selector::label_selector_matches;
use crate::resource::{Gvk, ResId, Resource};
use serde_json::{Map, Value};
use std::path::Path;

/// Loads `replacements:` entries (inline or `path:` files) and applies them in order.
pub fn apply_entries(
    dir: &Path,
    rs: LoadRestrictor,
    entries: &[Value],
    resources: &mut [Resource],
) -> Result<()> {
    for e in entries {
        if let Some(p) = e.get("path").and_then(Value::as_str) {
            let (file, text) = loader::read_file(dir, p, rs)?;
            let fname = file.display().to_string();
            for doc in crate::yaml::parse_documents(&text, &fname)? {
                match doc {
                    Value::Array(items) => {
                        for item in items {
                            apply_one(&item, resources).map_err(|e| build_err!("{fname}: {e}"))?;
                        }
                    }
                    other => {
                        apply_one(&other, resources).map_err(|e| build_err!("{fname}: {e}"))?
                    }
                }
            }
        } else {
            apply_one(e, resources)?;
        }
    }
    Ok(())
}

struct Sel {
    id: ResId,
    labels: Option<String>,
    annotations: Option<String>,
}

fn sel_of(v: &Value) -> Sel {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut gvk = Gvk {
        group: s("group"),
        version: s("version"),
        kind: s("kind"),
    };
    let api = s("apiVersion");
    if !api.is_empty() {
        let g = Gvk::from_api_version(&api, "");
        gvk.group = g.group;
        gvk.version = g.version;
    }
    Sel {
        id: ResId {
            gvk,
            name: s("name"),
            namespace: s("namespace"),
        },
        labels: Some(s("labelSelector")).filter(|x| !x.is_empty()),
        annotations: Some(s("annotationSelector")).filter(|x| !x.is_empty()),
    }
}

fn selected(r: &Resource, sel: &Sel) -> Result<bool> {
    let id_ok = r.all_ids().iter().any(|id| {
        id.gvk.is_selected_by(&sel.id.gvk)
            && (sel.id.name.is_empty() || sel.id.name == id.name)
            && (sel.id.namespace.is_empty() || sel.id.namespace == id.namespace)
    });
    if !id_ok {
        return Ok(false);
    }
    let empty = Map::new();
    if let Some(l) = &sel.labels
        && !label_selector_matches(l, r.labels().unwrap_or(&empty))?
    {
        return Ok(false);
    }
    if let Some(a) = &sel.annotations
        && !label_selector_matches(a, r.annotations().unwrap_or(&empty))?
    {
        return Ok(false);
    }
    Ok(true)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn apply_one(rep: &Value, resources: &mut [Resource]) -> Result<()> {
    let source = rep
        .get("source")
        .ok_or_else(|| build_err!("replacement has no source"))?;
    let ssel = sel_of(source);
    let mut found = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        if selected(r, &ssel)? {
            found.push(i);
        }
    }
    let src = match found.as_slice() {
        [i] => &resources[*i],
        [] => {
            return Err(build_err!(
                "nothing selected by replacement source {}",
                ssel.id
            ));
        }
        _ => {
            return Err(build_err!(
                "more than one resource selected by replacement source {}",
                ssel.id
            ));
        }
    };
    let path = source
        .get("fieldPath")
        .and_then(Value::as_str)
        .unwrap_or("metadata.name");
    let mut value = fieldpath::get(&src.obj, &fieldpath::parse(path))
        .first()
        .map(|v| (*v).clone())
        .ok_or_else(|| {
            build_err!(
                "fieldPath '{path}' is missing for replacement source {}",
                src.cur_id()
            )
        })?;
    if let Some(opts) = source.get("options")
        && let Some(d) = opts.get("delimiter").and_then(Value::as_str)
    {
        let idx = opts.get("index").and_then(Value::as_i64).unwrap_or(0);
        let s = text(&value);
        let parts: Vec<&str> = s.split(d).collect();
        if idx < 0 || idx as usize >= parts.len() {
            return Err(build_err!(
                "options.index {idx} is out of bounds for value {s}"
            ));
        }
        value = Value::String(parts[idx as usize].to_string());
    }
    for t in rep
        .get("targets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let select = t
            .get("select")
            .ok_or_else(|| build_err!("replacement target has no select"))?;
        let tsel = sel_of(select);
        let rejects: Vec<Sel> = t
            .get("reject")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(sel_of).collect())
            .unwrap_or_default();
        let opts = t.get("options");
        let create = opts
            .and_then(|o| o.get("create"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let delim = opts
            .and_then(|o| o.get("delimiter"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let index = opts
            .and_then(|o| o.get("index"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let paths: Vec<String> = t
            .get("fieldPaths")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        for r in resources.iter_mut() {
            if !selected(r, &tsel)? {
                continue;
            }
            let mut rejected = false;
            for rj in &rejects {
                if selected(r, rj)? {
                    rejected = true;
                }
            }
            if rejected {
                continue;
            }
            for p in &paths {
                let steps = fieldpath::parse(p);
                let n = fieldpath::visit_mut(&mut r.obj, &steps, create, &mut |v| {
                    *v = match &delim {
                        Some(d) => {
                            let cur = text(v);
                            let mut parts: Vec<String> =
                                cur.split(d.as_str()).map(str::to_string).collect();
                            let newv = text(&value);
                            if index < 0 {
                                parts.insert(0, newv);
                            } else if index as usize >= parts.len() {
                                parts.push(newv);
                            } else {
                                parts[index as usize] = newv;
                            }
                            Value::String(parts.join(d))
                        }
                        None => value.clone(),
                    };
                });
                if n == 0 && !create {
                    return Err(build_err!(
                        "unable to find field \"{p}\" in replacement target {}",
                        r.cur_id()
                    ));
                }
            }
        }
    }
    Ok(())
}
