//! The build step: getting a chart from its source and producing the archive to store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use flux_api::constants::{BUILD_FAILED_CONDITION, FETCH_FAILED_CONDITION, ILLEGAL_PATH_REASON};
use flux_api::meta::Artifact;
use flux_api::source::{HelmChart, HelmRepository};
use flux_artifact::{ExtractLimits, Storage};
use flux_helmrepo::chart::{Limits, LoadedChart, load_archive_file, load_dir};
use flux_helmrepo::deps::{DependencyOptions, resolve};
use flux_helmrepo::package::{PackageOptions, apply, apply_helmignore, write_archive};
use flux_helmrepo::values::merge_files;
use flux_helmrepo::{DEFAULT_MAX_CHART_SIZE, Index, RepositoryClient};
use flux_oci::{OciClient, OciRef, OciUrl, Resolved};
use flux_runtime::reconcile::{ReconcileError, Shared};
use kube::ResourceExt;

use crate::artifact_steps::{self, local_path, timeout};
use crate::helmrepository::{auth, fetch_error};
use crate::ocirepository::{pull_failed, verify};

/// Flux's reason for chart build failures.
pub const BUILD_FAILED_REASON: &str = "BuildFailed";

/// A chart ready to be finished (values merged, version set) and stored.
pub struct Fetched {
    /// The chart in memory.
    pub chart: LoadedChart,
    /// The archive as downloaded, when the chart came from a repository.
    pub archive: Option<PathBuf>,
}

pub(crate) fn build_failed(message: String) -> ReconcileError {
    ReconcileError::transient(BUILD_FAILED_REASON, message).with_condition(BUILD_FAILED_CONDITION)
}

fn fetch_failed(reason: &'static str, message: String) -> ReconcileError {
    ReconcileError::transient(reason, message).with_condition(FETCH_FAILED_CONDITION)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ReconcileError> + Send + 'static,
) -> Result<T, ReconcileError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| build_failed(format!("build task failed: {e}")))?
}

/// Selects the version in the stored index of an HTTP HelmRepository. Returns the
/// selected version entry.
pub async fn select_from_index(
    storage: &Arc<Storage>,
    index: &Artifact,
    chart: &str,
    version: &str,
    max_index_size: u64,
) -> Result<flux_helmrepo::ChartVersion, ReconcileError> {
    let path = local_path(storage, index)?;
    let (chart, version) = (chart.to_string(), version.to_string());
    blocking(move || {
        let file = std::fs::File::open(&path).map_err(|e| {
            fetch_failed(
                flux_api::constants::READ_OPERATION_FAILED_REASON,
                format!("failed to read the repository index: {e}"),
            )
        })?;
        let index = Index::from_reader(std::io::BufReader::new(file), max_index_size)
            .map_err(|e| build_failed(format!("failed to load the repository index: {e}")))?;
        index
            .get(&chart, &version)
            .cloned()
            .map_err(|e| build_failed(format!("invalid chart reference: {e}")))
    })
    .await
}

/// Downloads `version` from an HTTP HelmRepository.
pub async fn download_http(
    ctx: &Shared,
    repo: &HelmRepository,
    version: &flux_helmrepo::ChartVersion,
    work: &Path,
) -> Result<Fetched, ReconcileError> {
    let options = auth::client_options(&ctx.client, repo).await?;
    let client = RepositoryClient::new(&repo.spec.url, options)
        .map_err(|e| fetch_error(&e, &repo.spec.url))?;
    let dest = work.join("chart.tgz");
    client
        .download_chart(version, &dest, DEFAULT_MAX_CHART_SIZE)
        .await
        .map_err(|e| {
            let mut err = fetch_error(&e, &repo.spec.url);
            err.message = format!("failed to download chart '{}': {e}", version.name);
            err
        })?;
    load_downloaded(dest).await
}

async fn load_downloaded(dest: PathBuf) -> Result<Fetched, ReconcileError> {
    blocking(move || {
        let chart = load_archive_file(&dest, &Limits::default())
            .map_err(|e| build_failed(format!("failed to load the downloaded chart: {e}")))?;
        Ok(Fetched {
            chart,
            archive: Some(dest),
        })
    })
    .await
}

