//! Registry options and cosign verification, shared with HelmChart's OCI charts.

use std::collections::BTreeMap;

use flux_api::constants::{
    AUTHENTICATION_FAILED_REASON, CONDITION_FALSE, CONDITION_TRUE, FETCH_FAILED_CONDITION,
    SOURCE_VERIFIED_CONDITION, SUCCEEDED_REASON, VERIFICATION_ERROR_REASON,
};
use flux_api::meta::LocalObjectReference;
use flux_api::source::ocirepository::{OCIRepositoryVerification, VERIFY_PROVIDER_COSIGN};
use flux_oci::{ClientOptions, OciClient};
use flux_runtime::reconcile::{FluxObject, ReconcileError, summary};

use crate::artifact_steps::secret;

fn auth_failed(message: String) -> ReconcileError {
    ReconcileError::transient(AUTHENTICATION_FAILED_REASON, message)
        .with_condition(FETCH_FAILED_CONDITION)
}

/// Client options from a `.dockerconfigjson` Secret (or `username`/`password`, as an OCI
/// HelmRepository's Secret has) and a `certSecretRef`.
pub async fn client_options(
    client: &kube::Client,
    namespace: &str,
    registry: &str,
    secret_ref: Option<&LocalObjectReference>,
    cert_secret_ref: Option<&LocalObjectReference>,
    insecure: bool,
    timeout: std::time::Duration,
) -> Result<ClientOptions, ReconcileError> {
    let mut opts = ClientOptions {
        insecure,
        timeout: Some(timeout),
        ..Default::default()
    };
    if let Some(r) = secret_ref {
        let data = secret(client, namespace, &r.name)
            .await
            .map_err(auth_failed)?;
        opts.credentials = credentials(&data, registry)
            .map_err(|e| auth_failed(format!("secret '{namespace}/{}': {e}", r.name)))?;
    }
    if let Some(r) = cert_secret_ref {
        let data = secret(client, namespace, &r.name)
            .await
            .map_err(auth_failed)?;
        opts.ca_pem = data.get("ca.crt").cloned();
    }
    Ok(opts)
}

fn credentials(
    data: &BTreeMap<String, Vec<u8>>,
    registry: &str,
) -> Result<Option<(String, String)>, String> {
    if let Some(json) = data.get(".dockerconfigjson") {
        return flux_oci::auth::from_docker_config(json, registry).map_err(|e| e.to_string());
    }
    let text = |k: &str| {
        data.get(k)
            .map(|v| String::from_utf8_lossy(v).trim().to_string())
    };
    match (text("username"), text("password")) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some((u, p))),
        _ => Err("no '.dockerconfigjson' nor 'username'/'password'".into()),
    }
}

/// Verifies `digest` per `verify` and records `SourceVerified`.
pub async fn verify<K: FluxObject>(
    kube_client: &kube::Client,
    namespace: &str,
    obj: &mut K,
    verify: &OCIRepositoryVerification,
    client: &OciClient,
    digest: &str,
) -> Result<(), ReconcileError> {
    let generation = obj.meta().generation;
    let fail = |obj: &mut K, message: String| {
        summary::set(
            obj.conditions_mut(),
            summary::condition(
                SOURCE_VERIFIED_CONDITION,
                CONDITION_FALSE,
                VERIFICATION_ERROR_REASON,
                &message,
                generation,
            ),
        );
        ReconcileError::transient(VERIFICATION_ERROR_REASON, message)
    };
    if verify.provider != VERIFY_PROVIDER_COSIGN {
        return Err(fail(
            obj,
            format!(
                "verification provider '{}' is not supported by this source-controller",
                verify.provider
            ),
        ));
    }
    let Some(r) = &verify.secret_ref else {
        return Err(fail(
            obj,
            "keyless cosign verification is not supported by this source-controller; set spec.verify.secretRef with cosign public keys".into(),
        ));
    };
    let data = match secret(kube_client, namespace, &r.name).await {
        Ok(d) => d,
        Err(e) => return Err(fail(obj, e)),
    };
    let keys: Vec<Vec<u8>> = data
        .iter()
        .filter(|(k, _)| k.ends_with(".pub"))
        .map(|(_, v)| v.clone())
        .collect();
    if keys.is_empty() {
        return Err(fail(
            obj,
            format!(
                "no public keys ('*.pub') found in secret '{namespace}/{}'",
                r.name
            ),
        ));
    }
    match flux_oci::cosign::verify(client, digest, &keys).await {
        Ok(()) => {
            summary::set(
                obj.conditions_mut(),
                summary::condition(
                    SOURCE_VERIFIED_CONDITION,
                    CONDITION_TRUE,
                    SUCCEEDED_REASON,
                    &format!("verified signature of revision {digest}"),
                    generation,
                ),
            );
            Ok(())
        }
        Err(e) => Err(fail(obj, e.to_string())),
    }
}
