//! Reading charts: archives (`.tgz`) and directories, with Helm's layout rules and the
//! safety checks a controller needs for untrusted input: entries must stay inside the
//! chart (no absolute paths, no `..`), links are refused, and file and total sizes are
//! capped.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};

use flate2::read::GzDecoder;
use serde_json::Value;

use crate::Error;

/// A dependency from `Chart.yaml` (or `requirements.yaml` for apiVersion v1 charts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartDependency {
    /// The chart name.
    pub name: String,
    /// The version constraint.
    pub version: String,
    /// The repository URL (`https://…`, `oci://…`, `file://…`) or an alias (`@name`).
    pub repository: String,
    /// The alias, if any.
    pub alias: Option<String>,
}

/// `Chart.yaml`, kept whole (so repackaging preserves every field) with typed accessors.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartMetadata {
    /// The document as parsed.
    pub raw: serde_json::Map<String, Value>,
}

impl ChartMetadata {
    /// Parses `Chart.yaml`; `name` and `version` are required, as Helm's validation says.
    pub fn parse(bytes: &[u8], chart: &str) -> Result<ChartMetadata, Error> {
        let invalid = |reason: String| Error::InvalidChart {
            chart: chart.to_string(),
            reason,
        };
        let value: Value = serde_saphyr::from_slice(bytes)
            .map_err(|e| invalid(format!("Chart.yaml: {}", first_line(&e.to_string()))))?;
        let Value::Object(raw) = value else {
            return Err(invalid("Chart.yaml is not a YAML map".into()));
        };
        let meta = ChartMetadata { raw };
        if meta.name().is_empty() {
            return Err(invalid(
                "Chart.yaml: chart.metadata.name is required".into(),
            ));
        }
        if meta.version().is_empty() {
            return Err(invalid(
                "Chart.yaml: chart.metadata.version is required".into(),
            ));
        }
        if flux_semver::Version::parse(meta.version()).is_err() {
            return Err(invalid(format!(
                "Chart.yaml: version '{}' is not a semantic version",
                meta.version()
            )));
        }
        Ok(meta)
    }

