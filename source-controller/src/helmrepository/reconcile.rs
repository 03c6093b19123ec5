//! The HelmRepository reconciler's steps.

use std::collections::BTreeMap;
use std::sync::Arc;

use flux_api::Conditions;
use flux_api::constants::{
    ARTIFACT_OUTDATED_CONDITION, AUTHENTICATION_FAILED_REASON, CONDITION_TRUE,
    FETCH_FAILED_CONDITION, INDEXATION_FAILED_REASON, NEW_REVISION_REASON,
    STORAGE_OPERATION_FAILED_CONDITION, URL_INVALID_REASON,
};
use flux_api::source::HelmRepository;
use flux_artifact::{Retention, Storage};
use flux_helmrepo::{Error as HelmError, Index, RepositoryClient};
use flux_runtime::reconcile::{ReconcileError, Reconciler, Shared, Success, summary};
use kube::ResourceExt;

use super::auth;
use crate::artifact_steps::{self, ArtifactSource, Content, secret};

/// Conditions the HelmRepository reconciler owns.
pub const OWNED_CONDITIONS: &[&str] = &[
    FETCH_FAILED_CONDITION,
    ARTIFACT_OUTDATED_CONDITION,
    STORAGE_OPERATION_FAILED_CONDITION,
];

/// Reconciles HelmRepositories.
#[derive(Clone)]
pub struct HelmRepositoryReconciler {
    /// The artifact storage.
    pub storage: Arc<Storage>,
    /// Garbage collection policy.
    pub retention: Retention,
    /// `--helm-index-max-size`.
    pub max_index_size: u64,
}

/// A fetch failure with Flux's reason: rejected credentials are `AuthenticationFailed`,
/// a bad index `IndexationFailed`, the rest `IndexationFailed` too (Flux's choice).
pub fn fetch_error(e: &HelmError, url: &str) -> ReconcileError {
    let reason = if e.is_auth() {
        AUTHENTICATION_FAILED_REASON
    } else {
        INDEXATION_FAILED_REASON
    };
    let message = match e {
        HelmError::InvalidIndex(_) | HelmError::TooLarge { .. } => {
            format!("failed to load Helm repository from '{url}': {e}")
        }
        _ => format!("failed to fetch Helm repository index: {e}"),
    };
    ReconcileError::transient(reason, message).with_condition(FETCH_FAILED_CONDITION)
}

