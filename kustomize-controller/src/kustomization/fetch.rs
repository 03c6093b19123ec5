//! Downloading the source artifact and locating `spec.path` in it.

use std::path::{Component, Path, PathBuf};

use flux_api::constants::ARTIFACT_FAILED_REASON;
use flux_api::meta::Artifact;
use flux_artifact::fetch::Fetcher;
use flux_runtime::reconcile::ReconcileError;

/// Downloads, verifies and extracts the artifact into `dir`.
pub async fn fetch(
    fetcher: &Fetcher,
    artifact: &Artifact,
    dir: &Path,
) -> Result<(), ReconcileError> {
    fetcher
        .fetch_and_extract(&artifact.url, &artifact.digest, dir)
        .await
        .map(|_| ())
        .map_err(|e| {
            ReconcileError::transient(
                ARTIFACT_FAILED_REASON,
                format!("failed to download artifact from {}: {e}", artifact.url),
            )
        })
}

/// `spec.path` inside the artifact root; `..` cannot climb above the root.
pub fn secure_path(root: &Path, path: Option<&str>) -> Result<PathBuf, ReconcileError> {
    let mut out = root.to_path_buf();
    let mut depth = 0usize;
    for c in Path::new(path.unwrap_or("./")).components() {
        match c {
            Component::Normal(p) => {
                out.push(p);
                depth += 1;
            }
            Component::ParentDir if depth > 0 => {
                out.pop();
                depth -= 1;
            }
            _ => {}
        }
    }
    if !out.is_dir() {
        return Err(ReconcileError::transient(
            ARTIFACT_FAILED_REASON,
            format!(
                "kustomization path not found: stat {}: no such file or directory",
                path.unwrap_or("./")
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_stays_inside_root() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("apps/prod")).unwrap();
        assert_eq!(
            secure_path(tmp.path(), Some("./apps/prod")).unwrap(),
            tmp.path().join("apps/prod")
        );
        assert_eq!(
            secure_path(tmp.path(), Some("../../etc"))
                .unwrap_err()
                .reason,
            ARTIFACT_FAILED_REASON
        );
        assert_eq!(secure_path(tmp.path(), Some("../..")).unwrap(), tmp.path());
        let err = secure_path(tmp.path(), Some("./missing")).unwrap_err();
        assert!(
            err.message
                .contains("kustomization path not found: stat ./missing"),
            "{}",
            err.message
        );
    }
}
