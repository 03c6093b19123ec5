//! The Bucket reconciler's steps.

use std::collections::BTreeMap;
use std::sync::Arc;

use flux_api::Conditions;
use flux_api::constants::{
    ARTIFACT_OUTDATED_CONDITION, AUTHENTICATION_FAILED_REASON, BUCKET_OPERATION_FAILED_REASON,
    CONDITION_TRUE, FETCH_FAILED_CONDITION, INVALID_PROVIDER_CONFIGURATION_REASON,
    INVALID_STS_CONFIGURATION_REASON, NEW_REVISION_REASON, STORAGE_OPERATION_FAILED_CONDITION,
};
use flux_api::source::Bucket;
use flux_api::source::bucket::{PROVIDER_AZURE, PROVIDER_GCP};
use flux_artifact::{Retention, Storage};
use flux_bucket::{BucketClient, BucketConfig, Credentials, Provider};
use flux_runtime::reconcile::{ReconcileError, Reconciler, Shared, Success, summary};
use kube::ResourceExt;

use crate::artifact_steps::{self, Content, secret, timeout};
use crate::ocirepository::proxy;

/// Conditions the Bucket reconciler owns.
pub const OWNED_CONDITIONS: &[&str] = &[
    FETCH_FAILED_CONDITION,
    ARTIFACT_OUTDATED_CONDITION,
    STORAGE_OPERATION_FAILED_CONDITION,
];

/// Reconciles Buckets.
#[derive(Clone)]
pub struct BucketReconciler {
    /// The artifact storage.
    pub storage: Arc<Storage>,
    /// Garbage collection policy.
    pub retention: Retention,
}

/// Largest object downloaded (Flux has no cap; this guards the disk).
const MAX_OBJECT_SIZE: u64 = 1 << 30;

fn fetch_failed(e: &flux_bucket::Error) -> ReconcileError {
    let reason = if e.is_auth() {
        AUTHENTICATION_FAILED_REASON
    } else {
        BUCKET_OPERATION_FAILED_REASON
    };
    ReconcileError::transient(reason, e.to_string()).with_condition(FETCH_FAILED_CONDITION)
}

