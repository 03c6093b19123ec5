//! Helm repository credentials from `secretRef` (`username`/`password`, legacy
//! `certFile`/`keyFile`/`caFile`) and `certSecretRef` (`tls.crt`/`tls.key`/`ca.crt`).

use std::collections::BTreeMap;

use flux_api::constants::{AUTHENTICATION_FAILED_REASON, FETCH_FAILED_CONDITION};
use flux_api::source::HelmRepository;
use flux_helmrepo::ClientOptions;
use flux_runtime::reconcile::ReconcileError;
use kube::ResourceExt;

use crate::artifact_steps::{secret, timeout};

fn auth_failed(message: String) -> ReconcileError {
    ReconcileError::transient(AUTHENTICATION_FAILED_REASON, message)
        .with_condition(FETCH_FAILED_CONDITION)
}

fn text(data: &BTreeMap<String, Vec<u8>>, key: &str) -> Option<String> {
    data.get(key)
        .map(|v| String::from_utf8_lossy(v).trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The client options for `repo`; a missing Secret or half a key pair is
/// `AuthenticationFailed` (retried, so fixing the Secret heals the object).
pub async fn client_options(
    client: &kube::Client,
    repo: &HelmRepository,
) -> Result<ClientOptions, ReconcileError> {
    let ns = repo.namespace().unwrap_or_default();
    let mut opts = ClientOptions {
        pass_credentials: repo.spec.pass_credentials,
        timeout: Some(timeout(repo.spec.timeout.as_deref())),
        ..Default::default()
    };
    if let Some(r) = &repo.spec.secret_ref {
        let data = secret(client, &ns, &r.name).await.map_err(auth_failed)?;
        opts.username = text(&data, "username");
        opts.password = text(&data, "password");
        if opts.username.is_some() != opts.password.is_some() {
            return Err(auth_failed(format!(
                "secret '{ns}/{}': 'username' and 'password' must be given together",
                r.name
            )));
        }
        opts.cert_pem = data.get("certFile").cloned();
        opts.key_pem = data.get("keyFile").cloned();
        opts.ca_pem = data.get("caFile").cloned();
    }
    if let Some(r) = &repo.spec.cert_secret_ref {
        let data = secret(client, &ns, &r.name).await.map_err(auth_failed)?;
        opts.cert_pem = data.get("tls.crt").cloned().or(opts.cert_pem);
        opts.key_pem = data.get("tls.key").cloned().or(opts.key_pem);
        opts.ca_pem = data.get("ca.crt").cloned().or(opts.ca_pem);
    }
    Ok(opts)
}
