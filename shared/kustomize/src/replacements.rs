//! replacements: copy a field of one object (or a literal `sourceValue`) into
//! fields of others. A port of kustomize's `replacement` filter: sources are
//! selected exactly by any of their ids, targets by anchored regexes.

use crate::error::{Result, build_err};
use crate::fieldpath::{self, Step};
use crate::loader::{self, LoadRestrictor};
use crate::patch::selector::label_selector_matches;
use crate::resource::{Gvk, ResId, Resource};
use regex::Regex;
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
                let items = match doc {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                for item in items {
                    apply_one(&item, resources).map_err(|e| build_err!("{fname}: {e}"))?;
                }
            }
        } else {
            apply_one(e, resources)?;
        }
    }
    Ok(())
}

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

fn res_id(v: &Value) -> ResId {
    let mut gvk = Gvk {
        group: s(v, "group"),
        version: s(v, "version"),
        kind: s(v, "kind"),
    };
    let api = s(v, "apiVersion");
    if !api.is_empty() {
        let g = Gvk::from_api_version(&api, "");
        gvk.group = g.group;
        gvk.version = g.version;
    }
    ResId {
        gvk,
        name: s(v, "name"),
        namespace: s(v, "namespace"),
    }
}

fn ids(r: &Resource) -> Vec<ResId> {
    let mut ids = vec![r.cur_id()];
    ids.extend(r.prev_ids.iter().cloned());
    ids
}

struct SelectorRegex {
    empty: bool,
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: String,
    annotations: String,
}

fn anchored(p: &str) -> Result<Option<Regex>> {
    if p.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{p})$"))
        .map(Some)
        .map_err(|e| build_err!("error creating target selector: invalid regex '{p}': {e}"))
}

impl SelectorRegex {
    fn new(v: &Value) -> Result<SelectorRegex> {
        let id = res_id(v);
        Ok(SelectorRegex {
            empty: id == ResId::default(),
            group: anchored(&id.gvk.group)?,
            version: anchored(&id.gvk.version)?,
            kind: anchored(&id.gvk.kind)?,
            name: anchored(&id.name)?,
            namespace: anchored(&id.namespace)?,
            labels: s(v, "labelSelector"),
            annotations: s(v, "annotationSelector"),
        })
    }

    fn matches(&self, id: &ResId) -> bool {
        let m = |r: &Option<Regex>, t: &str| r.as_ref().is_none_or(|r| r.is_match(t));
        m(&self.group, &id.gvk.group)
            && m(&self.version, &id.gvk.version)
            && m(&self.kind, &id.gvk.kind)
            && m(&self.name, &id.name)
            && m(&self.namespace, &id.namespace)
    }

