//! `spec.serviceAccountName` with the generic provider: registry credentials from the
//! ServiceAccount's `imagePullSecrets`, as Flux does when no `secretRef` is given. The
//! first pull secret with an entry for the registry wins; secrets without a
//! `.dockerconfigjson` are skipped.

use flux_api::constants::{AUTHENTICATION_FAILED_REASON, FETCH_FAILED_CONDITION};
use flux_runtime::reconcile::ReconcileError;
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::Api;

use crate::artifact_steps::secret;

fn auth_failed(message: String) -> ReconcileError {
    ReconcileError::transient(AUTHENTICATION_FAILED_REASON, message)
        .with_condition(FETCH_FAILED_CONDITION)
}

/// Credentials for `registry` from the pull secrets of ServiceAccount `name`.
pub async fn service_account_credentials(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    registry: &str,
) -> Result<Option<(String, String)>, ReconcileError> {
    let sa = Api::<ServiceAccount>::namespaced(client.clone(), namespace)
        .get(name)
        .await
        .map_err(|e| {
            let why = match e {
                kube::Error::Api(status) => status.message,
                other => other.to_string(),
            };
            auth_failed(format!(
                "failed to get service account '{namespace}/{name}': {why}"
            ))
        })?;
    for r in sa.image_pull_secrets.unwrap_or_default() {
        let data = secret(client, namespace, &r.name).await.map_err(|e| {
            auth_failed(format!(
                "image pull secret of service account '{name}': {e}"
            ))
        })?;
        let Some(json) = data.get(".dockerconfigjson") else {
            continue;
        };
        let found = flux_oci::auth::from_docker_config(json, registry).map_err(|e| {
            auth_failed(format!(
                "image pull secret '{namespace}/{}' of service account '{name}': {e}",
                r.name
            ))
        })?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}