    fn str_field(&self, key: &str) -> &str {
        self.raw
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `name`.
    pub fn name(&self) -> &str {
        self.str_field("name")
    }

    /// `version`.
    pub fn version(&self) -> &str {
        self.str_field("version")
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.str_field("apiVersion")
    }

    /// Sets `version` (Flux's `<version>+<suffix>` revisions).
    pub fn set_version(&mut self, version: &str) {
        self.raw
            .insert("version".into(), Value::String(version.to_string()));
    }

    /// `dependencies`.
    pub fn dependencies(&self) -> Vec<ChartDependency> {
        dependencies_of(self.raw.get("dependencies"))
    }

    /// Serializes back to YAML.
    pub fn to_yaml(&self) -> Result<String, Error> {
        serde_saphyr::to_string(&self.raw).map_err(|e| Error::InvalidChart {
            chart: self.name().to_string(),
            reason: format!("serializing Chart.yaml: {e}"),
        })
    }
}

/// Dependencies from a `dependencies:` list.
pub fn dependencies_of(list: Option<&Value>) -> Vec<ChartDependency> {
    let text = |d: &Value, k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
    list.and_then(Value::as_array)
        .map(|deps| {
            deps.iter()
                .map(|d| ChartDependency {
                    name: text(d, "name").unwrap_or_default(),
                    version: text(d, "version").unwrap_or_default(),
                    repository: text(d, "repository").unwrap_or_default(),
                    alias: text(d, "alias"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A chart read into memory: its metadata and every file by path relative to the chart
/// root (`Chart.yaml`, `templates/x.yaml`, `charts/sub-1.0.0.tgz`, …).
#[derive(Clone, Debug)]
pub struct LoadedChart {
    /// `Chart.yaml`.
    pub metadata: ChartMetadata,
    /// The files, by relative path.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Caps for reading a chart.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum size of one file.
    pub max_file_size: u64,
    /// Maximum sum of file sizes.
    pub max_total_size: u64,
    /// Maximum number of entries.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: crate::DEFAULT_MAX_CHART_FILE_SIZE,
            max_total_size: 4 * crate::DEFAULT_MAX_CHART_SIZE,
            max_entries: 10_000,
        }
    }
}

/// Reads a chart archive (gzip'd tar with one top-level directory).
pub fn load_archive(reader: impl Read, chart: &str, limits: &Limits) -> Result<LoadedChart, Error> {
    let invalid = |reason: String| Error::InvalidChart {
        chart: chart.to_string(),
        reason,
    };
    let mut archive = tar::Archive::new(GzDecoder::new(reader));
    let entries = archive
        .entries()
        .map_err(|e| invalid(format!("not a gzip'd tar archive: {e}")))?;
    let mut files = BTreeMap::new();
    let mut top: Option<String> = None;
    let mut total = 0u64;
    for (count, entry) in entries.enumerate() {
        if count >= limits.max_entries {
            return Err(invalid(format!("more than {} entries", limits.max_entries)));
        }
        let mut entry = entry.map_err(|e| invalid(format!("reading archive: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| invalid(format!("bad entry name: {e}")))?
            .into_owned();
        let shown = path.display().to_string();
        let parts = safe_components(&path)
            .ok_or_else(|| invalid(format!("entry '{shown}' leaves the chart directory")))?;
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(invalid(format!(
                "entry '{shown}' is a link; links are not allowed"
            )));
        }
        if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName
        ) {
            continue;
        }
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(invalid(format!("entry '{shown}' is not a regular file")));
        }
        let Some((first, rest)) = parts.split_first() else {
            continue;
        };
        if rest.is_empty() {
            return Err(invalid(format!(
                "file '{shown}' is outside the chart's top-level directory"
            )));
        }
        match &top {
            None => top = Some(first.clone()),
            Some(t) if t != first => {
                return Err(invalid(format!(
                    "more than one top-level directory ('{t}', '{first}')"
                )));
            }
            Some(_) => {}
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > limits.max_file_size {
            return Err(invalid(format!(
                "file '{shown}' is larger than {} bytes",
                limits.max_file_size
            )));
        }
        total = total.saturating_add(size);
        if total > limits.max_total_size {
            return Err(invalid(format!(
                "content larger than {} bytes",
                limits.max_total_size
            )));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(limits.max_file_size + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| invalid(format!("reading '{shown}': {e}")))?;
        files.insert(rest.join("/"), bytes);
    }
    finish(files, chart)
}

/// Reads a chart archive from a file.
pub fn load_archive_file(path: &Path, limits: &Limits) -> Result<LoadedChart, Error> {
    let file = std::fs::File::open(path).map_err(Error::io("failed to open chart", path))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    load_archive(std::io::BufReader::new(file), &name, limits)
}

/// Reads a chart directory. Symlinks inside it are refused (a chart from Git must not
/// pull in files from outside the checkout).
pub fn load_dir(dir: &Path, limits: &Limits) -> Result<LoadedChart, Error> {
    let chart = dir.display().to_string();
    let mut files = BTreeMap::new();
    let mut total = 0u64;
    walk(dir, dir, &chart, limits, &mut files, &mut total)?;
    finish(files, &chart)
}

fn walk(
    root: &Path,
    dir: &Path,
    chart: &str,
    limits: &Limits,
    files: &mut BTreeMap<String, Vec<u8>>,
    total: &mut u64,
) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidChart {
        chart: chart.to_string(),
        reason,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(Error::io("failed to read directory", dir))?
        .collect::<Result<_, _>>()
        .map_err(Error::io("failed to read directory", dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let rel_str = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let meta = std::fs::symlink_metadata(&path).map_err(Error::io("failed to stat", &path))?;
        if meta.file_type().is_symlink() {
            return Err(invalid(format!(
                "'{rel_str}' is a symlink; links are not allowed"
            )));
        }
        if meta.is_dir() {
            walk(root, &path, chart, limits, files, total)?;
            continue;
        }
        if !meta.is_file() {
            continue;
        }
        if files.len() >= limits.max_entries {
            return Err(invalid(format!("more than {} files", limits.max_entries)));
        }
        if meta.len() > limits.max_file_size {
            return Err(invalid(format!(
                "file '{rel_str}' is larger than {} bytes",
                limits.max_file_size
            )));
        }
        *total += meta.len();
        if *total > limits.max_total_size {
            return Err(invalid(format!(
                "content larger than {} bytes",
                limits.max_total_size
            )));
        }
        let bytes = std::fs::read(&path).map_err(Error::io("failed to read", &path))?;
        files.insert(rel_str, bytes);
    }
    Ok(())
}

fn finish(files: BTreeMap<String, Vec<u8>>, chart: &str) -> Result<LoadedChart, Error> {
    let chart_yaml = files.get("Chart.yaml").ok_or_else(|| Error::InvalidChart {
        chart: chart.to_string(),
        reason: "Chart.yaml file is missing".into(),
    })?;
    let mut metadata = ChartMetadata::parse(chart_yaml, chart)?;
    // apiVersion v1 charts keep their dependencies in requirements.yaml.
    if metadata.raw.get("dependencies").is_none()
        && let Some(req) = files.get("requirements.yaml")
        && let Ok(Value::Object(map)) = serde_saphyr::from_slice::<Value>(req)
        && let Some(deps) = map.get("dependencies")
    {
        metadata.raw.insert("dependencies".into(), deps.clone());
    }
    Ok(LoadedChart { metadata, files })
}

/// The normal components of a relative path, or `None` when it is absolute or has `..`.
fn safe_components(path: &Path) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => {
                let s = p.to_str()?;
                if s.contains('\\') {
                    return None;
                }
                out.push(s.to_string());
            }
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

pub(crate) fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

/// Whether `version` names one version (`1.2.3`, `v1.2.3-rc.1+meta`) rather than a
/// range (`*`, `1.x`, `^1`, `>=1 <2`, `1.2 || 2.0`).
pub fn is_exact_version(version: &str) -> bool {
    let v = version.trim();
    !v.is_empty()
        && !v.contains(['*', '^', '~', '>', '<', '=', '|', ' ', ','])
        && v.split(['-', '+']).next().is_some_and(|core| {
            core.split('.').count() == 3 && !core.split('.').any(|p| p == "x" || p == "X")
        })
        && flux_semver::Version::parse(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_versions_and_ranges() {
        for exact in ["1.2.3", "v1.2.3", "1.2.3-rc.1", "1.2.3+build.1"] {
            assert!(is_exact_version(exact), "{exact}");
        }
        for range in [
            "",
            "*",
            "1.x",
            "1.2",
            "^1.2.3",
            "~1.2",
            ">=1.0.0 <2",
            "1.2.3 || 2.0.0",
            "1.2.X",
        ] {
            assert!(!is_exact_version(range), "{range}");
        }
    }
}
