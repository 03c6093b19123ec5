//! Post-build substitution variables from `substituteFrom` ConfigMaps and Secrets (in
//! order, later ones win) and then `substitute`; the substitution itself is
//! [`flux_kustomization::substitute::apply`].

use std::collections::BTreeMap;

use flux_api::constants::BUILD_FAILED_REASON;
use flux_api::kustomize::kustomization::PostBuild;
use flux_runtime::reconcile::ReconcileError;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Api;

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
    flux_kustomization::substitute::normalize(vars)
        .map_err(|e| ReconcileError::stalling(BUILD_FAILED_REASON, e.to_string()))
}
