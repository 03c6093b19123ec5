//! `spec.secretRef` and `spec.proxySecretRef` → [`AuthOptions`] (Flux's
//! `git.NewAuthOptions`): username/password, bearerToken, identity + known_hosts,
//! `ca.crt`, `tls.crt`/`tls.key`, and the proxy's address/username/password.
//! Secret values never reach a message or a log line.

use std::collections::BTreeMap;

use flux_api::constants::{AUTHENTICATION_FAILED_REASON, FETCH_FAILED_CONDITION};
use flux_api::source::GitRepository;
use flux_git::{AuthOptions, ProxyOptions};
use flux_runtime::reconcile::ReconcileError;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, ResourceExt};

use super::decide;

/// Reads a Secret's data (and stringData, which only exists before the apiserver
/// converts it) as bytes. A missing Secret is an error naming it.
pub async fn secret_data(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let secret = api.get(name).await.map_err(|e| {
        format!(
            "failed to get secret '{namespace}/{name}': {}",
            kube_message(&e)
        )
    })?;
    let mut data: BTreeMap<String, Vec<u8>> = secret
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    for (k, v) in secret.string_data.unwrap_or_default() {
        data.entry(k).or_insert_with(|| v.into_bytes());
    }
    Ok(data)
}

/// The apiserver's message for an API error, e.g. `secrets "creds" not found`.
fn kube_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

fn auth_failed(message: String) -> ReconcileError {
    ReconcileError::transient(AUTHENTICATION_FAILED_REASON, message)
        .with_condition(FETCH_FAILED_CONDITION)
}

/// The auth options for fetching `obj`: from its `secretRef` and `proxySecretRef`, or
/// empty. A missing Secret or incomplete data is `AuthenticationFailed` and retried, so
/// fixing the Secret heals the object without a restart.
pub async fn auth_options(
    client: &kube::Client,
    obj: &GitRepository,
) -> Result<AuthOptions, ReconcileError> {
    let namespace = obj.namespace().unwrap_or_default();
    let mut auth = match &obj.spec.secret_ref {
        Some(r) => {
            let data = secret_data(client, &namespace, &r.name)
                .await
                .map_err(auth_failed)?;
            AuthOptions::from_secret(&obj.spec.url, &data).map_err(|e| {
                if e.is_stalling() {
                    decide::git_error(&e, "invalid URL")
                } else {
                    auth_failed(format!(
                        "failed to configure authentication options from secret '{namespace}/{}': {e}",
                        r.name
                    ))
                }
            })?
        }
        None => AuthOptions::default(),
    };
    if let Some(r) = &obj.spec.proxy_secret_ref {
        let data = secret_data(client, &namespace, &r.name)
            .await
            .map_err(auth_failed)?;
        auth.proxy = Some(proxy_options(&data).map_err(|e| {
            auth_failed(format!(
                "failed to configure proxy options from secret '{namespace}/{}': {e}",
                r.name
            ))
        })?);
    }
    Ok(auth)
}

/// The proxy from a `proxySecretRef` Secret: `address` is required.
pub fn proxy_options(data: &BTreeMap<String, Vec<u8>>) -> Result<ProxyOptions, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        data.get(key)
            .filter(|v| !v.is_empty())
            .map(|v| {
                String::from_utf8(v.clone())
                    .map(|s| s.trim().to_string())
                    .map_err(|_| format!("key '{key}' is not UTF-8"))
            })
            .transpose()
    };
    let address = text("address")?.ok_or("key 'address' is missing")?;
    Ok(ProxyOptions {
        address,
        username: text("username")?,
        password: text("password")?,
    })
}