fn text(data: &BTreeMap<String, Vec<u8>>, key: &str) -> Option<String> {
    data.get(key)
        .map(|v| String::from_utf8_lossy(v).trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The credentials in a Bucket Secret for `provider`.
pub fn credentials(
    provider: Provider,
    data: &BTreeMap<String, Vec<u8>>,
) -> Result<Credentials, String> {
    match provider {
        Provider::Generic | Provider::Aws => {
            match (text(data, "accesskey"), text(data, "secretkey")) {
                (Some(access_key), Some(secret_key)) => Ok(Credentials::AccessKey {
                    access_key,
                    secret_key,
                }),
                _ => Err("invalid 'accesskey' and 'secretkey': both must be set".into()),
            }
        }
        Provider::Gcp => text(data, "serviceaccount")
            .map(Credentials::GcpServiceAccount)
            .ok_or_else(|| "invalid 'serviceaccount': key is missing".into()),
        Provider::Azure => {
            if let Some(key) = text(data, "accountKey") {
                Ok(Credentials::AzureAccountKey(key))
            } else if let Some(sas) = text(data, "sasKey") {
                Ok(Credentials::AzureSas(sas))
            } else if let (Some(tenant_id), Some(client_id), Some(client_secret)) = (
                text(data, "tenantId"),
                text(data, "clientId"),
                text(data, "clientSecret"),
            ) {
                Ok(Credentials::AzureClientSecret {
                    tenant_id,
                    client_id,
                    client_secret,
                })
            } else {
                Err("no 'accountKey', 'sasKey' or 'tenantId'/'clientId'/'clientSecret'".into())
            }
        }
    }
}

/// `certSecretRef`: the `ca.crt` to trust. Client certificates are refused with a clear
/// message rather than silently not presented.
async fn ca_from_secret_ref(
    ctx: &Shared,
    ns: &str,
    secret_ref: Option<&flux_api::meta::LocalObjectReference>,
) -> Result<Option<Vec<u8>>, ReconcileError> {
    let Some(r) = secret_ref else {
        return Ok(None);
    };
    let failed = |e: String| {
        ReconcileError::transient(AUTHENTICATION_FAILED_REASON, e)
            .with_condition(FETCH_FAILED_CONDITION)
    };
    let data = secret(&ctx.client, ns, &r.name).await.map_err(failed)?;
    if data.contains_key("tls.crt") || data.contains_key("tls.key") {
        return Err(failed(format!(
            "secret '{ns}/{}': client certificates ('tls.crt'/'tls.key') are not supported for Buckets by this source-controller; keep only 'ca.crt'",
            r.name
        )));
    }
    match data.get("ca.crt") {
        Some(ca) => Ok(Some(ca.clone())),
        None => Err(failed(format!(
            "secret '{ns}/{}': key 'ca.crt' is missing",
            r.name
        ))),
    }
}

impl Reconciler<Bucket> for BucketReconciler {
    fn owned_conditions(&self) -> &'static [&'static str] {
        OWNED_CONDITIONS
    }

    async fn reconcile(&self, ctx: &Shared, obj: &mut Bucket) -> Result<Success, ReconcileError> {
        artifact_steps::reconcile_storage(
            &self.storage,
            self.retention,
            obj,
            Some("latest.tar.gz"),
        )
        .await?;
        let provider = Provider::parse(obj.provider()).map_err(|e| {
            ReconcileError::stalling(INVALID_PROVIDER_CONFIGURATION_REASON, e.to_string())
                .with_condition(FETCH_FAILED_CONDITION)
        })?;
        if obj.spec.sts.is_some() {
            return Err(ReconcileError::stalling(
                INVALID_STS_CONFIGURATION_REASON,
                "spec.sts is not supported by this source-controller",
            )
            .with_condition(FETCH_FAILED_CONDITION));
        }
        if obj.spec.endpoint.is_empty() && !matches!(obj.provider(), PROVIDER_GCP | PROVIDER_AZURE)
        {
            return Err(ReconcileError::stalling(
                INVALID_PROVIDER_CONFIGURATION_REASON,
                "spec.endpoint is required",
            )
            .with_condition(FETCH_FAILED_CONDITION));
        }
        let ns = obj.namespace().unwrap_or_default();
        let creds = match &obj.spec.secret_ref {
            Some(r) => {
                let data = secret(&ctx.client, &ns, &r.name).await.map_err(|e| {
                    ReconcileError::transient(AUTHENTICATION_FAILED_REASON, e)
                        .with_condition(FETCH_FAILED_CONDITION)
                })?;
                credentials(provider, &data).map_err(|e| {
                    ReconcileError::transient(
                        AUTHENTICATION_FAILED_REASON,
                        format!("secret '{ns}/{}': {e}", r.name),
                    )
                    .with_condition(FETCH_FAILED_CONDITION)
                })?
            }
            None => Credentials::Ambient,
        };
        let config = BucketConfig {
            provider,
            bucket_name: obj.spec.bucket_name.clone(),
            endpoint: obj.spec.endpoint.clone(),
            insecure: obj.spec.insecure,
            region: obj.spec.region.clone(),
            credentials: creds,
            timeout: timeout(obj.spec.timeout.as_deref()),
            proxy: proxy::from_secret_ref(&ctx.client, &ns, obj.spec.proxy_secret_ref.as_ref())
                .await?,
            ca_pem: ca_from_secret_ref(ctx, &ns, obj.spec.cert_secret_ref.as_ref()).await?,
        };
        let client = BucketClient::new(&config).map_err(|e| {
            ReconcileError::stalling(INVALID_PROVIDER_CONFIGURATION_REASON, e.to_string())
                .with_condition(FETCH_FAILED_CONDITION)
        })?;
        let index = client
            .index(obj.spec.prefix.as_deref(), obj.spec.ignore.as_deref())
            .await
            .map_err(|e| fetch_failed(&e))?;
        summary::remove(obj.conditions_mut(), FETCH_FAILED_CONDITION);
        let revision = index.revision();
        let current = obj
            .status
            .as_ref()
            .and_then(|s| s.artifact.as_ref())
            .map(|a| a.revision.clone());
        let observed_ignore = obj.status.as_ref().and_then(|s| s.observed_ignore.clone());
        if current.as_deref() == Some(revision.as_str()) && observed_ignore == obj.spec.ignore {
            return Ok(Success {
                message: format!("stored artifact for revision '{revision}'"),
                ..Success::default()
            });
        }
        let generation = obj.metadata.generation;
        summary::set(
            obj.conditions_mut(),
            summary::condition(
                ARTIFACT_OUTDATED_CONDITION,
                CONDITION_TRUE,
                NEW_REVISION_REASON,
                &format!("new upstream revision '{revision}'"),
                generation,
            ),
        );
        let work = artifact_steps::workdir("flux-bucket-")?;
        let dir = work.path().join("content");
        std::fs::create_dir_all(&dir).map_err(|e| {
            artifact_steps::storage_error(
                flux_api::constants::DIRECTORY_CREATION_FAILED_REASON,
                format!("failed to create '{}': {e}", dir.display()),
            )
        })?;
        client
            .download(
                &index,
                &dir,
                flux_bucket::DEFAULT_CONCURRENCY,
                MAX_OBJECT_SIZE,
            )
            .await
            .map_err(|e| fetch_failed(&e))?;
        let hex = revision.trim_start_matches("sha256:").to_string();
        let stored = artifact_steps::store(
            &self.storage,
            self.retention,
            obj,
            &revision,
            &format!("{hex}.tar.gz"),
            Content::Dir(dir, None),
            "latest.tar.gz",
            BTreeMap::new(),
        )
        .await?;
        let ignore = obj.spec.ignore.clone();
        obj.status
            .get_or_insert_with(Default::default)
            .observed_ignore = ignore;
        summary::remove(obj.conditions_mut(), ARTIFACT_OUTDATED_CONDITION);
        Ok(Success {
            message: format!("stored artifact for revision '{revision}'"),
            event: (current.as_deref() != Some(revision.as_str())).then(|| {
                artifact_steps::new_artifact_event(
                    format!(
                        "stored artifact with {} fetched files from '{}' bucket",
                        index.len(),
                        obj.spec.bucket_name
                    ),
                    &stored,
                )
            }),
            requeue_after: None,
        })
    }

    async fn finalize(&self, _ctx: &Shared, obj: &Bucket) -> Result<(), ReconcileError> {
        artifact_steps::remove_all(&self.storage, obj).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn secret_keys_per_provider() {
        let s3 = data(&[("accesskey", "a"), ("secretkey", "s")]);
        assert!(matches!(
            credentials(Provider::Generic, &s3),
            Ok(Credentials::AccessKey { .. })
        ));
        assert!(credentials(Provider::Aws, &data(&[("accesskey", "a")])).is_err());
        assert!(matches!(
            credentials(Provider::Gcp, &data(&[("serviceaccount", "{}")])),
            Ok(Credentials::GcpServiceAccount(_))
        ));
        assert!(matches!(
            credentials(Provider::Azure, &data(&[("sasKey", "sv=1&sig=x")])),
            Ok(Credentials::AzureSas(_))
        ));
        assert!(credentials(Provider::Azure, &s3).is_err());
    }
}
