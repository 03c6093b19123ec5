//! The OCIRepository reconciler's steps.

use std::sync::Arc;

use flux_api::Conditions;
use flux_api::constants::{
    ARTIFACT_OUTDATED_CONDITION, AUTHENTICATION_FAILED_REASON, CONDITION_TRUE,
    FETCH_FAILED_CONDITION, INVALID_PROVIDER_CONFIGURATION_REASON, NEW_ARTIFACT_REASON,
    NEW_REVISION_REASON, OCI_LAYER_OPERATION_FAILED_REASON, OCI_PULL_FAILED_REASON,
    SOURCE_VERIFIED_CONDITION, STORAGE_OPERATION_FAILED_CONDITION, URL_INVALID_REASON,
};
use flux_api::source::OCIRepository;
use flux_api::source::ocirepository::LAYER_COPY;
use flux_artifact::{ExtractLimits, Retention, SourceIgnoreFilter, Storage};
use flux_oci::{OciClient, OciRef, OciUrl};
use flux_runtime::reconcile::{ReconcileError, Reconciler, Shared, Success, SuccessEvent, summary};
use kube::ResourceExt;

use super::{proxy, pull_secrets, verify};
use crate::artifact_steps::{self, ArtifactSource, Content, timeout};

/// Conditions the OCIRepository reconciler owns.
pub const OWNED_CONDITIONS: &[&str] = &[
    FETCH_FAILED_CONDITION,
    ARTIFACT_OUTDATED_CONDITION,
    STORAGE_OPERATION_FAILED_CONDITION,
];

/// Largest layer pulled.
const MAX_LAYER_SIZE: u64 = 1 << 30;

/// Reconciles OCIRepositories.
#[derive(Clone)]
pub struct OCIRepositoryReconciler {
    /// The artifact storage.
    pub storage: Arc<Storage>,
    /// Garbage collection policy.
    pub retention: Retention,
}

/// An OCI failure with Flux's reason.
pub fn pull_failed(e: &flux_oci::Error) -> ReconcileError {
    let reason = match e {
        e if e.is_auth() => AUTHENTICATION_FAILED_REASON,
        flux_oci::Error::InvalidAuth(_) => AUTHENTICATION_FAILED_REASON,
        flux_oci::Error::Layer(_) | flux_oci::Error::TooLarge { .. } => {
            OCI_LAYER_OPERATION_FAILED_REASON
        }
        _ => OCI_PULL_FAILED_REASON,
    };
    let err = match e {
        flux_oci::Error::InvalidRef(_) => ReconcileError::stalling(reason, e.to_string()),
        _ => ReconcileError::transient(reason, e.to_string()),
    };
    err.with_condition(FETCH_FAILED_CONDITION)
}

fn layer_failed(message: String) -> ReconcileError {
    ReconcileError::transient(OCI_LAYER_OPERATION_FAILED_REASON, message)
        .with_condition(FETCH_FAILED_CONDITION)
}

