//! Client options for a chart's `oci://` dependencies, as Flux's namespaced chart
//! repository callback: a dependency repository URL that matches the `spec.url` of an
//! OCI HelmRepository in the HelmChart's namespace is reached with that repository's
//! `secretRef`, `certSecretRef`, `insecure` and `timeout`; the others anonymously.

use std::collections::BTreeMap;

use flux_api::constants::FETCH_FAILED_CONDITION;
use flux_api::source::HelmRepository;
use flux_helmrepo::chart::LoadedChart;
use flux_oci::{ClientOptions, OciUrl};
use flux_runtime::reconcile::{ReconcileError, Shared};
use kube::Api;
use kube::api::ListParams;

use crate::artifact_steps::timeout;
use crate::ocirepository::verify;

/// The `oci://` repositories `chart` depends on, without a trailing slash.
pub fn oci_dependency_repositories(chart: &LoadedChart) -> Vec<String> {
    let mut urls: Vec<String> = chart
        .metadata
        .dependencies()
        .iter()
        .map(|d| d.repository.trim().trim_end_matches('/').to_string())
        .filter(|r| r.starts_with("oci://"))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// Client options for each `oci://` dependency repository of `chart` that has a matching
/// OCI HelmRepository in `namespace`.
pub async fn oci_repositories(
    ctx: &Shared,
    namespace: &str,
    chart: &LoadedChart,
) -> Result<BTreeMap<String, ClientOptions>, ReconcileError> {
    let urls = oci_dependency_repositories(chart);
    let mut out = BTreeMap::new();
    if urls.is_empty() {
        return Ok(out);
    }
    let repos = Api::<HelmRepository>::namespaced(ctx.client.clone(), namespace)
        .list(&ListParams::default())
        .await
        .map_err(|e| {
            ReconcileError::transient(
                flux_api::constants::OCI_PULL_FAILED_REASON,
                format!(
                    "failed to list HelmRepositories in '{namespace}' for the chart dependencies: {e}"
                ),
            )
            .with_condition(FETCH_FAILED_CONDITION)
        })?;
    for url in urls {
        let Some(repo) = repos
            .items
            .iter()
            .find(|r| r.is_oci() && r.spec.url.trim().trim_end_matches('/') == url)
        else {
            continue;
        };
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
        out.insert(url, options);
    }
    Ok(out)
}
