//! The include step: other GitRepositories' artifacts (same namespace) copied into the
//! checkout at `toPath`, from their `fromPath` (Flux's `fetchIncludes` and
//! `reconcileInclude`). A missing repository or artifact marks `IncludeUnavailable` and
//! waits `--requeue-dependency`; the including repository is also requeued when an
//! included artifact changes (see the watch in `mod.rs`).

use std::fs;
use std::io;
use std::path::Path;

use flux_api::constants::{ILLEGAL_PATH_REASON, INCLUDE_UNAVAILABLE_CONDITION};
use flux_api::meta::Artifact;
use flux_api::source::gitrepository::{GitRepository, GitRepositoryInclude};
use flux_artifact::{ExtractLimits, Storage};
use flux_runtime::reconcile::{ReconcileError, Shared};
use kube::{Api, ResourceExt};

use super::artifact::to_storage;
use super::decide::secure_join;

/// Reason: an included GitRepository does not exist (Flux's `NotFound`).
pub const NOT_FOUND_REASON: &str = "NotFound";
/// Reason: an included GitRepository has no artifact yet (Flux's `NoArtifact`).
pub const NO_ARTIFACT_REASON: &str = "NoArtifact";
/// Reason: copying an included artifact failed (Flux's `CopyFailure`).
pub const COPY_FAILURE_REASON: &str = "CopyFailure";

/// An include with the artifact it resolved to.
#[derive(Debug, Clone)]
pub struct Included {
    /// The `spec.include` entry.
    pub include: GitRepositoryInclude,
    /// The included repository's current artifact.
    pub artifact: Artifact,
}

/// Resolves every `spec.include` to its repository's current artifact.
pub async fn fetch_includes(
    ctx: &Shared,
    obj: &GitRepository,
) -> Result<Vec<Included>, ReconcileError> {
    if obj.spec.include.is_empty() {
        return Ok(Vec::new());
    }
    let namespace = obj.namespace().unwrap_or_default();
    let api: Api<GitRepository> = Api::namespaced(ctx.client.clone(), &namespace);
    let wait = ctx.options.requeue_dependency;
    let mut out = Vec::with_capacity(obj.spec.include.len());
    for include in &obj.spec.include {
        let name = &include.git_repository_ref.name;
        let dep = api.get_opt(name).await.map_err(|e| {
            ReconcileError::transient(
                NOT_FOUND_REASON,
                format!("could not get resource for include '{name}': {e}"),
            )
            .with_condition(INCLUDE_UNAVAILABLE_CONDITION)
        })?;
        let Some(dep) = dep else {
            return Err(ReconcileError::waiting(
                NOT_FOUND_REASON,
                format!("could not get resource for include '{name}': GitRepository '{namespace}/{name}' not found"),
                wait,
            )
            .with_condition(INCLUDE_UNAVAILABLE_CONDITION));
        };
        let Some(artifact) = dep.status.and_then(|s| s.artifact) else {
            return Err(ReconcileError::waiting(
                NO_ARTIFACT_REASON,
                format!("no artifact available for include '{name}'"),
                wait,
            )
            .with_condition(INCLUDE_UNAVAILABLE_CONDITION));
        };
        out.push(Included {
            include: include.clone(),
            artifact,
        });
    }
    Ok(out)
}

/// Copies the included artifacts into `dir` (blocking).
pub fn copy_includes(
    storage: &Storage,
    includes: &[Included],
    dir: &Path,
) -> Result<(), ReconcileError> {
    for inc in includes {
        let name = &inc.include.git_repository_ref.name;
        let to_path = inc.include.to_path();
        let Some(to) = secure_join(dir, to_path) else {
            return Err(ReconcileError::transient(
                ILLEGAL_PATH_REASON,
                format!("path calculation for include '{name}' failed: toPath '{to_path}' leaves the artifact"),
            )
            .with_condition(INCLUDE_UNAVAILABLE_CONDITION));
        };
        copy_to_path(
            storage,
            &inc.artifact,
            inc.include.from_path.as_deref(),
            &to,
        )
        .map_err(|e| {
            ReconcileError::transient(
                COPY_FAILURE_REASON,
                format!(
                    "failed to copy '{name}' include from '{}' to '{to_path}': {e}",
                    inc.include.from_path.as_deref().unwrap_or(".")
                ),
            )
            .with_condition(INCLUDE_UNAVAILABLE_CONDITION)
        })?;
    }
    Ok(())
}

/// Unpacks `artifact` from storage and moves its `from_path` subtree to `to` (merging
/// into an existing directory), as Flux's `Storage.CopyToPath`.
fn copy_to_path(
    storage: &Storage,
    artifact: &Artifact,
    from_path: Option<&str>,
    to: &Path,
) -> Result<(), String> {
    let local = storage
        .local_path(&to_storage(artifact))
        .map_err(|e| e.to_string())?;
    let file = fs::File::open(&local)
        .map_err(|e| format!("failed to open artifact '{}': {e}", local.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix("flux-include-")
        .tempdir()
        .map_err(|e| format!("failed to create temp dir: {e}"))?;
    let unpack = tmp.path().join("unpack");
    let limits = ExtractLimits {
        max_untar_size: None,
        ..ExtractLimits::default()
    };
    flux_artifact::fetch::untar(io::BufReader::new(file), &unpack, &limits)
        .map_err(|e| e.to_string())?;
    let from = secure_join(&unpack, from_path.unwrap_or_default())
        .ok_or_else(|| "fromPath leaves the artifact".to_string())?;
    if !from.exists() {
        return Err(format!(
            "fromPath '{}' not found in artifact",
            from_path.unwrap_or_default()
        ));
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("failed to create '{}': {e}", parent.display()))?;
    }
    if fs::symlink_metadata(to).is_err() && fs::rename(&from, to).is_ok() {
        return Ok(());
    }
    copy_recursive(&from, to).map_err(|e| format!("copying into '{}': {e}", to.display()))
}

fn copy_recursive(from: &Path, to: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_recursive(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if meta.is_file() {
        if fs::symlink_metadata(to).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir_all(to)?;
        }
        fs::copy(from, to)?;
    }
    Ok(())
}
