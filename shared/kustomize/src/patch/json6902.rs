//! JSON Patch (RFC 6902) on `serde_json::Value`.

use crate::error::{Result, build_err};
use serde_json::Value;

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn tokens(path: &str) -> Result<Vec<String>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(build_err!(
            "invalid JSON pointer '{path}': must start with '/'"
        ));
    };
    Ok(rest.split('/').map(unescape).collect())
}

/// An array index as evanphx/json-patch v4 reads it (negative counts from the end).
fn index(t: &str, len: usize, path: &str) -> Result<usize> {
    let i: i64 = t
        .parse()
        .map_err(|_| build_err!("path '{path}': '{t}' is not an array index"))?;
    let i = if i < 0 { i + len as i64 } else { i };
    if i < 0 || i as usize >= len {
        return Err(build_err!("path '{path}': index {t} out of range ({len})"));
    }
    Ok(i as usize)
}

fn get_mut<'a>(v: &'a mut Value, toks: &[String], path: &str) -> Result<&'a mut Value> {
    let mut cur = v;
    for t in toks {
        cur = match cur {
            Value::Object(m) => m
                .get_mut(t)
                .ok_or_else(|| build_err!("path '{path}' not found: no key '{t}'"))?,
            Value::Array(a) => {
                let i = index(t, a.len(), path)?;
                &mut a[i]
            }
            _ => return Err(build_err!("path '{path}' not found")),
        };
    }
    Ok(cur)
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<()> {
    let toks = tokens(path)?;
    let Some((last, parent)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match get_mut(doc, parent, path)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
            } else {
                let i: i64 = last
                    .parse()
                    .map_err(|_| build_err!("path '{path}': '{last}' is not an array index"))?;
                let i = if i < 0 { i + a.len() as i64 } else { i };
                if i < 0 || i as usize > a.len() {
                    return Err(build_err!("path '{path}': index {last} out of range"));
                }
                a.insert(i as usize, value);
            }
        }
        _ => return Err(build_err!("path '{path}': parent is not a container")),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value> {
    let toks = tokens(path)?;
    let Some((last, parent)) = toks.split_last() else {
        return Err(build_err!("cannot remove the whole document"));
    };
    match get_mut(doc, parent, path)? {
        Value::Object(m) => m
            .shift_remove(last)
            .ok_or_else(|| build_err!("path '{path}' not found for remove")),
        Value::Array(a) => {
            let i = index(last, a.len(), path)?;
            Ok(a.remove(i))
        }
        _ => Err(build_err!("path '{path}' not found for remove")),
    }
}

/// Applies a list of operations to `doc`.
pub fn apply(doc: &mut Value, ops: &Value) -> Result<()> {
    let Some(ops) = ops.as_array() else {
        return Err(build_err!("a JSON 6902 patch must be a list of operations"));
    };
    for op in ops {
        let name = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| build_err!("operation '{name}' on '{path}' needs a value"))
        };
        let from = || {
            op.get("from")
                .and_then(Value::as_str)
                .ok_or_else(|| build_err!("operation '{name}' on '{path}' needs 'from'"))
        };
        match name {
            "add" => add(doc, path, value()?)?,
            "remove" => {
                remove(doc, path)?;
            }
            "replace" => {
                let v = value()?;
                let toks = tokens(path)?;
                match toks.split_last() {
                    None => *doc = v,
                    // evanphx/json-patch v4 (kustomize's) replaces a missing object key by adding it.
                    Some((last, parent)) => match get_mut(doc, parent, path)? {
                        Value::Object(m) => {
                            m.insert(last.clone(), v);
                        }
                        Value::Array(a) => {
                            let i = index(last, a.len(), path)?;
                            a[i] = v;
                        }
                        _ => {
                            return Err(build_err!(
                                "replace operation does not apply: doc is missing path: {path}"
                            ));
                        }
                    },
                }
            }
            "move" => {
                let v = remove(doc, from()?)?;
                add(doc, path, v)?;
            }
            "copy" => {
                let f = from()?;
                let toks = tokens(f)?;
                let v = get_mut(doc, &toks, f)?.clone();
                add(doc, path, v)?;
            }
            "test" => {
                let toks = tokens(path)?;
                let v = value()?;
                if *get_mut(doc, &toks, path)? != v {
                    return Err(build_err!("test operation failed at '{path}'"));
                }
            }
            other => return Err(build_err!("unknown JSON 6902 operation '{other}'")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_operations() {
        let mut d = json!({"a": [1, 2], "b": {"c": 1}});
        apply(
            &mut d,
            &json!([
                {"op": "add", "path": "/a/-", "value": 3},
                {"op": "replace", "path": "/b/c", "value": 2},
                {"op": "move", "from": "/b", "path": "/d"},
                {"op": "remove", "path": "/a/0"}
            ]),
        )
        .unwrap();
        assert_eq!(d, json!({"a": [2, 3], "d": {"c": 2}}));
        assert!(apply(&mut d, &json!([{"op": "remove", "path": "/zz"}])).is_err());
    }
}
