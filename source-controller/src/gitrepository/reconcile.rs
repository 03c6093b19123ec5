//! The GitRepository reconciler: the ordered steps over the status draft. The runtime's
//! driver does the rest (finalizer, suspend, Ready/Reconciling/Stalled, patch, events,
//! requeue).

use std::sync::Arc;

use flux_api::constants::ARCHIVE_OPERATION_FAILED_REASON;
use flux_api::source::GitRepository;
use flux_artifact::{Retention, Storage};
use flux_runtime::reconcile::{ReconcileError, Reconciler, Shared, Success};

use super::{OWNED_CONDITIONS, artifact, auth, decide, fetch, include, verify};

/// Reconciles GitRepositories into artifacts in `storage`.
#[derive(Clone)]
pub struct GitRepositoryReconciler {
    /// The artifact storage (`--storage-path`).
    pub storage: Arc<Storage>,
    /// Garbage collection policy (`--artifact-retention-*`).
    pub retention: Retention,
}

impl Reconciler<GitRepository> for GitRepositoryReconciler {
    fn owned_conditions(&self) -> &'static [&'static str] {
        OWNED_CONDITIONS
    }

    async fn reconcile(
        &self,
        ctx: &Shared,
        obj: &mut GitRepository,
    ) -> Result<Success, ReconcileError> {
        crate::artifact_steps::reconcile_storage(&self.storage, self.retention, obj, None).await?;
        fetch::check_spec(obj)?;
        let includes = include::fetch_includes(ctx, obj).await?;
        let included: Vec<_> = includes.iter().map(|i| i.artifact.clone()).collect();
        let config_changed = decide::content_config_changed(obj, &included);

        let auth = auth::auth_options(&ctx.client, obj).await?;
        let workdir = tempfile::Builder::new()
            .prefix("flux-gitrepository-")
            .tempdir()
            .map_err(|e| {
                ReconcileError::transient(
                    ARCHIVE_OPERATION_FAILED_REASON,
                    format!("failed to create temporary working directory: {e}"),
                )
            })?;
        let fetched = fetch::reconcile_source(obj, auth, config_changed, workdir.path()).await?;
        verify::reconcile_verification(&ctx.client, obj, &fetched).await?;

        let current = obj.status.as_ref().and_then(|s| s.artifact.clone());
        let stored_message = format!("stored artifact for revision '{}'", fetched.revision);
        let commit = match &fetched.commit {
            Some(commit)
                if decide::rebuild_needed(current.as_ref(), &fetched.revision, config_changed) =>
            {
                commit
            }
            _ => {
                return Ok(Success {
                    message: stored_message,
                    ..Success::default()
                });
            }
        };
        let stored = artifact::build(
            &self.storage,
            self.retention,
            obj,
            &fetched.revision,
            &commit.hash,
            workdir.path(),
            &includes,
        )
        .await?;
        let event = (current.as_ref().map(|a| a.revision.as_str())
            != Some(stored.revision.as_str()))
        .then(|| {
            crate::artifact_steps::new_artifact_event(
                format!("stored artifact for commit '{}'", commit.short_message()),
                &stored,
            )
        });
        Ok(Success {
            message: stored_message,
            event,
            requeue_after: None,
        })
    }

    async fn finalize(&self, _ctx: &Shared, obj: &GitRepository) -> Result<(), ReconcileError> {
        artifact::remove_all(&self.storage, obj).await
    }
}