/// Resolves the chart's tag in an OCI HelmRepository (`<url>/<chart>`): an exact
/// `spec.version` is a tag, anything else a range over the tags.
pub async fn resolve_oci(
    ctx: &Shared,
    repo: &HelmRepository,
    obj: &HelmChart,
) -> Result<(OciClient, Resolved), ReconcileError> {
    let ns = obj.namespace().unwrap_or_default();
    let url = format!("{}/{}", repo.spec.url.trim_end_matches('/'), obj.spec.chart);
    let url = OciUrl::parse(&url).map_err(|e| {
        ReconcileError::stalling(flux_api::constants::URL_INVALID_REASON, e.to_string())
            .with_condition(FETCH_FAILED_CONDITION)
    })?;
    let options = verify::client_options(
        &ctx.client,
        &ns,
        &url.registry,
        repo.spec.secret_ref.as_ref(),
        repo.spec.cert_secret_ref.as_ref(),
        repo.spec.insecure,
        timeout(repo.spec.timeout.as_deref()),
    )
    .await?;
    let client = OciClient::new(url, options).map_err(|e| pull_failed(&e))?;
    let version = obj.spec.version.clone().unwrap_or_default();
    let version = version.trim();
    // Helm stores '+' as '_' in tags.
    let oci_ref = if flux_helmrepo::chart::is_exact_version(version) {
        OciRef::Tag(version.replace('+', "_"))
    } else {
        OciRef::Semver {
            range: if version.is_empty() {
                "*".into()
            } else {
                version.into()
            },
            filter: None,
        }
    };
    let resolved = client
        .resolve(&oci_ref)
        .await
        .map_err(|e| pull_failed(&e))?;
    Ok((client, resolved))
}

/// The chart version of a resolved OCI tag.
pub fn oci_version(resolved: &Resolved) -> String {
    resolved.tag.clone().unwrap_or_default().replace('_', "+")
}

/// Verifies (when the HelmChart asks for it) and pulls a resolved OCI chart.
pub async fn pull_oci(
    ctx: &Shared,
    client: &OciClient,
    resolved: &Resolved,
    obj: &mut HelmChart,
    work: &Path,
) -> Result<Fetched, ReconcileError> {
    if let Some(v) = obj.spec.verify.clone() {
        let ns = obj.namespace().unwrap_or_default();
        verify::verify(&ctx.client, &ns, obj, &v, client, &resolved.digest).await?;
    }
    let dest = work.join("chart.tgz");
    client
        .pull_layer(
            &resolved.digest,
            Some(flux_oci::HELM_CHART_CONTENT_MEDIA_TYPE),
            &dest,
            DEFAULT_MAX_CHART_SIZE,
        )
        .await
        .map_err(|e| pull_failed(&e))?;
    load_downloaded(dest).await
}

