//! Storage steps: checking the stored artifact at the start of a reconcile (Flux's
//! `reconcileStorage`) and building a new one from a checkout (`reconcileArtifact`):
//! reproducible tar.gz with the ignore rules, the `latest.tar.gz` symlink, garbage
//! collection, `status.artifact` and the observed* fields.
//!
//! `flux_artifact::Artifact` (storage's own, kube-free type) and `flux_api`'s
//! `status.artifact` are converted here, at the boundary, so the engine stays free of
//! Kubernetes types.

use std::path::Path;
use std::sync::Arc;

use flux_api::Conditions;
use flux_api::constants::{
    ARCHIVE_OPERATION_FAILED_REASON, ARTIFACT_IN_STORAGE_CONDITION, CONDITION_TRUE,
    SUCCEEDED_REASON, SYMLINK_UPDATE_FAILED_REASON,
};
use flux_api::meta::Artifact;
use flux_api::source::GitRepository;
use flux_artifact::{Retention, SourceIgnoreFilter, Storage};
use flux_runtime::reconcile::{ReconcileError, summary};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;

use super::decide;
use super::include::{self, Included};
use crate::artifact_steps::{blocking, storage_error};

/// The kind's directory name in storage.
pub const KIND: &str = "GitRepository";

/// `status.artifact` from a stored artifact.
pub fn to_api(a: &flux_artifact::Artifact) -> Artifact {
    let ts = Timestamp::new(
        a.last_update_time.timestamp(),
        a.last_update_time.timestamp_subsec_nanos() as i32,
    )
    .unwrap_or(Timestamp::UNIX_EPOCH);
    Artifact {
        path: a.path.clone(),
        url: a.url.clone(),
        revision: a.revision.clone(),
        digest: a.digest.clone().unwrap_or_default(),
        last_update_time: Time(ts),
        size: a.size,
        metadata: a.metadata.clone().unwrap_or_default(),
    }
}

/// The storage view of a `status.artifact`.
pub fn to_storage(a: &Artifact) -> flux_artifact::Artifact {
    let ts = a.last_update_time.0;
    let time =
        chrono::DateTime::from_timestamp(ts.as_second(), ts.subsec_nanosecond().max(0) as u32)
            .unwrap_or_default();
    flux_artifact::Artifact {
        path: a.path.clone(),
        url: a.url.clone(),
        revision: a.revision.clone(),
        digest: (!a.digest.is_empty()).then(|| a.digest.clone()),
        last_update_time: time,
        size: a.size,
        metadata: (!a.metadata.is_empty()).then(|| a.metadata.clone()),
    }
}

/// Builds and stores the artifact for `commit_hash`/`revision` from the checkout in
/// `dir` (with the includes copied in), then records it and the observed* fields.
pub async fn build(
    storage: &Arc<Storage>,
    retention: Retention,
    obj: &mut GitRepository,
    revision: &str,
    commit_hash: &str,
    dir: &Path,
    includes: &[Included],
) -> Result<Artifact, ReconcileError> {
    let namespace = obj.namespace().unwrap_or_default();
    let name = obj.name_any();
    let mut artifact = storage
        .artifact_for(
            KIND,
            &namespace,
            &name,
            revision,
            &decide::artifact_file_name(commit_hash),
        )
        .map_err(|e| storage_error(ARCHIVE_OPERATION_FAILED_REASON, e.to_string()))?;
    let st = storage.clone();
    let dir = dir.to_path_buf();
    let incs = includes.to_vec();
    let ignore = obj.spec.ignore.clone();
    let artifact = blocking("archiving", move || {
        include::copy_includes(&st, &incs, &dir)?;
        let filter = SourceIgnoreFilter::load(&dir, ignore.as_deref()).map_err(|e| {
            storage_error(
                ARCHIVE_OPERATION_FAILED_REASON,
                format!("failed to load source ignore rules: {e}"),
            )
        })?;
        st.archive(&mut artifact, &dir, Some(&filter))
            .map_err(|e| {
                storage_error(
                    ARCHIVE_OPERATION_FAILED_REASON,
                    format!("unable to archive artifact to storage: {e}"),
                )
            })?;
        st.symlink(&artifact, "latest.tar.gz").map_err(|e| {
            storage_error(
                SYMLINK_UPDATE_FAILED_REASON,
                format!("failed to update status URL symlink: {e}"),
            )
        })?;
        if let Err(e) = st.garbage_collect(&artifact, retention) {
            tracing::warn!(path = %artifact.path, error = %e, "garbage collection failed");
        }
        Ok(artifact)
    })
    .await?;
    let artifact = to_api(&artifact);
    let generation = obj.metadata.generation;
    let spec = obj.spec.clone();
    let status = obj.status.get_or_insert_with(Default::default);
    status.artifact = Some(artifact.clone());
    status.included_artifacts = includes.iter().map(|i| i.artifact.clone()).collect();
    status.observed_ignore = spec.ignore;
    status.observed_recurse_submodules = spec.recurse_submodules;
    status.observed_include = spec.include;
    status.observed_sparse_checkout = spec.sparse_checkout;
    summary::set(
        obj.conditions_mut(),
        summary::condition(
            ARTIFACT_IN_STORAGE_CONDITION,
            CONDITION_TRUE,
            SUCCEEDED_REASON,
            &format!("stored artifact for revision '{revision}'"),
            generation,
        ),
    );
    Ok(artifact)
}

/// The finalizer step: removes everything stored for the object.
pub async fn remove_all(storage: &Arc<Storage>, obj: &GitRepository) -> Result<(), ReconcileError> {
    let st = storage.clone();
    let (ns, name) = (obj.namespace().unwrap_or_default(), obj.name_any());
    blocking("removing artifacts", move || {
        st.remove_all(KIND, &ns, &name).map(|_| ()).map_err(|e| {
            storage_error(
                ARCHIVE_OPERATION_FAILED_REASON,
                format!("garbage collection for deleted resource failed: {e}"),
            )
        })
    })
    .await
}
