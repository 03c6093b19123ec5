//! The source step: the HelmChart's `sourceRef` and what it offers.

use flux_api::constants::FETCH_FAILED_CONDITION;
use flux_api::meta::Artifact;
use flux_api::source::{Bucket, GitRepository, HelmChart, HelmRepository};
use flux_runtime::reconcile::{ReconcileError, Shared};
use kube::{Api, ResourceExt};

use super::SOURCE_UNAVAILABLE_REASON;

/// The resolved source.
#[derive(Clone, Debug)]
pub enum Source {
    /// An HTTP HelmRepository with its stored index.
    HelmRepository(Box<HelmRepository>, Artifact),
    /// An OCI HelmRepository (no artifact).
    OciHelmRepository(Box<HelmRepository>),
    /// A GitRepository or Bucket artifact holding chart directories.
    Tarball(Artifact),
}

fn unavailable(ctx: &Shared, message: String) -> ReconcileError {
    ReconcileError::waiting(
        SOURCE_UNAVAILABLE_REASON,
        message,
        ctx.options.requeue_dependency,
    )
    .with_condition(FETCH_FAILED_CONDITION)
}

fn api_error(e: kube::Error, what: &str) -> ReconcileError {
    ReconcileError::transient(
        SOURCE_UNAVAILABLE_REASON,
        format!("failed to get source {what}: {e}"),
    )
    .with_condition(FETCH_FAILED_CONDITION)
}

/// Looks up the source and its artifact.
pub async fn get(ctx: &Shared, obj: &HelmChart) -> Result<Source, ReconcileError> {
    let ns = obj.namespace().unwrap_or_default();
    let r = &obj.spec.source_ref;
    let what = format!("{} '{ns}/{}'", r.kind, r.name);
    let missing = || unavailable(ctx, format!("failed to get source: {what} not found"));
    let no_artifact = || unavailable(ctx, format!("no artifact available for {what} source"));
    match r.kind.as_str() {
        "HelmRepository" => {
            let repo = Api::<HelmRepository>::namespaced(ctx.client.clone(), &ns)
                .get_opt(&r.name)
                .await
                .map_err(|e| api_error(e, &what))?
                .ok_or_else(missing)?;
            if repo.is_oci() {
                return Ok(Source::OciHelmRepository(Box::new(repo)));
            }
            let artifact = repo
                .status
                .as_ref()
                .and_then(|s| s.artifact.clone())
                .ok_or_else(no_artifact)?;
            Ok(Source::HelmRepository(Box::new(repo), artifact))
        }
        "GitRepository" => {
            let artifact = Api::<GitRepository>::namespaced(ctx.client.clone(), &ns)
                .get_opt(&r.name)
                .await
                .map_err(|e| api_error(e, &what))?
                .ok_or_else(missing)?
                .status
                .and_then(|s| s.artifact)
                .ok_or_else(no_artifact)?;
            Ok(Source::Tarball(artifact))
        }
        "Bucket" => {
            let artifact = Api::<Bucket>::namespaced(ctx.client.clone(), &ns)
                .get_opt(&r.name)
                .await
                .map_err(|e| api_error(e, &what))?
                .ok_or_else(missing)?
                .status
                .and_then(|s| s.artifact)
                .ok_or_else(no_artifact)?;
            Ok(Source::Tarball(artifact))
        }
        other => Err(ReconcileError::stalling(
            flux_api::constants::INVALID_CHART_REFERENCE_REASON,
            format!(
                "unsupported source kind '{other}': must be HelmRepository, GitRepository or Bucket"
            ),
        )
        .with_condition(FETCH_FAILED_CONDITION)),
    }
}

/// The version metadata Flux appends: `<12 hex of the source digest>` for the
/// Revision strategy, `<generation>` with values files, joined with `.`.
pub fn version_metadata(
    revision_strategy: bool,
    source_revision: Option<&str>,
    has_values_files: bool,
    generation: Option<i64>,
) -> Option<String> {
    let mut parts = Vec::new();
    if revision_strategy && let Some(rev) = source_revision {
        let hex = rev.rsplit(':').next().unwrap_or(rev);
        parts.push(hex.chars().take(12).collect::<String>());
    }
    if has_values_files {
        parts.push(generation.unwrap_or_default().to_string());
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

/// `<version>+<metadata>` (or `.<metadata>` appended when the version has build metadata).
pub fn with_metadata(version: &str, metadata: Option<&str>) -> String {
    match metadata {
        None => version.to_string(),
        Some(m) if version.contains('+') => format!("{version}.{m}"),
        Some(m) => format!("{version}+{m}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_metadata_follows_flux() {
        let rev = "main@sha1:0123456789abcdef0123";
        assert_eq!(
            version_metadata(true, Some(rev), false, Some(3)).as_deref(),
            Some("0123456789ab")
        );
        assert_eq!(
            version_metadata(true, Some(rev), true, Some(3)).as_deref(),
            Some("0123456789ab.3")
        );
        assert_eq!(
            version_metadata(false, Some(rev), true, Some(3)).as_deref(),
            Some("3")
        );
        assert_eq!(version_metadata(false, Some(rev), false, Some(3)), None);
        assert_eq!(with_metadata("1.0.0", Some("3")), "1.0.0+3");
        assert_eq!(with_metadata("1.0.0+x", Some("3")), "1.0.0+x.3");
        assert_eq!(with_metadata("1.0.0", None), "1.0.0");
    }
}
