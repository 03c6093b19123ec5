//! Loading a chart directory (and its `charts/` subcharts) like Helm's loader,
//! including Chart.yaml validation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::helmignore::Rules;
use super::{Chart, Metadata, Requirements};
use crate::error::HelmError;
use crate::funcs::semver::Version;
use crate::template::value::Value;
use crate::yaml::load::parse_values;

const MAX_FILES: usize = 100_000;

/// Receives the text of every template file read from an archive, so
/// templates can be parsed while the rest of the chart loads.
pub type TemplateSink<'s> = &'s mut dyn FnMut(&Arc<str>);

/// Load a chart from a directory.
pub fn load_dir(dir: &Path) -> Result<Chart, HelmError> {
    load_dir_with(dir, &mut ReadNow::default(), &mut |_| {})
}

/// A chart file's content. Template texts already handed to the parser
/// travel as that same text, so they are not handed over twice.
pub(crate) enum Content {
    /// Any file's bytes (a template's too, when it is not UTF-8).
    Bytes(Vec<u8>),
    /// A template's text.
    Template(Arc<str>),
    /// A template file a [`TemplateReader`] is reading.
    Pending,
}

impl Content {
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Content::Bytes(b) => b,
            Content::Template(t) => t.as_bytes().to_vec(),
            Content::Pending => Vec::new(),
        }
    }
}

/// Reads the template files a directory walk finds: at once, or on other
/// threads while the walk goes on (a chart has hundreds, and each read is
/// three system calls).
pub(crate) trait TemplateReader {
    /// Template file `path` was found.
    fn found(&mut self, path: PathBuf);
    /// Every found file's content ([`read_content`]), in the order found.
    fn finish(&mut self) -> Vec<Result<Content, HelmError>>;
}

/// Reads each template as it is found.
#[derive(Default)]
struct ReadNow {
    scratch: Vec<u8>,
    read: Vec<Result<Content, HelmError>>,
}

impl TemplateReader for ReadNow {
    fn found(&mut self, path: PathBuf) {
        let content = read_content(&path, true, &mut self.scratch);
        self.read.push(content);
    }

    fn finish(&mut self) -> Vec<Result<Content, HelmError>> {
        std::mem::take(&mut self.read)
    }
}

/// Is this path (relative to the top chart) a template of the chart or of a
/// directory subchart, as [`load_files_with`] routes files?
fn is_template_path(path: &str) -> bool {
    let mut rest = path;
    loop {
        if rest.starts_with("templates/") {
            return true;
        }
        let Some((sub, inner)) = rest.strip_prefix("charts/").and_then(|r| r.split_once('/'))
        else {
            return false;
        };
        if sub.starts_with(['_', '.']) || inner.is_empty() {
            return false;
        }
        rest = inner;
    }
}

fn load_dir_with(
    dir: &Path,
    reader: &mut dyn TemplateReader,
    sink: TemplateSink<'_>,
) -> Result<Chart, HelmError> {
    let ignore = match std::fs::read_to_string(dir.join(".helmignore")) {
        Ok(t) => Rules::parse(&t),
        Err(_) => Rules::parse(""),
    };
    let mut files = Vec::new();
    // After a failed walk the reads still queued are not wanted: the caller
    // of a reader that reads elsewhere cancels them.
    walk(
        dir,
        "",
        &ignore,
        &mut files,
        reader,
        &mut Vec::with_capacity(64 << 10),
    )?;
    let mut templates = reader.finish().into_iter();
    for (_, content) in &mut files {
        if matches!(content, Content::Pending) {
            *content = templates
                .next()
                .unwrap_or_else(|| Err(HelmError::Chart("a template file was not read".into())))?;
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    load_files_with(files, "", sink)
}

/// Read every file under `root/rel` not ignored; templates are left to
/// `reader` ([`Content::Pending`] in `out`).
fn walk(
    root: &Path,
    rel: &str,
    ignore: &Rules,
    out: &mut Vec<(String, Content)>,
    reader: &mut dyn TemplateReader,
    scratch: &mut Vec<u8>,
) -> Result<(), HelmError> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let rd = std::fs::read_dir(&dir).map_err(|e| HelmError::Io {
        path: dir.display().to_string(),
        source: e,
    })?;
    // Each name fetched once (a sort key fetched per comparison is a copy each).
    let mut entries: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| (e.file_name(), e))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, e) in entries {
        let name = name.to_string_lossy();
        let path = if rel.is_empty() {
            name.into_owned()
        } else {
            format!("{rel}/{name}")
        };
        let io_err = |err| HelmError::Io {
            path: e.path().display().to_string(),
            source: err,
        };
        // The directory entry knows its type; only symlinks need a stat.
        let kind = e.file_type().map_err(io_err)?;
        let (is_dir, is_file) = if kind.is_symlink() {
            let meta = std::fs::metadata(e.path()).map_err(io_err)?;
            (meta.is_dir(), meta.is_file())
        } else {
            (kind.is_dir(), kind.is_file())
        };
        if ignore.ignored(&path, is_dir) {
            continue;
        }
        if is_dir {
            walk(root, &path, ignore, out, reader, scratch)?;
        } else if is_file {
            if out.len() >= MAX_FILES {
                return Err(HelmError::Chart(format!(
                    "chart at {} has too many files",
                    root.display()
                )));
            }
            if is_template_path(&path) {
                reader.found(e.path());
                out.push((path, Content::Pending));
            } else {
                let content = read_content(&e.path(), false, scratch)?;
                out.push((path, content));
            }
        }
    }
    Ok(())
}