impl Reconciler<HelmRepository> for HelmRepositoryReconciler {
    fn owned_conditions(&self) -> &'static [&'static str] {
        OWNED_CONDITIONS
    }

    async fn reconcile(
        &self,
        ctx: &Shared,
        obj: &mut HelmRepository,
    ) -> Result<Success, ReconcileError> {
        if obj.is_oci() {
            // Flux keeps OCI HelmRepositories as plain coordinates; only check that the
            // credentials Secret is usable.
            if !obj.spec.url.starts_with("oci://") {
                return Err(ReconcileError::stalling(
                    URL_INVALID_REASON,
                    format!(
                        "invalid OCI registry URL '{}': must start with oci://",
                        obj.spec.url
                    ),
                )
                .with_condition(FETCH_FAILED_CONDITION));
            }
            if let Some(r) = &obj.spec.secret_ref {
                let ns = obj.namespace().unwrap_or_default();
                secret(&ctx.client, &ns, &r.name).await.map_err(|e| {
                    ReconcileError::transient(AUTHENTICATION_FAILED_REASON, e)
                        .with_condition(FETCH_FAILED_CONDITION)
                })?;
            }
            return Ok(Success {
                message: "Helm repository is ready".into(),
                ..Success::default()
            });
        }

        artifact_steps::reconcile_storage(&self.storage, self.retention, obj, Some("index.yaml"))
            .await?;
        let url = obj.spec.url.clone();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ReconcileError::stalling(
                URL_INVALID_REASON,
                format!("invalid Helm repository URL '{url}': must start with http:// or https://"),
            )
            .with_condition(FETCH_FAILED_CONDITION));
        }
        let options = auth::client_options(&ctx.client, obj).await?;
        let client = RepositoryClient::new(&url, options).map_err(|e| match e {
            HelmError::InvalidUrl { .. } => {
                ReconcileError::stalling(URL_INVALID_REASON, e.to_string())
                    .with_condition(FETCH_FAILED_CONDITION)
            }
            other => ReconcileError::transient(AUTHENTICATION_FAILED_REASON, other.to_string())
                .with_condition(FETCH_FAILED_CONDITION),
        })?;
        let work = artifact_steps::workdir("flux-helmrepository-")?;
        let index_path = work.path().join("index.yaml");
        let downloaded = client
            .download_index(&index_path, self.max_index_size)
            .await
            .map_err(|e| fetch_error(&e, &url))?;
        // Parse to validate (bounded memory): a corrupt index never becomes an artifact.
        let path = index_path.clone();
        let max = self.max_index_size;
        let versions = tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(&path).map_err(|e| HelmError::Io {
                context: "failed to open",
                path: path.display().to_string(),
                source: e,
            })?;
            Index::from_reader(std::io::BufReader::new(file), max).map(|i| i.len())
        })
        .await
        .map_err(|e| {
            ReconcileError::transient(INDEXATION_FAILED_REASON, format!("index task: {e}"))
                .with_condition(FETCH_FAILED_CONDITION)
        })?
        .map_err(|e| fetch_error(&e, &url))?;
        summary::remove(obj.conditions_mut(), FETCH_FAILED_CONDITION);

        let revision = format!("sha256:{}", downloaded.sha256);
        let current = obj.artifact().map(|a| a.revision.clone());
        if current.as_deref() == Some(revision.as_str()) {
            return Ok(Success {
                message: format!("stored artifact: revision '{revision}'"),
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
                &format!("new index revision '{revision}'"),
                generation,
            ),
        );
        let stored = artifact_steps::store(
            &self.storage,
            self.retention,
            obj,
            &revision,
            &format!("index-{}.yaml", downloaded.sha256),
            Content::File(index_path),
            "index.yaml",
            BTreeMap::new(),
        )
        .await?;
        summary::remove(obj.conditions_mut(), ARTIFACT_OUTDATED_CONDITION);
        Ok(Success {
            message: format!("stored artifact: revision '{revision}'"),
            event: Some(artifact_steps::new_artifact_event(
                format!(
                    "stored fetched index of size {} with {versions} chart versions from '{url}'",
                    downloaded.size
                ),
                &stored,
            )),
            requeue_after: None,
        })
    }

    async fn finalize(&self, _ctx: &Shared, obj: &HelmRepository) -> Result<(), ReconcileError> {
        artifact_steps::remove_all(&self.storage, obj).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_errors_get_fluxs_reasons() {
        let auth = HelmError::Status {
            url: "http://x/index.yaml".into(),
            status: 401,
        };
        let e = fetch_error(&auth, "http://x");
        assert_eq!(e.reason, AUTHENTICATION_FAILED_REASON);
        assert_eq!(e.condition, Some(FETCH_FAILED_CONDITION));
        let corrupt = HelmError::InvalidIndex("did not find expected node content".into());
        let e = fetch_error(&corrupt, "http://x");
        assert_eq!(e.reason, INDEXATION_FAILED_REASON);
        assert!(
            e.message
                .contains("failed to load Helm repository from 'http://x'")
        );
        let big = HelmError::TooLarge {
            what: "index".into(),
            limit: 10,
        };
        let e = fetch_error(&big, "http://x");
        assert_eq!(e.reason, INDEXATION_FAILED_REASON);
        assert!(
            e.message.contains("exceeds the maximum size of 10 bytes"),
            "{}",
            e.message
        );
    }
}