    fn matches_labels(&self, r: &Resource) -> Result<bool> {
        let empty = Map::new();
        Ok((self.labels.is_empty()
            || label_selector_matches(&self.labels, r.labels().unwrap_or(&empty))?)
            && (self.annotations.is_empty()
                || label_selector_matches(&self.annotations, r.annotations().unwrap_or(&empty))?))
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The YAML type a plain scalar with this text would have.
fn infer(t: &str) -> Value {
    match t {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        "null" | "Null" | "NULL" | "~" => return Value::Null,
        _ => {}
    }
    if let Ok(i) = t.parse::<i64>() {
        return Value::Number(i.into());
    }
    if t.contains(['.', 'e', 'E'])
        && let Ok(f) = t.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(t.to_string())
}

/// A scalar keeps its YAML tag when kustomize replaces its text.
fn retag(old: &Value, t: &str) -> Value {
    match old {
        Value::String(_) => Value::String(t.to_string()),
        Value::Number(_) | Value::Bool(_) => match infer(t) {
            v @ (Value::Number(_) | Value::Bool(_))
                if std::mem::discriminant(&v) == std::mem::discriminant(old) =>
            {
                v
            }
            _ => Value::String(t.to_string()),
        },
        _ => infer(t),
    }
}

fn options(v: Option<&Value>) -> (Option<String>, i64, bool) {
    let o = v.cloned().unwrap_or(Value::Null);
    (
        o.get("delimiter")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        o.get("index").and_then(Value::as_i64).unwrap_or(0),
        o.get("create").and_then(Value::as_bool).unwrap_or(false),
    )
}

fn source_value(rep: &Value, resources: &[Resource]) -> Result<Value> {
    let source = rep.get("source").filter(|v| !v.is_null());
    let literal = rep.get("sourceValue").filter(|v| !v.is_null());
    match (source, literal) {
        (Some(_), Some(_)) => Err(build_err!(
            "value and resource selectors are mutually exclusive"
        )),
        (None, Some(v)) => Ok(Value::String(text(v))),
        (None, None) => Err(build_err!(
            "replacements must specify a source and at least one target"
        )),
        (Some(source), None) => {
            let sel = res_id(source);
            let mut found: Option<&Resource> = None;
            for r in resources {
                let hit = ids(r).iter().any(|id| {
                    (sel.name.is_empty() || sel.name == id.name)
                        && (sel.namespace.is_empty()
                            || sel.effective_namespace() == id.effective_namespace())
                        && id.gvk.is_selected_by(&sel.gvk)
                });
                if hit {
                    if found.is_some() {
                        return Err(build_err!("multiple matches for selector {sel}"));
                    }
                    found = Some(r);
                }
            }
            let src = found.ok_or_else(|| build_err!("nothing selected by {sel}"))?;
            let path = source
                .get("fieldPath")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
                .unwrap_or("metadata.name");
            let value = fieldpath::get(&src.obj, &fieldpath::parse(path))
                .first()
                .map(|v| (*v).clone())
                .filter(|v| !is_nil_or_empty(v))
                .ok_or_else(|| {
                    build_err!("fieldPath `{path}` is missing for replacement source {sel}")
                })?;
            let (delim, index, _) = options(source.get("options"));
            match delim {
                None => Ok(value),
                Some(d) => {
                    if value.is_object() || value.is_array() {
                        return Err(build_err!(
                            "delimiter option can only be used with scalar nodes"
                        ));
                    }
                    let t = text(&value);
                    let parts: Vec<&str> = t.split(d.as_str()).collect();
                    if index < 0 || index as usize >= parts.len() {
                        return Err(build_err!(
                            "options.index {index} is out of bounds for value {t}"
                        ));
                    }
                    Ok(retag(&value, parts[index as usize]))
                }
            }
        }
    }
}

fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn apply_one(rep: &Value, resources: &mut [Resource]) -> Result<()> {
    let targets = rep
        .get("targets")
        .and_then(Value::as_array)
        .ok_or_else(|| build_err!("replacements must specify a source and at least one target"))?;
    let value = source_value(rep, resources)?;
    for t in targets {
        let select = t
            .get("select")
            .filter(|v| !v.is_null())
            .ok_or_else(|| build_err!("target must specify resources to select"))?;
        let sel = SelectorRegex::new(select)?;
        let rejects: Vec<SelectorRegex> = t
            .get("reject")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(SelectorRegex::new).collect::<Result<_>>())
            .transpose()?
            .unwrap_or_default();
        let (delim, index, create) = options(t.get("options"));
        let mut paths: Vec<String> = t
            .get("fieldPaths")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if paths.is_empty() {
            paths.push("metadata.name".into());
        }
        for r in resources.iter_mut() {
            if !sel.matches_labels(r)? {
                continue;
            }
            let mut rejected = false;
            for rj in &rejects {
                if !(rj.labels.is_empty() && rj.annotations.is_empty()) && rj.matches_labels(r)? {
                    rejected = true;
                }
            }
            let rids = ids(r);
            if rejected
                || rejects
                    .iter()
                    .any(|rj| !rj.empty && rids.iter().any(|id| rj.matches(id)))
            {
                continue;
            }
            if !rids.iter().any(|id| sel.matches(id)) {
                continue;
            }
            let id = r.cur_id();
            for p in &paths {
                let steps = fieldpath::parse(p);
                set_path(&mut r.obj, &steps, &value, delim.as_deref(), index, create)
                    .map_err(|e| build_err!("{e} (target {id})"))?;
            }
        }
    }
    Ok(())
}

/// kustomize's structured-data replacement: a path that runs through a string
/// holding JSON or YAML continues inside it, and the string is re-serialised.
fn set_in_structured_data(obj: &mut Value, steps: &[Step], value: &Value, create: bool) -> bool {
    for i in 1..steps.len() {
        let Some(Value::String(text)) = fieldpath::get(obj, &steps[..i])
            .first()
            .map(|v| (*v).clone())
        else {
            continue;
        };
        let Ok(mut inner) = crate::yaml::parse_one(&text, "structured data") else {
            return false;
        };
        if !inner.is_object() && !inner.is_array() {
            return false;
        }
        let n = fieldpath::visit_mut(&mut inner, &steps[i..], create, &mut |t| {
            *t = match (&*t, value) {
                (_, Value::Object(_) | Value::Array(_)) => value.clone(),
                (Value::Object(_) | Value::Array(_), _) => value.clone(),
                (old, v) => retag(old, &text_of(v)),
            };
        });
        if n == 0 {
            return false;
        }
        let serialized = if text.trim_start().starts_with(['{', '[']) {
            let sorted = sort_keys(&inner);
            if text.contains('\n') && text.contains("  ") {
                serde_json::to_string_pretty(&sorted).unwrap_or_default()
            } else {
                let mut s = String::new();
                crate::generators::hash::go_json(&sorted, &mut s);
                s
            }
        } else {
            crate::yaml::to_yaml_stream(std::slice::from_ref(&inner))
        };
        let done = fieldpath::visit_mut(obj, &steps[..i], false, &mut |t| {
            *t = Value::String(serialized.clone())
        });
        return done > 0;
    }
    false
}

fn text_of(v: &Value) -> String {
    text(v)
}

fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sort_keys(&m[k.as_str()])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

fn set_path(
    obj: &mut Value,
    steps: &[Step],
    value: &Value,
    delim: Option<&str>,
    index: i64,
    create: bool,
) -> Result<()> {
    if steps.len() >= 2 && delim.is_none() && set_in_structured_data(obj, steps, value, create) {
        return Ok(());
    }
    let path = steps_text(steps);
    let mut err = None;
    let n = fieldpath::visit_mut(obj, steps, create, &mut |target| {
        let created = target.is_null();
        let mut v = value.clone();
        if let Some(d) = delim {
            if target.is_object() || target.is_array() {
                err = Some(build_err!(
                    "delimiter option can only be used with scalar nodes"
                ));
                return;
            }
            let cur = text(target);
            let mut parts: Vec<String> = cur.split(d).map(str::to_string).collect();
            let nv = text(&v);
            if index < 0 {
                parts.insert(0, nv);
            } else if index as usize >= parts.len() {
                parts.push(nv);
            } else {
                parts[index as usize] = nv;
            }
            v = Value::String(parts.join(d));
        }
        *target = match (&*target, &v) {
            (_, Value::Object(_) | Value::Array(_)) => v,
            (Value::Object(_) | Value::Array(_), _) => v,
            _ if created => infer(&text(&v)),
            (old, _) => retag(old, &text(&v)),
        };
    });
    if let Some(e) = err {
        return Err(e);
    }
    if n == 0 {
        return Err(if create {
            build_err!("unable to find or create field \"{path}\" in replacement target")
        } else {
            build_err!("unable to find field \"{path}\" in replacement target")
        });
    }
    Ok(())
}

fn steps_text(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Field(f) => f.clone(),
            Step::Index(i) => i.to_string(),
            Step::Match(k, v) => format!("[{k}={v}]"),
            Step::Wildcard => "*".into(),
        })
        .collect::<Vec<_>>()
        .join(".")
}