/// Read a chart file (without a byte-order mark) through `scratch`: no stat
/// for its size (hundreds of files add up), and a template's text is copied
/// once, into the shared text the parser gets.
pub(crate) fn read_content(
    path: &Path,
    template: bool,
    scratch: &mut Vec<u8>,
) -> Result<Content, HelmError> {
    use std::io::Read;
    let io_err = |source| HelmError::Io {
        path: path.display().to_string(),
        source,
    };
    scratch.clear();
    let file = std::fs::File::open(path).map_err(io_err)?;
    // `Take` reads without asking the file's size, unlike `File::read_to_end`.
    file.take(u64::MAX).read_to_end(scratch).map_err(io_err)?;
    let data = scratch.strip_prefix(b"\xef\xbb\xbf").unwrap_or(scratch);
    Ok(match std::str::from_utf8(data) {
        Ok(text) if template => Content::Template(Arc::from(text)),
        _ => Content::Bytes(data.to_vec()),
    })
}

/// Fields that stay booleans; every other scalar is read as a string.
const BOOL_FIELDS: &[&str] = &["deprecated", "enabled"];

/// sigs.k8s.io/yaml into a typed struct: YAML 1.1 scalars, and scalars bound
/// for string fields keep Go's rendering of the decoded value (`1.10` → "1.1").
fn decode_like_helm<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let v = crate::yaml::load::parse_yaml(text)
        .map_err(|e| e.lines().next().unwrap_or_default().to_string())?;
    serde_json::from_value(stringify(&v, "", 0)).map_err(|e| e.to_string())
}

fn stringify(v: &Value, key: &str, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > 64 {
        return J::Null;
    }
    match v {
        Value::Nil => J::Null,
        Value::Bool(b) if BOOL_FIELDS.contains(&key) => J::Bool(*b),
        Value::List(l) => J::Array(l.iter().map(|e| stringify(e, "", depth + 1)).collect()),
        Value::Map(_) => J::Object(
            v.map_snapshot()
                .unwrap_or_default()
                .iter()
                .map(|(k, e)| (k.clone(), stringify(e, k, depth + 1)))
                .collect(),
        ),
        Value::Str(s) => J::String(s.to_string()),
        other => J::String(crate::template::gofmt::format_v(other)),
    }
}

/// Build a chart from (path, content) pairs relative to its root.
pub fn load_files(files: Vec<(String, Vec<u8>)>, parent: &str) -> Result<Chart, HelmError> {
    load_files_with(as_contents(files), parent, &mut |_| {})
}

fn as_contents(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Content)> {
    files
        .into_iter()
        .map(|(name, data)| (name, Content::Bytes(data)))
        .collect()
}

