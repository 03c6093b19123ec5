//! Client options for a chart's `http(s)://` and `oci://` dependencies, as Flux's
//! namespaced chart repository callback: a dependency repository URL that matches the
//! `spec.url` of a HelmRepository of the same type in the HelmChart's namespace is
//! reached with that repository's `secretRef`, `certSecretRef`, `timeout` (and, for OCI,
//! `insecure`), and for HTTP its stored index is used; the others anonymously.

use std::collections::BTreeMap;
use std::path::PathBuf;

use flux_api::source::HelmRepository;
use flux_artifact::Storage;
use flux_helmrepo::chart::LoadedChart;
use flux_oci::OciUrl;
use flux_runtime::reconcile::{ReconcileError, Shared};
use kube::Api;
use kube::api::ListParams;

use crate::artifact_steps::{is_file, local_path, timeout};
use crate::helmrepository::auth;
use crate::ocirepository::verify;

/// Client options by dependency repository URL (no trailing slash).
#[derive(Default)]
pub struct RepositoryOptions {
    /// For `http(s)://` repositories.
    pub http: BTreeMap<String, flux_helmrepo::ClientOptions>,
    /// The stored index of `http(s)://` repositories, where the HelmRepository has one.
    pub http_indexes: BTreeMap<String, PathBuf>,
    /// For `oci://` repositories.
    pub oci: BTreeMap<String, flux_oci::ClientOptions>,
}

/// The remote repositories `chart` depends on, without a trailing slash.
pub fn dependency_repositories(chart: &LoadedChart) -> Vec<String> {
    let mut urls: Vec<String> = chart
        .metadata
        .dependencies()
        .iter()
        .map(|d| d.repository.trim().trim_end_matches('/').to_string())
        .filter(|r| {
            ["oci://", "http://", "https://"]
                .iter()
                .any(|s| r.starts_with(s))
        })
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// Client options for each remote dependency repository of `chart` that has a matching
/// HelmRepository in `namespace`.
pub async fn repository_options(
    ctx: &Shared,
    storage: &Storage,
    namespace: &str,
    chart: &LoadedChart,
) -> Result<RepositoryOptions, ReconcileError> {
    let urls = dependency_repositories(chart);
    let mut out = RepositoryOptions::default();
    if urls.is_empty() {
        return Ok(out);
    }
    let repos = Api::<HelmRepository>::namespaced(ctx.client.clone(), namespace)
        .list(&ListParams::default())
        .await
        .map_err(|e| {
            super::build::build_failed(format!(
                "failed to list HelmRepositories in '{namespace}' for the chart dependencies: {e}"
            ))
        })?;
    for url in urls {
        let oci = url.starts_with("oci://");
        let Some(repo) = repos
            .items
            .iter()
            .find(|r| r.is_oci() == oci && r.spec.url.trim().trim_end_matches('/') == url)
        else {
            continue;
        };
        if !oci {
            // As Flux, read the repository's stored index rather than download it again.
            if let Some(artifact) = repo.status.as_ref().and_then(|s| s.artifact.as_ref())
                && let Ok(path) = local_path(storage, artifact)
                && is_file(&path)
            {
                out.http_indexes.insert(url.clone(), path);
            }
            out.http
                .insert(url, auth::client_options(&ctx.client, repo).await?);
            continue;
        }
        let Ok(parsed) = OciUrl::parse(&url) else {
            // An unusable URL fails with a clear message when the dependency is fetched.
            continue;
        };
        let options = verify::client_options(
            &ctx.client,
            namespace,
            &parsed.registry,
            repo.spec.secret_ref.as_ref(),
            repo.spec.cert_secret_ref.as_ref(),
            repo.spec.insecure,
            timeout(repo.spec.timeout.as_deref()),
        )
        .await?;
        out.oci.insert(url, options);
    }
    Ok(out)
}
