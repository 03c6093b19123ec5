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

#[cfg(test)]
mod tests {
    use super::*;
    use flux_runtime::reconcile::Cache;
    use kube::runtime::reflector;
    use kube::runtime::watcher::Event;
    use serde_json::json;

    fn cache<K>(objects: Vec<K>) -> Cache<K>
    where
        K: kube::Resource<DynamicType = ()> + Clone + 'static,
    {
        let (reader, mut writer) = reflector::store();
        for obj in objects {
            writer.apply_watcher_event(&Event::Apply(obj));
        }
        Cache::from(reader)
    }

    fn caches(git: Vec<GitRepository>) -> SourceCaches {
        SourceCaches {
            git: cache(git),
            oci: cache(Vec::new()),
            bucket: cache(Vec::new()),
            external: cache(Vec::new()),
        }
    }

    fn git(name: &str, artifact: Option<serde_json::Value>) -> GitRepository {
        let mut obj = json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name, "namespace": "apps"},
            "spec": {"url": "https://example.invalid/repo.git", "interval": "1m"}
        });
        if let Some(a) = artifact {
            obj["status"] = json!({ "artifact": a });
        }
        serde_json::from_value(obj).unwrap()
    }

    fn kustomization(source: &str) -> Kustomization {
        serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "app", "namespace": "apps"},
            "spec": {"interval": "1m", "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": source}}
        }))
        .unwrap()
    }

    /// A client for an address nothing listens on: any API read fails.
    fn unreachable_client() -> kube::Client {
        let config = kube::Config::new("http://127.0.0.1:1".parse().unwrap());
        kube::Client::try_from(config).unwrap()
    }

    #[tokio::test]
    async fn cached_sources_are_read_without_the_api() {
        let stored = json!({
            "path": "gitrepository/apps/repo/abc.tar.gz",
            "url": "http://source-controller/gitrepository/apps/repo/abc.tar.gz",
            "revision": "main@sha1:abc",
            "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "lastUpdateTime": "2026-01-01T00:00:00Z"
        });
        let caches = caches(vec![git("repo", Some(stored)), git("empty", None)]);
        let client = unreachable_client();
        let requeue = Duration::from_secs(30);

        let found = artifact(
            &client,
            Some(&caches),
            &kustomization("repo"),
            false,
            requeue,
        )
        .await
        .unwrap();
        assert_eq!(found.revision, "main@sha1:abc");

        let err = artifact(
            &client,
            Some(&caches),
            &kustomization("empty"),
            false,
            requeue,
        )
        .await
        .unwrap_err();
        assert_eq!(err.reason, ARTIFACT_FAILED_REASON);
        assert_eq!(
            err.message,
            "Source artifact not found in 'GitRepository/apps/empty', retrying in 30s"
        );

        // Not in the cache: read from the API, which fails here.
        let err = artifact(
            &client,
            Some(&caches),
            &kustomization("other"),
            false,
            requeue,
        )
        .await
        .unwrap_err();
        assert!(
            err.message
                .starts_with("failed to get source 'GitRepository/apps/other'"),
            "{}",
            err.message
        );
    }
}
