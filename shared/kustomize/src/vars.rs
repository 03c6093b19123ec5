//! The legacy `vars`: `$(NAME)` in the var-reference fields is replaced by a
//! field of another object, after all names are final.

use crate::error::{Result, build_err};
use crate::fieldpath;
use crate::fieldspec::{self, FieldSpec};
use crate::resource::{Gvk, Resource};
use serde_json::Value;
use std::collections::HashMap;

fn objref_selector(var: &Value) -> (Gvk, String, String) {
    let objref = var.get("objref").cloned().unwrap_or(Value::Null);
    let s = |k: &str| {
        objref
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let api = s("apiVersion");
    let mut g = Gvk::from_api_version(&api, &s("kind"));
    if api.is_empty() {
        g.group = s("group");
        g.version = s("version");
    }
    (g, s("name"), s("namespace"))
}

/// Marks the resource a var's objref selects, in the kustomization that declares
/// the var (so later prefixes or other bases cannot make it ambiguous).
pub fn attach(resources: &mut [Resource], var: &Value) -> Result<()> {
    let name = var
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return Err(build_err!("vars: a var needs a name"));
    }
    let (sel, oname, ons) = objref_selector(var);
    let matched: Vec<usize> = (0..resources.len())
        .filter(|&i| {
            resources[i].all_ids().iter().any(|id| {
                id.gvk.is_selected_by(&sel)
                    && id.name == oname
                    && (ons.is_empty()
                        || id.effective_namespace()
                            == crate::resource::ResId {
                                gvk: id.gvk.clone(),
                                name: String::new(),
                                namespace: ons.clone(),
                            }
                            .effective_namespace())
            })
        })
        .collect();
    match matched.as_slice() {
        [i] => resources[*i].ref_var_names.push(name),
        [] => {}
        _ => {
            return Err(build_err!(
                "found {} resId matches for var '{name}' (unable to disambiguate)",
                matched.len()
            ));
        }
    }
    Ok(())
}

fn var_value(var: &Value, resources: &[Resource]) -> Result<(String, Value)> {
    let name = var
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let r = resources
        .iter()
        .find(|r| r.ref_var_names.contains(&name))
        .ok_or_else(|| {
            build_err!("var '{name}' cannot be mapped to a field in the set of known resources")
        })?;
    let path = var
        .get("fieldref")
        .and_then(|f| f.get("fieldpath"))
        .and_then(Value::as_str)
        .unwrap_or("metadata.name");
    let steps = fieldpath::parse(path);
    let found = fieldpath::get(&r.obj, &steps);
    let v = found
        .first()
        .map(|v| (*v).clone())
        .ok_or_else(|| build_err!("var '{name}': field '{path}' not found in {}", r.cur_id()))?;
    Ok((name, v))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Expands `$(NAME)` references in a string (kubectl's expansion rules: `$$` escapes).
fn expand(s: &str, vals: &HashMap<String, Value>) -> Value {
    if let Some(name) = s.strip_prefix("$(").and_then(|x| x.strip_suffix(')'))
        && let Some(v) = vals.get(name)
    {
        return v.clone();
    }
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            if b[i + 1] == b'$' {
                out.push('$');
                i += 2;
                continue;
            }
            if b[i + 1] == b'('
                && let Some(end) = s[i + 2..].find(')')
            {
                let name = &s[i + 2..i + 2 + end];
                if let Some(v) = vals.get(name) {
                    out.push_str(&text(v));
                    i += end + 3;
                    continue;
                }
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    Value::String(out)
}

fn substitute(v: &mut Value, vals: &HashMap<String, Value>) {
    match v {
        Value::String(s) if s.contains('$') => *v = expand(s, vals),
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, vals)),
        Value::Object(m) => m.values_mut().for_each(|x| substitute(x, vals)),
        _ => {}
    }
}

/// Resolves all vars in the var-reference fields.
pub fn resolve(resources: &mut [Resource], vars: &[Value], specs: &[FieldSpec]) -> Result<()> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut vals = HashMap::new();
    for var in vars {
        let (name, v) = var_value(var, resources)?;
        vals.insert(name, v);
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for fs in specs {
            let fs = FieldSpec {
                create: false,
                ..fs.clone()
            };
            fieldspec::apply(&mut r.obj, &fs, &gvk, &mut |v| {
                substitute(v, &vals);
                Ok(())
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expands_and_escapes() {
        let mut vals = HashMap::new();
        vals.insert("A".to_string(), json!("x"));
        vals.insert("P".to_string(), json!(80));
        assert_eq!(expand("a-$(A)-$$(A)-$(B)", &vals), json!("a-x-$(A)-$(B)"));
        assert_eq!(expand("$(P)", &vals), json!(80));
    }
}
