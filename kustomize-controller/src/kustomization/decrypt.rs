//! SOPS decryption of the built Secrets (`spec.decryption`), with keys from the
//! `decryption.secretRef` Secret and the controller-wide `--sops-age-secret`.

use std::collections::BTreeMap;

use flux_api::constants::{BUILD_FAILED_REASON, DECRYPT_ANNOTATION};
use flux_api::kustomize::Kustomization;
use flux_runtime::reconcile::ReconcileError;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, ResourceExt};
use serde_json::Value;

use crate::sops::{self, Keys};

async fn secret_data(
    client: &kube::Client,
    ns: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>, ReconcileError> {
    let api: Api<Secret> = Api::namespaced(client.clone(), ns);
    let secret = api.get(name).await.map_err(|e| {
        ReconcileError::transient(
            BUILD_FAILED_REASON,
            format!("cannot get decryption Secret '{ns}/{name}': {e}"),
        )
    })?;
    Ok(secret
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect())
}

/// The decryption keys of a Kustomization.
pub async fn keys(
    client: &kube::Client,
    ks: &Kustomization,
    age_secret: &str,
) -> Result<Keys, ReconcileError> {
    let mut data = BTreeMap::new();
    if !age_secret.is_empty() {
        let ns = flux_runtime::reconcile::runtime_namespace();
        data.extend(secret_data(client, &ns, age_secret).await?);
    }
    let ns = ks.namespace().unwrap_or_default();
    if let Some(r) = ks
        .spec
        .decryption
        .as_ref()
        .and_then(|d| d.secret_ref.as_ref())
    {
        data.extend(secret_data(client, &ns, &r.name).await?);
    }
    let source = format!("{ns}/decryption keys");
    Keys::from_secret_data(&data, &source)
        .map_err(|e| ReconcileError::transient(BUILD_FAILED_REASON, e.to_string()))
}

/// Decrypts every encrypted `v1/Secret` not annotated `kustomize.toolkit.fluxcd.io/decrypt:
/// Disabled`; without `keys` (no `spec.decryption`) an encrypted Secret is an error.
pub fn decrypt_all(objects: Vec<Value>, keys: Option<&Keys>) -> Result<Vec<Value>, crate::Error> {
    objects
        .into_iter()
        .map(|obj| {
            let is_secret = obj.get("kind").and_then(Value::as_str) == Some("Secret")
                && obj.get("apiVersion").and_then(Value::as_str) == Some("v1");
            let disabled = obj
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(DECRYPT_ANNOTATION))
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case("disabled"));
            if !is_secret || disabled || !sops::is_encrypted(&obj) {
                return Ok(obj);
            }
            let subject = flux_ssa::object::subject(&obj);
            let Some(keys) = keys else {
                return Err(crate::Error::Decrypt(format!(
                    "{subject} is SOPS encrypted, configuring decryption is required for this secret to be reconciled"
                )));
            };
            sops::decrypt(&obj, keys)
                .map_err(|e| crate::Error::Decrypt(format!("failed to decrypt and format '{subject}': {e}")))
        })
        .collect()
}