/// Extracts a GitRepository/Bucket artifact and reads the chart directory at
/// `chart_path`, with its dependencies vendored. Returns the chart and the source root.
pub async fn load_local(
    ctx: &Shared,
    namespace: &str,
    storage: &Arc<Storage>,
    artifact: &Artifact,
    chart_path: &str,
    work: &Path,
) -> Result<(Fetched, PathBuf), ReconcileError> {
    let tarball = local_path(storage, artifact)?;
    let root = work.join("source");
    let dest = root.clone();
    blocking(move || {
        let file = std::fs::File::open(&tarball).map_err(|e| {
            fetch_failed(
                SOURCE_READ_REASON,
                format!("failed to open source artifact: {e}"),
            )
        })?;
        let limits = ExtractLimits {
            max_untar_size: None,
            ..ExtractLimits::default()
        };
        flux_artifact::fetch::untar(std::io::BufReader::new(file), &dest, &limits).map_err(
            |e| {
                fetch_failed(
                    SOURCE_READ_REASON,
                    format!("failed to extract source artifact: {e}"),
                )
            },
        )?;
        Ok(())
    })
    .await?;
    let Some(chart_dir) = crate::gitrepository::decide::secure_join(&root, chart_path) else {
        return Err(ReconcileError::stalling(
            ILLEGAL_PATH_REASON,
            format!("chart path '{chart_path}' leaves the source artifact"),
        )
        .with_condition(BUILD_FAILED_CONDITION));
    };
    if !std::fs::metadata(&chart_dir).is_ok_and(|m| m.is_dir()) {
        return Err(build_failed(format!(
            "chart path '{chart_path}' not found in source artifact revision '{}'",
            artifact.revision
        )));
    }
    let dir = chart_dir.clone();
    let mut chart = blocking(move || {
        let mut chart = load_dir(&dir, &Limits::default()).map_err(|e| {
            build_failed(format!(
                "failed to load chart from '{chart_path_owned}': {e}",
                chart_path_owned = dir.display()
            ))
        })?;
        apply_helmignore(&mut chart);
        Ok(chart)
    })
    .await?;
    let repositories =
        super::dep_repos::repository_options(ctx, storage, namespace, &chart).await?;
    let options = DependencyOptions {
        source_root: root.clone(),
        max_index_size: flux_helmrepo::DEFAULT_MAX_INDEX_SIZE,
        max_chart_size: DEFAULT_MAX_CHART_SIZE,
        limits: Limits::default(),
        http_repositories: repositories.http,
        http_indexes: repositories.http_indexes,
        oci_repositories: repositories.oci,
    };
    resolve(&mut chart, &chart_dir, &options)
        .await
        .map_err(|e| build_failed(format!("failed to build chart dependencies: {e}")))?;
    Ok((
        Fetched {
            chart,
            archive: None,
        },
        root,
    ))
}

/// Reason when the source artifact cannot be read.
const SOURCE_READ_REASON: &str = "SourceUnavailable";

/// Merges values files, sets the version and writes the archive to store. Returns the
/// archive path and the merged files. A downloaded chart with nothing to change is kept
/// byte for byte.
pub async fn finish(
    mut fetched: Fetched,
    values_files: Vec<String>,
    ignore_missing: bool,
    values_root: Option<PathBuf>,
    version: String,
    work: &Path,
) -> Result<(PathBuf, Vec<String>), ReconcileError> {
    let changes_version = fetched.chart.metadata.version() != version;
    if values_files.is_empty()
        && !changes_version
        && let Some(archive) = fetched.archive.take()
    {
        return Ok((archive, Vec::new()));
    }
    let dest = work.join("packaged.tgz");
    let out = dest.clone();
    blocking(move || {
        let files: Vec<&str> = values_files.iter().map(String::as_str).collect();
        let mut merged_files = Vec::new();
        let mut values = None;
        if !files.is_empty() {
            let chart_files = fetched.chart.files.clone();
            let merged = merge_files(&files, ignore_missing, |f| {
                let rel = f.trim_start_matches("./");
                match &values_root {
                    Some(root) => {
                        let Some(path) = crate::gitrepository::decide::secure_join(root, rel)
                        else {
                            return Err(flux_helmrepo::Error::Values {
                                file: f.to_string(),
                                reason: "path leaves the source artifact".into(),
                            });
                        };
                        if artifact_steps::is_file(&path) {
                            std::fs::read(&path).map(Some).map_err(|e| {
                                flux_helmrepo::Error::Values {
                                    file: f.to_string(),
                                    reason: e.to_string(),
                                }
                            })
                        } else {
                            Ok(None)
                        }
                    }
                    None => Ok(chart_files.get(rel).cloned()),
                }
            })
            .map_err(|e| build_failed(format!("failed to merge values files: {e}")))?;
            merged_files = merged.merged_files;
            values = Some(merged.values);
        }
        apply(
            &mut fetched.chart,
            &PackageOptions {
                version: changes_version.then_some(version),
                values,
            },
        )
        .map_err(|e| build_failed(e.to_string()))?;
        write_archive(&fetched.chart, &out)
            .map_err(|e| build_failed(format!("failed to package chart: {e}")))?;
        Ok(merged_files)
    })
    .await
    .map(|merged| (dest, merged))
}