impl Reconciler<OCIRepository> for OCIRepositoryReconciler {
    fn owned_conditions(&self) -> &'static [&'static str] {
        OWNED_CONDITIONS
    }

    async fn reconcile(
        &self,
        ctx: &Shared,
        obj: &mut OCIRepository,
    ) -> Result<Success, ReconcileError> {
        artifact_steps::reconcile_storage(
            &self.storage,
            self.retention,
            obj,
            Some("latest.tar.gz"),
        )
        .await?;
        let url = OciUrl::parse(&obj.spec.url).map_err(|e| {
            ReconcileError::stalling(URL_INVALID_REASON, e.to_string())
                .with_condition(FETCH_FAILED_CONDITION)
        })?;
        let provider = obj.spec.provider.as_deref().unwrap_or("generic");
        if provider != "generic" {
            return Err(ReconcileError::stalling(
                INVALID_PROVIDER_CONFIGURATION_REASON,
                format!("provider '{provider}' is not supported by this source-controller; use 'generic' with a secretRef"),
            )
            .with_condition(FETCH_FAILED_CONDITION));
        }
        let ns = obj.namespace().unwrap_or_default();
        let mut options = verify::client_options(
            &ctx.client,
            &ns,
            &url.registry,
            obj.spec.secret_ref.as_ref(),
            obj.spec.cert_secret_ref.as_ref(),
            obj.spec.insecure,
            timeout(obj.spec.timeout.as_deref()),
        )
        .await?;
        if obj.spec.secret_ref.is_none()
            && let Some(sa) = obj.spec.service_account_name.as_deref()
        {
            options.credentials =
                pull_secrets::service_account_credentials(&ctx.client, &ns, sa, &url.registry)
                    .await?;
        }
        options.proxy =
            proxy::from_secret_ref(&ctx.client, &ns, obj.spec.proxy_secret_ref.as_ref()).await?;
        let client = OciClient::new(url.clone(), options).map_err(|e| pull_failed(&e))?;
        let r = obj.spec.reference.clone().unwrap_or_default();
        let oci_ref = OciRef::from_spec(
            r.digest.as_deref(),
            r.semver.as_deref(),
            r.semver_filter.as_deref(),
            r.tag.as_deref(),
        );
        let resolved = client
            .resolve(&oci_ref)
            .await
            .map_err(|e| pull_failed(&e))?;
        let revision = resolved.revision();
        summary::remove(obj.conditions_mut(), FETCH_FAILED_CONDITION);

        if let Some(v) = obj.spec.verify.clone() {
            // As in Flux, a new revision, a spec change (another key Secret, say) or a
            // failed verification verifies again.
            let generation = obj.metadata.generation;
            let already = obj.artifact().map(|a| a.revision.clone()).as_deref()
                == Some(revision.as_str())
                && obj
                    .condition(SOURCE_VERIFIED_CONDITION)
                    .is_some_and(|c| c.is_true() && c.observed_generation == generation);
            if !already {
                verify::verify(&ctx.client, &ns, obj, &v, &client, &resolved.digest).await?;
            }
        } else {
            summary::remove(obj.conditions_mut(), SOURCE_VERIFIED_CONDITION);
        }

        let status = obj.status.clone().unwrap_or_default();
        let unchanged = obj.artifact().map(|a| a.revision.clone()).as_deref()
            == Some(revision.as_str())
            && status.observed_ignore == obj.spec.ignore
            && status.observed_layer_selector == obj.spec.layer_selector;
        if unchanged {
            return Ok(Success {
                message: format!("stored artifact for digest '{revision}'"),
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
                &format!("new revision '{revision}' for '{}'", url.to_url()),
                generation,
            ),
        );

        let work = artifact_steps::workdir("flux-ocirepository-")?;
        let layer_path = work.path().join("layer");
        let media_type = obj
            .spec
            .layer_selector
            .as_ref()
            .and_then(|l| l.media_type.clone());
        let layer = client
            .pull_layer(
                &resolved.digest,
                media_type.as_deref(),
                &layer_path,
                MAX_LAYER_SIZE,
            )
            .await
            .map_err(|e| pull_failed(&e))?;
        let content = if obj.layer_operation() == LAYER_COPY {
            Content::File(layer_path)
        } else {
            let dir = work.path().join("content");
            let src = layer_path.clone();
            let dest = dir.clone();
            let ignore = obj.spec.ignore.clone();
            let filter = artifact_steps::blocking("extracting the layer", move || {
                let file = std::fs::File::open(&src)
                    .map_err(|e| layer_failed(format!("failed to open layer: {e}")))?;
                let limits = ExtractLimits {
                    max_untar_size: None,
                    ..ExtractLimits::default()
                };
                flux_artifact::fetch::untar(std::io::BufReader::new(file), &dest, &limits)
                    .map_err(|e| {
                        layer_failed(format!(
                            "failed to extract layer contents from artifact: {e}"
                        ))
                    })?;
                SourceIgnoreFilter::load(&dest, ignore.as_deref())
                    .map_err(|e| layer_failed(format!("failed to load ignore rules: {e}")))
            })
            .await?;
            Content::Dir(dir, Some(Box::new(filter)))
        };
        let stored = artifact_steps::store(
            &self.storage,
            self.retention,
            obj,
            &revision,
            &format!("{}.tar.gz", resolved.digest),
            content,
            "latest.tar.gz",
            layer.annotations.clone(),
        )
        .await?;
        let (ignore, selector) = (obj.spec.ignore.clone(), obj.spec.layer_selector.clone());
        let status = obj.status.get_or_insert_with(Default::default);
        status.observed_ignore = ignore;
        status.observed_layer_selector = selector;
        summary::remove(obj.conditions_mut(), ARTIFACT_OUTDATED_CONDITION);
        let mut metadata = vec![
            ("revision".to_string(), stored.revision.clone()),
            ("digest".to_string(), stored.digest.clone()),
        ];
        if let Some(origin) = layer.annotations.get(flux_oci::REVISION_ANNOTATION) {
            metadata.push(("origin-revision".into(), origin.clone()));
        }
        Ok(Success {
            message: format!("stored artifact for digest '{revision}'"),
            event: Some(SuccessEvent {
                reason: NEW_ARTIFACT_REASON,
                message: format!(
                    "stored artifact with revision '{revision}' from '{}'",
                    url.to_url()
                ),
                metadata,
            }),
            requeue_after: None,
        })
    }

    async fn finalize(&self, _ctx: &Shared, obj: &OCIRepository) -> Result<(), ReconcileError> {
        artifact_steps::remove_all(&self.storage, obj).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flux_runtime::reconcile::ErrorKind;

    #[test]
    fn oci_errors_get_fluxs_reasons() {
        let auth = flux_oci::Error::Unauthorized {
            registry: "r".into(),
            reason: "401".into(),
        };
        assert_eq!(pull_failed(&auth).reason, AUTHENTICATION_FAILED_REASON);
        let missing = flux_oci::Error::NotFound("x".into());
        assert_eq!(pull_failed(&missing).reason, OCI_PULL_FAILED_REASON);
        let bad = flux_oci::Error::InvalidRef("semver".into());
        assert_eq!(pull_failed(&bad).kind, ErrorKind::Stalling);
        let layer = flux_oci::Error::Layer("no layers".into());
        assert_eq!(
            pull_failed(&layer).reason,
            OCI_LAYER_OPERATION_FAILED_REASON
        );
    }
}
