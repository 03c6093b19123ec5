//! Flux's post-build variable substitution (`${var}`, `${var:=default}`, `$${var}` escapes),
//! skipped for objects annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`.
//!
//! Like kustomize-controller, each object is substituted as YAML text and parsed back, so
//! `replicas: ${count}` becomes a number, not the string "3".

use std::collections::BTreeMap;

use flux_api::constants::SUBSTITUTE_ANNOTATION;
use serde_json::Value;

use crate::error::{Result, usage};

/// Substitutes variables in `obj`'s YAML, unless disabled by annotation; returns the object.
pub fn substitute_object(
    obj: Value,
    vars: &BTreeMap<String, String>,
    strict: bool,
) -> Result<Value> {
    let disabled = obj["metadata"]["annotations"][SUBSTITUTE_ANNOTATION]
        .as_str()
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled"));
    if disabled {
        return Ok(obj);
    }
    let subject = crate::apply::subject(&obj);
    let yaml = flux_kustomize::to_yaml_stream(std::slice::from_ref(&obj));
    let out = substitute(&yaml, vars, strict)
        .map_err(|e| usage(format!("post build failed for '{subject}': {e}")))?;
    let mut docs = flux_kustomize::parse_documents(&out, &subject).map_err(|e| {
        usage(format!(
            "post build failed for '{subject}': the substituted YAML is invalid: {e}"
        ))
    })?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(usage(format!(
            "post build failed for '{subject}': substitution produced {n} documents"
        ))),
    }
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
    fn substituted_numbers_stay_numbers() {
        let mut vars = BTreeMap::new();
        vars.insert("count".to_string(), "3".to_string());
        let obj = serde_json::json!({"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": "${count}"}});
        let out = substitute_object(obj, &vars, false).unwrap();
        assert_eq!(out["spec"]["replicas"], 3);
        let off = serde_json::json!({"metadata": {"name": "a", "annotations": {SUBSTITUTE_ANNOTATION: "disabled"}}, "x": "${count}"});
        assert_eq!(substitute_object(off.clone(), &vars, false).unwrap(), off);
    }

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
