//! Post-build substitution: Flux's envsubst dialect applied to each object's YAML unless the
//! object is annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`. Substituting the
//! YAML text and parsing it back keeps `replicas: ${count}` a number, as in Flux.

use std::collections::BTreeMap;

use flux_api::constants::{DISABLED_VALUE, SUBSTITUTE_ANNOTATION};
use flux_api::kustomize::kustomization::{PostBuild, SUBSTITUTE_STRATEGY_ALWAYS};
use serde_json::Value;

use crate::{Error, envsubst, subject};

/// Makes the gathered variables usable: newlines are stripped (Flux does it so values cannot
/// break the YAML structure) and every name must be a shell variable name.
pub fn normalize(mut vars: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, Error> {
    for v in vars.values_mut() {
        v.retain(|c| c != '\n' && c != '\r');
    }
    if let Some(bad) = vars.keys().find(|k| !valid_name(k)) {
        return Err(Error::Substitute(format!(
            "'{bad}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'"
        )));
    }
    Ok(vars)
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Substitutes `vars` into each object; objects that opted out are left as they are. With no
/// variables nothing is substituted unless `substituteStrategy` is `Always`.
pub fn apply(
    objects: Vec<Value>,
    vars: &BTreeMap<String, String>,
    post_build: &PostBuild,
    strict: bool,
) -> Result<Vec<Value>, Error> {
    let always = post_build.substitute_strategy.as_deref() == Some(SUBSTITUTE_STRATEGY_ALWAYS);
    if vars.is_empty() && !always {
        return Ok(objects);
    }
    objects
        .into_iter()
        .map(|obj| substitute_object(obj, vars, strict))
        .collect()
}

fn substitute_object(
    obj: Value,
    vars: &BTreeMap<String, String>,
    strict: bool,
) -> Result<Value, Error> {
    let disabled = obj
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(SUBSTITUTE_ANNOTATION))
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case(DISABLED_VALUE));
    if disabled {
        return Ok(obj);
    }
    let subject = subject(&obj);
    let yaml = flux_kustomize::to_yaml_stream(std::slice::from_ref(&obj));
    let out = envsubst::substitute(&yaml, vars, strict)
        .map_err(|e| Error::Substitute(format!("post build failed for '{subject}': {e}")))?;
    let mut docs = flux_kustomize::parse_documents(&out, &subject).map_err(|e| {
        Error::Substitute(format!(
            "post build failed for '{subject}': the substituted YAML is invalid: {e}"
        ))
    })?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(Error::Substitute(format!(
            "post build failed for '{subject}': substitution produced {n} documents"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitutes_yaml_so_numbers_stay_numbers() {
        let objects = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app-${ENV}"},
                "spec": {"replicas": "${PODS:=0}"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "raw", "annotations": {SUBSTITUTE_ANNOTATION: "disabled"}},
                "data": {"k": "${ENV}"}}),
        ];
        let vars: BTreeMap<String, String> = [("ENV".to_string(), "prod".to_string())].into();
        let out = apply(objects, &vars, &PostBuild::default(), true).unwrap();
        assert_eq!(out[0]["metadata"]["name"], "app-prod");
        assert_eq!(out[0]["spec"]["replicas"], 0);
        assert_eq!(out[1]["data"]["k"], "${ENV}");
    }

    #[test]
    fn strict_mode_names_the_object() {
        let objects = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "apps"}, "data": {"k": "${NOPE}"}})];
        let vars: BTreeMap<String, String> = [("X".to_string(), "1".to_string())].into();
        let err = apply(objects, &vars, &PostBuild::default(), true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "post build failed for 'ConfigMap/apps/c': variable not set (strict mode): \"NOPE\""
        );
    }

    #[test]
    fn no_variables_leaves_objects_alone_unless_strategy_always() {
        let objects = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c"}, "data": {"k": "${X:=d}"}})];
        let none = BTreeMap::new();
        let out = apply(objects.clone(), &none, &PostBuild::default(), false).unwrap();
        assert_eq!(out[0]["data"]["k"], "${X:=d}");
        let always = PostBuild {
            substitute_strategy: Some(SUBSTITUTE_STRATEGY_ALWAYS.to_string()),
            ..PostBuild::default()
        };
        let out = apply(objects, &none, &always, false).unwrap();
        assert_eq!(out[0]["data"]["k"], "d");
    }

    #[test]
    fn normalize_strips_newlines_and_checks_names() {
        let vars: BTreeMap<String, String> = [("A_1".to_string(), "x\ny\r".to_string())].into();
        assert_eq!(normalize(vars).unwrap()["A_1"], "xy");
        assert!(valid_name("_a1") && valid_name("PODS"));
        assert!(!valid_name("1a") && !valid_name("a-b") && !valid_name(""));
        let bad: BTreeMap<String, String> = [("a-b".to_string(), String::new())].into();
        assert!(
            normalize(bad)
                .unwrap_err()
                .to_string()
                .contains("'a-b' var name is invalid")
        );
    }
}
