//! The storage steps shared by OCIRepository, Bucket, HelmRepository and HelmChart:
//! checking the stored artifact at the start of a reconcile (Flux's `reconcileStorage`),
//! storing a new one from a file or a directory with its `latest` symlink and garbage
//! collection, reading Secrets, and the finalizer. GitRepository uses the storage check
//! too; it builds its artifact in `gitrepository::artifact` (it also tracks includes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flux_api::constants::{
    ARCHIVE_OPERATION_FAILED_REASON, ARTIFACT_IN_STORAGE_CONDITION, CONDITION_TRUE,
    NEW_ARTIFACT_REASON, STORAGE_OPERATION_FAILED_CONDITION, SUCCEEDED_REASON,
    SYMLINK_UPDATE_FAILED_REASON,
};
use flux_api::meta::Artifact;
use flux_artifact::{ArchiveFilter, Retention, Storage};
use flux_runtime::reconcile::{FluxObject, ReconcileError, SuccessEvent, summary};
use kube::ResourceExt;

use crate::gitrepository::{to_api, to_storage};

/// A source kind with `status.artifact` and `status.url`.
pub trait ArtifactSource: FluxObject {
    /// The kind's directory name in storage.
    const KIND: &'static str;
    /// `status.artifact`.
    fn artifact(&self) -> Option<&Artifact>;
    /// Sets `status.artifact`.
    fn set_artifact(&mut self, artifact: Option<Artifact>);
    /// Sets `status.url`.
    fn set_url(&mut self, url: Option<String>);
}

macro_rules! artifact_source {
    ($($kind:ty => $name:literal),+ $(,)?) => {$(
        impl ArtifactSource for $kind {
            const KIND: &'static str = $name;
            fn artifact(&self) -> Option<&Artifact> {
                self.status.as_ref().and_then(|s| s.artifact.as_ref())
            }
            fn set_artifact(&mut self, artifact: Option<Artifact>) {
                self.status.get_or_insert_with(Default::default).artifact = artifact;
            }
            fn set_url(&mut self, url: Option<String>) {
                self.status.get_or_insert_with(Default::default).url = url;
            }
        }
    )+};
}

// GitRepository v1 has no `status.url`.
impl ArtifactSource for flux_api::source::GitRepository {
    const KIND: &'static str = "GitRepository";
    fn artifact(&self) -> Option<&Artifact> {
        self.status.as_ref().and_then(|s| s.artifact.as_ref())
    }
    fn set_artifact(&mut self, artifact: Option<Artifact>) {
        self.status.get_or_insert_with(Default::default).artifact = artifact;
    }
    fn set_url(&mut self, _url: Option<String>) {}
}

artifact_source!(
    flux_api::source::OCIRepository => "OCIRepository",
    flux_api::source::Bucket => "Bucket",
    flux_api::source::HelmRepository => "HelmRepository",
    flux_api::source::HelmChart => "HelmChart",
);

/// A storage failure (`StorageOperationFailed`, retried).
pub fn storage_error(reason: &'static str, message: String) -> ReconcileError {
    ReconcileError::transient(reason, message).with_condition(STORAGE_OPERATION_FAILED_CONDITION)
}

/// Runs blocking storage work off the async runtime.
pub async fn blocking<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> Result<T, ReconcileError> + Send + 'static,
) -> Result<T, ReconcileError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        storage_error(
            ARCHIVE_OPERATION_FAILED_REASON,
            format!("{what} task failed: {e}"),
        )
    })?
}

/// The storage step: garbage-collects, drops a missing or corrupt `status.artifact` (an
/// emptyDir after a restart) so it is rebuilt, refreshes its URL from
/// `--storage-adv-addr`, sets `status.url` to the `link_name` symlink when the kind has
/// one, and marks `ArtifactInStorage`.
pub async fn reconcile_storage<K: ArtifactSource>(
    storage: &Arc<Storage>,
    retention: Retention,
    obj: &mut K,
    link_name: Option<&str>,
) -> Result<(), ReconcileError> {
    let generation = obj.meta().generation;
    let Some(current) = obj.artifact().cloned() else {
        summary::remove(obj.conditions_mut(), ARTIFACT_IN_STORAGE_CONDITION);
        return Ok(());
    };
    let mut stored = to_storage(&current);
    let st = storage.clone();
    let checked = stored.clone();
    let verified = blocking("verifying the artifact", move || {
        let ok = st.verify(&checked);
        if ok.is_ok()
            && let Err(e) = st.garbage_collect(&checked, retention)
        {
            tracing::warn!(path = %checked.path, error = %e, "garbage collection failed");
        }
        Ok(ok)
    })
    .await?;
    if let Err(e) = verified {
        tracing::info!(object = %format!("{}/{}", obj.namespace().unwrap_or_default(), obj.name_any()), error = %e, "stored artifact is missing or corrupt; rebuilding");
        obj.set_artifact(None);
        summary::remove(obj.conditions_mut(), ARTIFACT_IN_STORAGE_CONDITION);
        return Ok(());
    }
    storage.set_artifact_url(&mut stored);
    let mut updated = current.clone();
    updated.url = stored.url.clone();
    let rel_dir = stored.path.rsplit_once('/').map_or("", |(d, _)| d);
    let base = stored
        .url
        .strip_suffix(stored.path.as_str())
        .unwrap_or_default();
    if let Some(link_name) = link_name {
        obj.set_url(Some(format!("{base}{rel_dir}/{link_name}")));
    }
    obj.set_artifact(Some(updated));
    summary::set(
        obj.conditions_mut(),
        summary::condition(
            ARTIFACT_IN_STORAGE_CONDITION,
            CONDITION_TRUE,
            SUCCEEDED_REASON,
            &format!("stored artifact for revision '{}'", current.revision),
            generation,
        ),
    );
    Ok(())
}

