//! Strategic merge patch with kustomize's semantics: maps merge, `null`
//! deletes, associative lists merge by key, other lists are replaced;
//! `$patch: delete|replace|merge` directives on maps and list elements.

use super::merge_keys::merge_key;
use serde_json::{Map, Value};

/// Outcome of merging into a node.
#[derive(Debug, PartialEq, Eq)]
pub enum Merged {
    /// The node stays (possibly changed).
    Keep,
    /// The node is to be deleted (`$patch: delete`).
    Delete,
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

fn is_directive_key(k: &str) -> bool {
    k == "$patch"
        || k == "$retainKeys"
        || k.starts_with("$setElementOrder/")
        || k.starts_with("$deleteFromPrimitiveList/")
}

/// A patch value with directives and null fields removed, as inserted where
/// the destination had nothing.
pub fn clean(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| !is_directive_key(k) && !v.is_null())
                .map(|(k, v)| (k.clone(), clean(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|x| directive(x) != Some("delete"))
                .map(clean)
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Merges `patch` into `dest` (an object of `kind`).
pub fn merge(dest: &mut Value, patch: &Value) -> Merged {
    let kind = dest
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    merge_at(
        dest,
        patch,
        &Ctx {
            kind: &kind,
            path: String::new(),
        },
    )
}

struct Ctx<'a> {
    kind: &'a str,
    path: String,
}

impl Ctx<'_> {
    fn child(&self, key: &str) -> Ctx<'_> {
        Ctx {
            kind: self.kind,
            path: if self.path.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", self.path)
            },
        }
    }
}

fn merge_at(dest: &mut Value, patch: &Value, ctx: &Ctx<'_>) -> Merged {
    match patch {
        Value::Object(pm) => {
            match directive(patch) {
                Some("delete") => return Merged::Delete,
                Some("replace") => {
                    *dest = clean(patch);
                    return Merged::Keep;
                }
                _ => {}
            }
            if !dest.is_object() {
                *dest = Value::Object(Map::new());
            }
            if let Value::Object(dm) = dest {
                merge_map(dm, pm, ctx);
            }
            Merged::Keep
        }
        Value::Array(pa) => {
            match dest {
                Value::Array(da) => merge_list(da, pa, ctx),
                other => *other = clean(patch),
            }
            Merged::Keep
        }
        other => {
            *dest = other.clone();
            Merged::Keep
        }
    }
}

fn merge_map(dm: &mut Map<String, Value>, pm: &Map<String, Value>, ctx: &Ctx<'_>) {
    if let Some(Value::Array(retain)) = pm.get("$retainKeys") {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        dm.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (k, pv) in pm {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(del)) = (dm.get_mut(field), pv) {
                list.retain(|x| !del.contains(x));
            }
            continue;
        }
        if is_directive_key(k) {
            continue;
        }
        if pv.is_null() {
            dm.shift_remove(k);
            continue;
        }
        match dm.get_mut(k) {
            Some(dv) if !dv.is_null() => {
                if merge_at(dv, pv, &ctx.child(k)) == Merged::Delete {
                    dm.shift_remove(k);
                }
            }
            _ => {
                if directive(pv) == Some("delete") {
                    dm.shift_remove(k);
                    continue;
                }
                dm.insert(k.clone(), clean(pv));
            }
        }
    }
}

fn merge_list(da: &mut Vec<Value>, pa: &[Value], ctx: &Ctx<'_>) {
    if pa
        .iter()
        .any(|v| directive(v) == Some("replace") && v.as_object().is_some_and(|m| m.len() == 1))
    {
        *da = pa
            .iter()
            .filter(|v| directive(v) != Some("replace"))
            .map(clean)
            .collect();
        return;
    }
    let all_maps = pa.iter().all(Value::is_object) && da.iter().all(Value::is_object);
    if !all_maps {
        *da = pa.iter().map(clean).collect();
        return;
    }
    if let Some(keys) = schema_keys(ctx.kind, &ctx.path) {
        merge_multi_key(da, pa, keys, ctx);
        return;
    }
    let Some(key) = merge_key(pa, da) else {
        *da = pa.iter().map(clean).collect();
        return;
    };
    // kyaml merges with "prepend": the patch's elements come first, in patch
    // order (merged with their destination counterparts), then the
    // destination's remaining elements in their order.
    let mut out = Vec::new();
    let mut used = vec![false; da.len()];
    for pe in pa {
        let Some(kv) = pe.get(key) else {
            out.push(clean(pe));
            continue;
        };
        if out.iter().any(|o: &Value| o.get(key) == Some(kv)) {
            continue;
        }
        let found = (0..da.len()).find(|&i| !used[i] && da[i].get(key) == Some(kv));
        match found {
            Some(i) => {
                used[i] = true;
                match directive(pe) {
                    Some("delete") => {}
                    Some("replace") => out.push(clean(pe)),
                    _ => {
                        let mut d = da[i].clone();
                        if merge_at(&mut d, pe, ctx) == Merged::Keep {
                            out.push(d);
                        }
                    }
                }
            }
            None => {
                if directive(pe) != Some("delete") {
                    out.push(clean(pe));
                }
            }
        }
    }
    for (i, d) in da.iter().enumerate() {
        if !used[i] {
            out.push(d.clone());
        }
    }
    *da = out;
}

/// List-map keys the Kubernetes schema gives lists that kyaml merges by
/// several keys (these keep the destination order and append new elements).
fn schema_keys(kind: &str, path: &str) -> Option<&'static [&'static str]> {
    match (kind, path) {
        ("Service", "spec.ports") => Some(&["port", "protocol"]),
        _ => None,
    }
}

fn keys_match(a: &Value, b: &Value, keys: &[&str]) -> bool {
    let primary = keys[0];
    if a.get(primary).is_none() || a.get(primary) != b.get(primary) {
        return false;
    }
    keys[1..].iter().all(|k| match (a.get(*k), b.get(*k)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    })
}

fn merge_multi_key(da: &mut Vec<Value>, pa: &[Value], keys: &[&str], ctx: &Ctx<'_>) {
    for pe in pa {
        match da.iter().position(|d| keys_match(d, pe, keys)) {
            Some(i) => match directive(pe) {
                Some("delete") => {
                    da.remove(i);
                }
                Some("replace") => da[i] = clean(pe),
                _ => {
                    if merge_at(&mut da[i], pe, ctx) == Merged::Delete {
                        da.remove(i);
                    }
                }
            },
            None => {
                if directive(pe) != Some("delete") {
                    da.push(clean(pe));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_containers_by_name_and_deletes() {
        let mut d = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b"}], "keep": 1, "drop": 2}});
        let p = json!({"spec": {"containers": [{"name": "a", "image": "y"}, {"name": "b", "$patch": "delete"}, {"name": "c"}], "drop": null}});
        assert_eq!(merge(&mut d, &p), Merged::Keep);
        assert_eq!(
            d,
            json!({"spec": {"containers": [{"name": "a", "image": "y"}, {"name": "c"}], "keep": 1}})
        );
        assert_eq!(merge(&mut d, &json!({"$patch": "delete"})), Merged::Delete);
    }

    #[test]
    fn replaces_scalar_lists_and_replace_directive() {
        let mut d = json!({"args": ["a", "b"], "m": {"x": 1, "y": 2}});
        merge(
            &mut d,
            &json!({"args": ["c"], "m": {"$patch": "replace", "z": 3}}),
        );
        assert_eq!(d, json!({"args": ["c"], "m": {"z": 3}}));
    }
}
