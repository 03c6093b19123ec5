//! Post-build substitution: variables from `substituteFrom` ConfigMaps and Secrets (in
//! order, later ones win) and then `substitute`, applied to each object's YAML unless it
//! is annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`.

use std::collections::BTreeMap;

use flux_api::constants::{BUILD_FAILED_REASON, DISABLED_VALUE, SUBSTITUTE_ANNOTATION};
use flux_api::kustomize::kustomization::{PostBuild, SUBSTITUTE_STRATEGY_ALWAYS};
use flux_runtime::reconcile::ReconcileError;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Api;
use serde_json::Value;

use super::envsubst;
use crate::Error;

/// The variables of `postBuild`, read from the cluster.
pub async fn variables(
    client: &kube::Client,
    ns: &str,
    post_build: &PostBuild,
) -> Result<BTreeMap<String, String>, ReconcileError> {
    let mut vars = BTreeMap::new();
    let fail = |m: String| ReconcileError::transient(BUILD_FAILED_REASON, m);
    for r in &post_build.substitute_from {
        let data: Option<BTreeMap<String, String>> = match r.kind.as_str() {
            "ConfigMap" => Api::<ConfigMap>::namespaced(client.clone(), ns)
                .get_opt(&r.name)
                .await
                .map_err(|e| {
                    fail(format!(
                        "substitute from 'ConfigMap/{ns}/{}' error: {e}",
                        r.name
                    ))
                })?
                .map(|cm| cm.data.unwrap_or_default()),
            "Secret" => Api::<Secret>::namespaced(client.clone(), ns)
                .get_opt(&r.name)
                .await
                .map_err(|e| {
                    fail(format!(
                        "substitute from 'Secret/{ns}/{}' error: {e}",
                        r.name
                    ))
                })?
                .map(|s| {
                    s.data
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned()))
                        .collect()
                }),
            other => {
                return Err(ReconcileError::stalling(
                    BUILD_FAILED_REASON,
                    format!(
                        "substituteFrom kind '{other}' is not supported, use ConfigMap or Secret"
                    ),
                ));
            }
        };
        match data {
            Some(d) => vars.extend(d),
            None if r.optional => {}
            None => {
                return Err(fail(format!(
                    "substitute from '{}/{ns}/{}' error: {} \"{}\" not found",
                    r.kind,
                    r.name,
                    r.kind.to_lowercase(),
                    r.name
                )));
            }
        }
    }
    vars.extend(post_build.substitute.clone());
    for v in vars.values_mut() {
        // Flux strips newlines so that values cannot break the YAML structure.
        v.retain(|c| c != '\n' && c != '\r');
    }
    if let Some(bad) = vars.keys().find(|k| !valid_name(k)) {
        return Err(ReconcileError::stalling(
            BUILD_FAILED_REASON,
            format!(
                "'{bad}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'"
            ),
        ));
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

/// Substitutes `vars` into each object; objects that opted out are left as they are.
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
        .map(|obj| {
            let disabled = obj
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(SUBSTITUTE_ANNOTATION))
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(DISABLED_VALUE));
            if disabled {
                return Ok(obj);
            }
            let subject = flux_ssa::object::subject(&obj);
            let yaml = flux_kustomize::to_yaml_stream(std::slice::from_ref(&obj));
            let out = envsubst::substitute(&yaml, vars, strict).map_err(|e| {
                Error::Substitute(format!("post build failed for '{subject}': {e}"))
            })?;
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
        })
        .collect()
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
    fn var_names() {
        assert!(valid_name("_a1") && valid_name("PODS"));
        assert!(!valid_name("1a") && !valid_name("a-b") && !valid_name(""));
    }
}
