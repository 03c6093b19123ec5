//! Vendoring the dependencies of a chart from Git or a Bucket (Flux's
//! `DependencyManager`): every dependency in `Chart.yaml` (versions pinned by
//! `Chart.lock` when present) that is not already under `charts/` is fetched and added
//! as `charts/<name>-<version>.tgz`:
//! - `file://<path>`: a chart directory relative to the chart, which must stay inside the
//!   source artifact;
//! - `http(s)://<repo>`: the newest version matching the constraint in that repository's
//!   index (the matching HelmRepository's stored index when the caller has one), with the
//!   client options the caller resolved for that URL (that HelmRepository's credentials
//!   and TLS), anonymously otherwise, as Flux does;
//! - `oci://<registry>/<path>`: the chart `<path>/<name>` in that registry, an exact
//!   version as a tag (`+` stored as `_`, as Helm does) and a range over the tags, pulled
//!   with the client options the caller resolved for that repository URL (the matching
//!   OCI HelmRepository's credentials, CA and `insecure`), anonymously over HTTPS
//!   otherwise.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::Error;
use crate::chart::{
    ChartDependency, Limits, LoadedChart, dependencies_of, is_exact_version, load_dir,
};
use crate::client::{ClientOptions, RepositoryClient};
use crate::index::Index;
use crate::package::{apply_helmignore, write_archive};

/// Options for dependency resolution.
#[derive(Clone, Debug)]
pub struct DependencyOptions {
    /// The root of the source artifact; `file://` dependencies may not leave it.
    pub source_root: PathBuf,
    /// Maximum size of a downloaded index.
    pub max_index_size: u64,
    /// Maximum size of a downloaded chart.
    pub max_chart_size: u64,
    /// Limits for reading charts.
    pub limits: Limits,
    /// Client options for `http(s)://` dependency repositories, by repository URL without
    /// a trailing slash; other repositories are read anonymously.
    pub http_repositories: BTreeMap<String, ClientOptions>,
    /// Already downloaded `index.yaml` files of `http(s)://` dependency repositories (a
    /// HelmRepository's stored artifact), by repository URL without a trailing slash;
    /// the others are downloaded.
    pub http_indexes: BTreeMap<String, PathBuf>,
    /// Client options for `oci://` dependency repositories, by repository URL without a
    /// trailing slash; other OCI repositories are pulled anonymously over HTTPS.
    pub oci_repositories: BTreeMap<String, flux_oci::ClientOptions>,
}

/// Adds the missing dependencies of `chart` (read from `chart_dir`) to its files.
/// Returns how many were added.
pub async fn resolve(
    chart: &mut LoadedChart,
    chart_dir: &Path,
    options: &DependencyOptions,
) -> Result<usize, Error> {
    let mut deps = chart.metadata.dependencies();
    if let Some(lock) = chart
        .files
        .get("Chart.lock")
        .or(chart.files.get("requirements.lock"))
        && let Ok(Value::Object(map)) = serde_saphyr::from_slice::<Value>(lock)
    {
        let locked = dependencies_of(map.get("dependencies"));
        for dep in &mut deps {
            if let Some(l) = locked.iter().find(|l| l.name == dep.name) {
                dep.version.clone_from(&l.version);
            }
        }
    }
    let mut added = 0;
    for dep in deps {
        if dep.name.is_empty() {
            return Err(Error::Dependency {
                name: String::new(),
                reason: "a dependency in Chart.yaml has no name".into(),
            });
        }
        if is_vendored(chart, &dep.name) {
            continue;
        }
        let (file_name, bytes) = fetch(&dep, chart_dir, options).await?;
        chart.files.insert(format!("charts/{file_name}"), bytes);
        added += 1;
    }
    Ok(added)
}

fn is_vendored(chart: &LoadedChart, name: &str) -> bool {
    chart.files.keys().any(|path| {
        let Some(rest) = path.strip_prefix("charts/") else {
            return false;
        };
        let first = rest.split('/').next().unwrap_or_default();
        first == name
            || (rest == first
                && first.ends_with(".tgz")
                && first.strip_prefix(name).is_some_and(|v| v.starts_with('-')))
    })
}

