//! Resolving `spec.sourceRef` to the source's current artifact: from the watch cache of the
//! source kind, or from the API when the cache has not seen the source (yet).

use std::time::Duration;

use flux_api::constants::{ACCESS_DENIED_REASON, ARTIFACT_FAILED_REASON};
use flux_api::kustomize::Kustomization;
use flux_api::meta::Artifact;
use flux_api::source::{Bucket, ExternalArtifact, GitRepository, OCIRepository};
use flux_runtime::reconcile::ReconcileError;
use kube::ResourceExt;
use kube::api::{Api, ApiResource, DynamicObject};

use super::watches::{Source, SourceCaches};

/// The artifact of the Kustomization's source, or why there is none.
pub async fn artifact(
    client: &kube::Client,
    caches: Option<&SourceCaches>,
    ks: &Kustomization,
    no_cross_namespace_refs: bool,
    requeue: Duration,
) -> Result<Artifact, ReconcileError> {
    let r = &ks.spec.source_ref;
    let ks_ns = ks.namespace().unwrap_or_default();
    let ns = r
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(&ks_ns)
        .to_string();
    let display = format!("{}/{}/{}", r.kind, ns, r.name);
    if no_cross_namespace_refs && ns != ks_ns {
        return Err(ReconcileError::stalling(
            ACCESS_DENIED_REASON,
            format!("can't access '{display}', cross-namespace references have been blocked"),
        ));
    }
    let ar = match r.kind.as_str() {
        "GitRepository" => ApiResource::erase::<GitRepository>(&()),
        "OCIRepository" => ApiResource::erase::<OCIRepository>(&()),
        "Bucket" => ApiResource::erase::<Bucket>(&()),
        "ExternalArtifact" => ApiResource::erase::<ExternalArtifact>(&()),
        other => {
            return Err(ReconcileError::stalling(
                ARTIFACT_FAILED_REASON,
                format!("source `{other}` kind is not supported"),
            ));
        }
    };
    let cached = caches.and_then(|c| match r.kind.as_str() {
        "GitRepository" => cached(&c.git, &ns, &r.name),
        "OCIRepository" => cached(&c.oci, &ns, &r.name),
        "Bucket" => cached(&c.bucket, &ns, &r.name),
        _ => cached(&c.external, &ns, &r.name),
    });
    let artifact = match cached {
        Some(artifact) => artifact.map(Ok),
        None => get_artifact(client, &ar, &ns, &r.name, &display, requeue).await?,
    };
    match artifact {
        Some(Ok(a)) => Ok(a),
        Some(Err(e)) => Err(ReconcileError::waiting(
            ARTIFACT_FAILED_REASON,
            format!("Source '{display}' has an invalid artifact: {e}"),
            requeue,
        )),
        None => Err(ReconcileError::waiting(
            ARTIFACT_FAILED_REASON,
            format!(
                "Source artifact not found in '{display}', retrying in {}",
                fmt_duration(requeue)
            ),
            requeue,
        )),
    }
}

/// The artifact of a cached source: `None` when the cache does not hold it, `Some(None)`
/// when the source has no artifact.
fn cached<S: Source>(
    cache: &flux_runtime::reconcile::Cache<S>,
    ns: &str,
    name: &str,
) -> Option<Option<Artifact>> {
    cache.get(ns, name).map(|s| s.artifact().cloned())
}

/// The artifact of a source read from the API.
async fn get_artifact(
    client: &kube::Client,
    ar: &ApiResource,
    ns: &str,
    name: &str,
    display: &str,
    requeue: Duration,
) -> Result<Option<Result<Artifact, serde_json::Error>>, ReconcileError> {
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, ar);
    let source = match api.get_opt(name).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(ReconcileError::waiting(
                ARTIFACT_FAILED_REASON,
                format!("Source '{display}' not found"),
                requeue,
            ));
        }
        Err(e) => {
            return Err(ReconcileError::transient(
                ARTIFACT_FAILED_REASON,
                format!("failed to get source '{display}': {e}"),
            ));
        }
    };
    Ok(source
        .data
        .pointer("/status/artifact")
        .cloned()
        .map(serde_json::from_value::<Artifact>))
}

/// A duration as Go prints short ones (`30s`, `1m0s`).
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else if d.subsec_millis() > 0 && secs == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{secs}s")
    }
}
