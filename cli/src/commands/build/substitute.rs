//! Flux's post-build variable substitution (`${var}`, `${var:=default}`, `$${var}` escapes),
//! skipped for objects annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`.

use std::collections::BTreeMap;

use flux_api::constants::SUBSTITUTE_ANNOTATION;
use serde_json::Value;

use crate::error::{Result, usage};

/// Substitutes variables in every string of `obj` (keys and values), unless disabled.
pub fn substitute_object(
    obj: &mut Value,
    vars: &BTreeMap<String, String>,
    strict: bool,
) -> Result<()> {
    if obj["metadata"]["annotations"][SUBSTITUTE_ANNOTATION].as_str() == Some("disabled") {
        return Ok(());
    }
    walk(obj, vars, strict)
}

fn walk(v: &mut Value, vars: &BTreeMap<String, String>, strict: bool) -> Result<()> {
    match v {
        Value::String(s) => *s = substitute(s, vars, strict)?,
        Value::Array(a) => {
            for x in a {
                walk(x, vars, strict)?;
            }
        }
        Value::Object(m) => {
            for (_, x) in m.iter_mut() {
                walk(x, vars, strict)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Substitutes `${name}` and `${name:=default}` in `s`; `$$` escapes a `$`.
pub fn substitute(s: &str, vars: &BTreeMap<String, String>, strict: bool) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{')
            && let Some(end) = body.find('}')
        {
            let expr = &body[..end];
            let (name, default) = match expr.split_once(":=") {
                Some((n, d)) => (n, Some(d)),
                None => match expr.split_once(":-") {
                    Some((n, d)) => (n, Some(d)),
                    None => (expr, None),
                },
            };
            let valid =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                out.push_str(&rest[pos..pos + 2 + end + 1]);
            } else {
                match (vars.get(name), default) {
                    (Some(v), _) => out.push_str(v),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) if strict => {
                        return Err(usage(format!("variable not set (strict mode): \"{name}\"")));
                    }
                    (None, None) => {}
                }
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_defaults_and_escapes() {
        let mut vars = BTreeMap::new();
        vars.insert("cluster_env".to_string(), "prod".to_string());
        assert_eq!(
            substitute("env: ${cluster_env}", &vars, false).unwrap(),
            "env: prod"
        );
        assert_eq!(substitute("${region:=eu}", &vars, false).unwrap(), "eu");
        assert_eq!(
            substitute("$${cluster_env}", &vars, false).unwrap(),
            "${cluster_env}"
        );
        assert_eq!(substitute("${missing}", &vars, false).unwrap(), "");
        assert!(substitute("${missing}", &vars, true).is_err());
        assert_eq!(substitute("cost $5", &vars, false).unwrap(), "cost $5");
    }
}