async fn fetch(
    dep: &ChartDependency,
    chart_dir: &Path,
    options: &DependencyOptions,
) -> Result<(String, Vec<u8>), Error> {
    let err = |reason: String| Error::Dependency {
        name: dep.name.clone(),
        reason,
    };
    let repo = dep.repository.trim();
    if let Some(path) = repo.strip_prefix("file://") {
        let dir = join_inside(chart_dir, path, &options.source_root)
            .ok_or_else(|| err(format!("path '{path}' leaves the source artifact")))?;
        let mut sub = load_dir(&dir, &options.limits).map_err(|e| err(e.to_string()))?;
        apply_helmignore(&mut sub);
        let file_name = format!("{}-{}.tgz", sub.metadata.name(), sub.metadata.version());
        let tmp = tempfile::NamedTempFile::new().map_err(Error::io("temp file", "."))?;
        write_archive(&sub, tmp.path())?;
        let bytes = std::fs::read(tmp.path()).map_err(Error::io("failed to read", tmp.path()))?;
        return Ok((file_name, bytes));
    }
    if repo.starts_with("http://") || repo.starts_with("https://") {
        let base = repo.trim_end_matches('/');
        let client_options = options
            .http_repositories
            .get(base)
            .cloned()
            .unwrap_or_default();
        let client = RepositoryClient::new(repo, client_options)?;
        let tmp = tempfile::tempdir().map_err(Error::io("temp dir", "."))?;
        // A stored index can be garbage collected under us; download it then.
        let index_path = match options.http_indexes.get(base) {
            Some(stored) if stored.is_file() => stored.clone(),
            _ => {
                let path = tmp.path().join("index.yaml");
                client
                    .download_index(&path, options.max_index_size)
                    .await
                    .map_err(|e| err(e.to_string()))?;
                path
            }
        };
        let file =
            std::fs::File::open(&index_path).map_err(Error::io("failed to open", &index_path))?;
        let index = Index::from_reader(std::io::BufReader::new(file), options.max_index_size)
            .map_err(|e| err(format!("repository '{repo}': {e}")))?;
        let version = index
            .get(&dep.name, &dep.version)
            .map_err(|e| err(e.to_string()))?
            .clone();
        let chart_path = tmp.path().join("chart.tgz");
        client
            .download_chart(&version, &chart_path, options.max_chart_size)
            .await
            .map_err(|e| err(e.to_string()))?;
        let bytes = std::fs::read(&chart_path).map_err(Error::io("failed to read", &chart_path))?;
        // Refuse unsafe archives here rather than at render time.
        crate::chart::load_archive(bytes.as_slice(), &dep.name, &options.limits)?;
        return Ok((format!("{}-{}.tgz", dep.name, version.version), bytes));
    }
    if repo.starts_with("oci://") {
        return fetch_oci(dep, repo, options).await.map_err(err);
    }
    if repo.is_empty() {
        return Err(err(
            "not found under charts/ and no repository is given".into()
        ));
    }
    Err(err(format!(
        "repository '{repo}' is not a URL; repository aliases are not supported"
    )))
}

async fn fetch_oci(
    dep: &ChartDependency,
    repo: &str,
    options: &DependencyOptions,
) -> Result<(String, Vec<u8>), String> {
    use flux_oci::{OciClient, OciRef, OciUrl};
    let base = repo.trim_end_matches('/');
    let url = OciUrl::parse(&format!("{base}/{}", dep.name)).map_err(|e| e.to_string())?;
    let client_options = options
        .oci_repositories
        .get(base)
        .cloned()
        .unwrap_or_default();
    let client = OciClient::new(url, client_options).map_err(|e| e.to_string())?;
    let version = dep.version.trim();
    let oci_ref = if is_exact_version(version) {
        OciRef::Tag(version.replace('+', "_"))
    } else {
        OciRef::Semver {
            range: if version.is_empty() { "*" } else { version }.to_string(),
            filter: None,
        }
    };
    let resolved = client.resolve(&oci_ref).await.map_err(|e| e.to_string())?;
    let tmp = tempfile::tempdir().map_err(|e| format!("creating a temp dir: {e}"))?;
    let chart_path = tmp.path().join("chart.tgz");
    client
        .pull_layer(
            &resolved.digest,
            Some(flux_oci::HELM_CHART_CONTENT_MEDIA_TYPE),
            &chart_path,
            options.max_chart_size,
        )
        .await
        .map_err(|e| e.to_string())?;
    let bytes =
        std::fs::read(&chart_path).map_err(|e| format!("reading {}: {e}", chart_path.display()))?;
    let loaded = crate::chart::load_archive(bytes.as_slice(), &dep.name, &options.limits)
        .map_err(|e| e.to_string())?;
    Ok((
        format!("{}-{}.tgz", dep.name, loaded.metadata.version()),
        bytes,
    ))
}

/// `base/rel` resolved lexically, if it stays inside `root`.
fn join_inside(base: &Path, rel: &str, root: &Path) -> Option<PathBuf> {
    let mut out = base.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    out.starts_with(root).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_stay_inside_the_source() {
        let root = Path::new("/src");
        let base = Path::new("/src/charts/app");
        assert_eq!(
            join_inside(base, "../lib", root),
            Some(PathBuf::from("/src/charts/lib"))
        );
        assert_eq!(join_inside(base, "../../../etc", root), None);
        assert_eq!(join_inside(base, "/etc", root), None);
    }
}