fn load_files_with(
    files: Vec<(String, Content)>,
    parent: &str,
    sink: TemplateSink<'_>,
) -> Result<Chart, HelmError> {
    let mut c = Chart::default();
    let mut have_chart_yaml = false;
    let mut subcharts: BTreeMap<String, Vec<(String, Content)>> = BTreeMap::new();
    let mut requirements: Option<Vec<u8>> = None;
    let mut archives: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, content) in files {
        let data = match content {
            Content::Template(text) if name.starts_with("templates/") => {
                c.templates.push((name, text));
                continue;
            }
            Content::Template(text) if name.starts_with("charts/") => {
                if let Some((sub, inner)) = name["charts/".len()..].split_once('/') {
                    subcharts
                        .entry(sub.to_string())
                        .or_default()
                        .push((inner.to_string(), Content::Template(text)));
                    continue;
                }
                text.as_bytes().to_vec()
            }
            other => other.into_bytes(),
        };
        let text = || match std::str::from_utf8(&data) {
            Ok(t) => t.to_owned(),
            Err(_) => String::from_utf8_lossy(&data).into_owned(),
        };
        match name.as_str() {
            "Chart.yaml" => {
                have_chart_yaml = true;
                let t = text();
                c.metadata = if t.trim().is_empty() {
                    Metadata::default()
                } else {
                    decode_like_helm::<Metadata>(&t)
                        .map_err(|e| HelmError::Chart(format!("cannot load Chart.yaml: {e}")))?
                };
                if c.metadata.api_version.as_deref().unwrap_or("").is_empty() {
                    c.metadata.api_version = Some("v1".into());
                }
            }
            "values.yaml" => {
                let v = parse_values(&text())
                    .map_err(|e| HelmError::Chart(format!("cannot load values.yaml: {e}")))?;
                c.values = v.map_snapshot().unwrap_or_default();
            }
            "values.schema.json" => {
                c.schema = Some(serde_json::from_slice(&data).map_err(|e| {
                    HelmError::Chart(format!("cannot load values.schema.json: {e}"))
                })?);
            }
            "requirements.yaml" => requirements = Some(data),
            "Chart.lock" | "requirements.lock" => {}
            n if n.starts_with("templates/") => {
                let text: Arc<str> = Arc::from(text());
                sink(&text);
                c.templates.push((name.clone(), text));
            }
            n if n.starts_with("charts/") => {
                let rest = &n["charts/".len()..];
                let (sub, inner) = rest.split_once('/').unwrap_or((rest, ""));
                if sub.starts_with(['_', '.']) {
                    continue;
                }
                if inner.is_empty() {
                    if sub.ends_with(".tgz") {
                        archives.push((sub.to_string(), data));
                    } else {
                        std::sync::Arc::make_mut(&mut c.files).insert(name.clone(), data);
                    }
                    continue;
                }
                subcharts
                    .entry(sub.to_string())
                    .or_default()
                    .push((inner.to_string(), Content::Bytes(data)));
            }
            _ => {
                std::sync::Arc::make_mut(&mut c.files).insert(name.clone(), data);
            }
        }
    }
    if !have_chart_yaml {
        return Err(HelmError::Chart(
            "validation: chart.metadata is required".into(),
        ));
    }
    if let Some(req) = requirements {
        let t = String::from_utf8_lossy(&req).into_owned();
        if !t.trim().is_empty() {
            let r: Requirements = decode_like_helm(&t)
                .map_err(|e| HelmError::Chart(format!("cannot load requirements.yaml: {e}")))?;
            if r.dependencies.is_some() {
                c.metadata.dependencies = r.dependencies;
            }
        }
        if c.metadata.api_version.as_deref() == Some("v1") {
            std::sync::Arc::make_mut(&mut c.files).insert("requirements.yaml".into(), req);
        }
    }
    validate(&c.metadata)?;
    c.full_path = if parent.is_empty() {
        c.name().to_string()
    } else {
        format!("{parent}/charts/{}", c.name())
    };
    for (sub, files) in subcharts {
        let sc = load_files_with(files, &c.full_path, sink).map_err(|e| {
            HelmError::Chart(format!(
                "error unpacking subchart {sub} in {}: {e}",
                c.name()
            ))
        })?;
        c.dependencies.push(sc);
    }
    for (sub, data) in archives {
        let ctx = |e: String| {
            HelmError::Chart(format!(
                "error unpacking subchart {sub} in {}: {e}",
                c.name()
            ))
        };
        let files = as_contents(archive_files(&data).map_err(ctx)?);
        let sc = load_files_with(files, &c.full_path, sink).map_err(|e| ctx(e.to_string()))?;
        c.dependencies.push(sc);
    }
    Ok(c)
}