/// What to store.
pub enum Content {
    /// A file stored verbatim (index, chart, copied layer).
    File(PathBuf),
    /// A directory archived as tar.gz, with an optional filter.
    Dir(PathBuf, Option<Box<dyn ArchiveFilter + Send>>),
}

#[allow(clippy::too_many_arguments)]
/// Stores `content` as the object's artifact `file_name` for `revision`, points
/// `link_name` at it, garbage-collects, and records `status.artifact`, `status.url` and
/// `ArtifactInStorage`.
pub async fn store<K: ArtifactSource>(
    storage: &Arc<Storage>,
    retention: Retention,
    obj: &mut K,
    revision: &str,
    file_name: &str,
    content: Content,
    link_name: &'static str,
    metadata: BTreeMap<String, String>,
) -> Result<Artifact, ReconcileError> {
    let namespace = obj.namespace().unwrap_or_default();
    let name = obj.name_any();
    let mut artifact = storage
        .artifact_for(K::KIND, &namespace, &name, revision, file_name)
        .map_err(|e| storage_error(ARCHIVE_OPERATION_FAILED_REASON, e.to_string()))?;
    if !metadata.is_empty() {
        artifact.metadata = Some(metadata);
    }
    let st = storage.clone();
    let (artifact, url) = blocking("storing the artifact", move || {
        match content {
            Content::File(path) => st.copy_from_path(&mut artifact, &path),
            Content::Dir(dir, filter) => {
                let filter = filter.as_deref().map(|f| f as &dyn ArchiveFilter);
                st.archive(&mut artifact, &dir, filter)
            }
        }
        .map_err(|e| {
            storage_error(
                ARCHIVE_OPERATION_FAILED_REASON,
                format!("unable to store artifact to storage: {e}"),
            )
        })?;
        let url = st.symlink(&artifact, link_name).map_err(|e| {
            storage_error(
                SYMLINK_UPDATE_FAILED_REASON,
                format!("failed to update status URL symlink: {e}"),
            )
        })?;
        if let Err(e) = st.garbage_collect(&artifact, retention) {
            tracing::warn!(path = %artifact.path, error = %e, "garbage collection failed");
        }
        Ok((artifact, url))
    })
    .await?;
    let artifact = to_api(&artifact);
    let generation = obj.meta().generation;
    obj.set_artifact(Some(artifact.clone()));
    obj.set_url(Some(url));
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
pub async fn remove_all<K: ArtifactSource>(
    storage: &Arc<Storage>,
    obj: &K,
) -> Result<(), ReconcileError> {
    let st = storage.clone();
    let (ns, name) = (obj.namespace().unwrap_or_default(), obj.name_any());
    blocking("removing artifacts", move || {
        st.remove_all(K::KIND, &ns, &name).map(|_| ()).map_err(|e| {
            storage_error(
                ARCHIVE_OPERATION_FAILED_REASON,
                format!("garbage collection for deleted resource failed: {e}"),
            )
        })
    })
    .await
}

/// The `NewArtifact` event of a stored artifact, with its revision and digest as metadata.
pub fn new_artifact_event(message: String, stored: &Artifact) -> SuccessEvent {
    SuccessEvent {
        reason: NEW_ARTIFACT_REASON,
        message,
        metadata: vec![
            ("revision".into(), stored.revision.clone()),
            ("digest".into(), stored.digest.clone()),
        ],
    }
}

/// A temporary working directory for a reconcile.
pub fn workdir(prefix: &str) -> Result<tempfile::TempDir, ReconcileError> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| {
            storage_error(
                ARCHIVE_OPERATION_FAILED_REASON,
                format!("failed to create temporary working directory: {e}"),
            )
        })
}

/// A Secret's data by key; errors name the Secret.
pub async fn secret(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    use k8s_openapi::api::core::v1::Secret;
    let api: kube::Api<Secret> = kube::Api::namespaced(client.clone(), namespace);
    let secret = api.get(name).await.map_err(|e| {
        let why = match e {
            kube::Error::Api(status) => status.message,
            other => other.to_string(),
        };
        format!("failed to get secret '{namespace}/{name}': {why}")
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

/// `spec.timeout` (a Go duration), 60s when unset or invalid.
pub fn timeout(spec_timeout: Option<&str>) -> std::time::Duration {
    spec_timeout
        .and_then(|t| flux_api::meta::parse_duration(t).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(std::time::Duration::from_secs(60))
}

/// The path of a stored artifact of another object (a source), for reading it.
pub fn local_path(storage: &Storage, artifact: &Artifact) -> Result<PathBuf, ReconcileError> {
    storage
        .local_path(&to_storage(artifact))
        .map_err(|e| storage_error(ARCHIVE_OPERATION_FAILED_REASON, e.to_string()))
}

/// Whether `path` is an existing regular file.
pub fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}