/// Largest total size accepted from a chart archive.
const MAX_ARCHIVE_BYTES: u64 = 256 << 20;

/// Read a chart archive (`.tgz`): files relative to the chart's top directory.
pub fn archive_files(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    use std::io::Read;
    let gz = flate2::read::GzDecoder::new(data);
    let mut ar = tar::Archive::new(gz);
    let mut out = Vec::new();
    let mut total = 0u64;
    let entries = ar
        .entries()
        .map_err(|e| format!("cannot read archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("cannot read archive: {e}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| format!("bad path in archive: {e}"))?
            .to_string_lossy()
            .replace('\\', "/");
        if path.starts_with('/') || path.split('/').any(|p| p == "..") {
            return Err(format!(
                "chart illegally contains content outside the base directory: {path:?}"
            ));
        }
        let Some((_, rel)) = path.split_once('/') else {
            continue;
        };
        if rel.is_empty() {
            continue;
        }
        total += entry.size();
        if total > MAX_ARCHIVE_BYTES {
            return Err("chart archive is too large".into());
        }
        let mut buf = Vec::new();
        entry
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        let buf = buf
            .strip_prefix(b"\xef\xbb\xbf")
            .map(<[u8]>::to_vec)
            .unwrap_or(buf);
        out.push((rel.to_string(), buf));
    }
    if out.is_empty() {
        return Err("no files in chart archive".into());
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Load a chart from a directory or a `.tgz` archive.
pub fn load_path(path: &Path) -> Result<Chart, HelmError> {
    load_path_reading(path, &mut ReadNow::default(), &mut |_| {})
}

/// [`load_path`], with a directory's template files read by `reader` (which
/// hands their texts on) and an archive's handed to `sink`.
pub(crate) fn load_path_reading(
    path: &Path,
    reader: &mut dyn TemplateReader,
    sink: TemplateSink<'_>,
) -> Result<Chart, HelmError> {
    if path.is_file() {
        let data = std::fs::read(path).map_err(|e| HelmError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let files = archive_files(&data)
            .map_err(|e| HelmError::Chart(format!("{}: {e}", path.display())))?;
        return load_files_with(as_contents(files), "", sink);
    }
    load_dir_with(path, reader, sink)
}

fn validate(md: &Metadata) -> Result<(), HelmError> {
    let v = |m: String| Err(HelmError::Chart(format!("validation: {m}")));
    let name = md.name.as_deref().unwrap_or("").trim();
    if md.api_version.as_deref().unwrap_or("").is_empty() {
        return v("chart.metadata.apiVersion is required".into());
    }
    if name.is_empty() {
        return v("chart.metadata.name is required".into());
    }
    if name == "." || name == ".." {
        return v(format!("chart.metadata.name {name:?} is not allowed"));
    }
    if name.contains('/') || name.contains('\\') {
        return v(format!("chart.metadata.name {name:?} is invalid"));
    }
    let version = md.version.as_deref().unwrap_or("");
    if version.is_empty() {
        return v("chart.metadata.version is required".into());
    }
    if Version::parse(version).is_err() {
        return v(format!("chart.metadata.version {version:?} is invalid"));
    }
    if !matches!(
        md.chart_type.as_deref(),
        None | Some("") | Some("application") | Some("library")
    ) {
        return v("chart.metadata.type must be application or library".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in md.dependencies.as_deref().unwrap_or_default() {
        if let Some(a) = &d.alias
            && !a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return v(format!(
                "dependency {:?} has disallowed characters in the alias",
                d.name
            ));
        }
        let key = d
            .alias
            .clone()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| d.name.clone());
        if !seen.insert(key.clone()) {
            return v(format!(
                "more than one dependency with name or alias {key:?}"
            ));
        }
    }
    Ok(())
}
