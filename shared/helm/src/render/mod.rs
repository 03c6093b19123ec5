//! `helm template` in-process: load, process dependencies, coalesce values,
//! validate schemas, render every template and sort the result.

pub mod caps;
pub mod parse_pool;
pub mod sort;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::chart::Chart;
use crate::chart::deps::{
    check_dependencies, is_compatible_range, process_enabled, process_import_values,
};
use crate::chart::load::load_path_with;
use crate::chart::schema::{to_json, validate};
use crate::error::HelmError;
use crate::files::Files;
use crate::strvals::SetArg;
use crate::template::exec::map_of;
use crate::template::{Map, Value};
use crate::values::{coalesce_values_root, merge_user_values};
use crate::yaml::load::parse_values;
use parse_pool::ParsePool;
pub use sort::Manifest;

/// Stack size for the rendering thread: deep `include` recursion must hit
/// the depth limit, not the stack's end.
const RENDER_STACK: usize = 1 << 30;

/// Stack size for the thread that parses templates (nesting is limited).
const PARSE_STACK: usize = 64 << 20;

/// Stack size for the thread that splits rendered manifests (deep YAML gets
/// its own thread in the YAML loader).
const SPLIT_STACK: usize = 16 << 20;

/// Options of a render, mirroring `helm template` flags.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Release name.
    pub release_name: String,
    /// Release namespace.
    pub namespace: String,
    /// Values files (`-f`), in order.
    pub values_files: Vec<PathBuf>,
    /// Extra values applied after the files (like `--set-json`), as a JSON object.
    pub values: serde_json::Value,
    /// `--set` and `--set-string` expressions, applied in order after the
    /// files and `values` (Helm applies every `--set` before `--set-string`).
    pub set_values: Vec<SetArg>,
    /// Kubernetes version for `.Capabilities.KubeVersion`.
    pub kube_version: String,
    /// API versions for `.Capabilities.APIVersions` (Helm's defaults when empty).
    pub api_versions: Vec<String>,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `.Release.IsUpgrade` (and not IsInstall).
    pub is_upgrade: bool,
    /// `.Release.Revision`.
    pub revision: i64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            values_files: Vec::new(),
            values: serde_json::Value::Null,
            set_values: Vec::new(),
            kube_version: "v1.33.0".into(),
            api_versions: Vec::new(),
            include_crds: false,
            skip_tests: false,
            is_upgrade: false,
            revision: 1,
        }
    }
}

/// The result of a render.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// CRDs from `crds/` directories (only with `include_crds`): (source, content).
    pub crds: Vec<(String, String)>,
    /// Regular manifests in install order.
    pub manifests: Vec<Manifest>,
    /// Hooks in install order (test hooks dropped with `skip_tests`).
    pub hooks: Vec<Manifest>,
    /// The rendered NOTES.txt of the top chart.
    pub notes: Option<String>,
}

impl Rendered {
    /// The text `helm template` prints.
    pub fn to_helm_template_output(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_helm_template_output(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Write what `helm template` prints, without building it in memory first.
    pub fn write_helm_template_output(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        // Helm trims the CRDs-and-manifests part as a whole, then appends hooks.
        let mut parts: Vec<(&str, &str)> = self
            .crds
            .iter()
            .map(|(s, c)| (s.as_str(), c.as_str()))
            .collect();
        parts.extend(
            self.manifests
                .iter()
                .map(|m| (m.source.as_str(), m.content.as_str())),
        );
        let last = parts.len().saturating_sub(1);
        for (i, (src, content)) in parts.iter().enumerate() {
            if i == last {
                // `manifest.trim()` drops the last document's trailing whitespace.
                let tail = format!("---\n# Source: {src}\n{content}");
                writeln!(w, "{}", tail.trim_end())?;
            } else {
                write!(w, "---\n# Source: {src}\n{content}\n")?;
            }
        }
        if parts.is_empty() {
            writeln!(w)?;
        }
        for h in &self.hooks {
            write!(w, "---\n# Source: {}\n{}\n", h.source, h.content)?;
        }
        Ok(())
    }
}

/// Render a chart directory like `helm template`.
pub fn render(chart_dir: &Path, opts: &RenderOptions) -> Result<Rendered, HelmError> {
    let dir = chart_dir.to_path_buf();
    let opts = opts.clone();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("helm-render".into())
        .stack_size(RENDER_STACK)
        .spawn(move || {
            let mut leftovers = Leftovers::default();
            let result = render_inner(&dir, &opts, &mut leftovers);
            // The caller may have given up waiting; nothing to do then.
            let _ = tx.send(result);
            // Freeing the parse trees and values takes a few milliseconds on a
            // large chart: it happens here, after the caller has its result.
            drop(leftovers);
        })
        .map_err(|e| HelmError::Template(format!("cannot start render thread: {e}")))?;
    rx.recv()
        .map_err(|_| HelmError::Template("rendering panicked".into()))?
}

/// What a render leaves behind (parse trees, values, the chart), kept alive
/// until its result is delivered.
#[derive(Default)]
struct Leftovers(Vec<Box<dyn std::any::Any>>);

impl Leftovers {
    fn keep(&mut self, thing: impl std::any::Any) {
        self.0.push(Box::new(thing));
    }
}

fn read_user_values(opts: &RenderOptions) -> Result<Map, HelmError> {
    let mut vals = Map::new();
    for f in &opts.values_files {
        let text = std::fs::read_to_string(f).map_err(|e| HelmError::Io {
            path: f.display().to_string(),
            source: e,
        })?;
        let v = parse_values(&text)
            .map_err(|e| HelmError::Chart(format!("failed to parse {}: {e}", f.display())))?;
        vals = merge_user_values(vals, v.map_snapshot().unwrap_or_default());
    }
    let extra = crate::funcs::encoding::from_json_value(opts.values.clone())
        .map_snapshot()
        .unwrap_or_default();
    let mut vals = merge_user_values(vals, extra);
    for s in &opts.set_values {
        crate::strvals::parse_into(s, &mut vals)
            .map_err(|e| HelmError::Values(format!("failed parsing {} data: {e}", s.flag())))?;
    }
    Ok(vals)
}

fn drop_default_values(c: &mut Chart) {
    c.values = Map::new();
    for d in &mut c.dependencies {
        drop_default_values(d);
    }
}

fn validate_schemas(c: &Chart, vals: &Map, out: &mut String) {
    if let Some(s) = &c.schema {
        let errs = validate(s, &to_json(&Value::from(vals.clone())));
        if !errs.is_empty() {
            out.push_str(&format!("{}:\n{}\n", c.name(), errs.join("\n")));
        }
    }
    for sub in &c.dependencies {
        let sv = vals
            .get(sub.name())
            .and_then(Value::map_snapshot)
            .unwrap_or_default();
        validate_schemas(sub, &sv, out);
    }
}

fn kube_parts(v: &str) -> (String, String) {
    let t = v.trim_start_matches('v');
    let mut it = t.split('.');
    (
        it.next().unwrap_or("").to_string(),
        it.next().unwrap_or("").to_string(),
    )
}

/// `.Capabilities`: a Go struct, so unknown fields are errors, not nil.
fn capabilities_object(opts: &RenderOptions) -> Value {
    let (major, minor) = kube_parts(&opts.kube_version);
    let api: Vec<String> = if opts.api_versions.is_empty() {
        caps::DEFAULT_API_VERSIONS
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        opts.api_versions.clone()
    };
    let capabilities = map_of(vec![
        (
            "KubeVersion",
            Value::Stringer(
                Rc::new(
                    [
                        ("Version", Value::from(opts.kube_version.as_str())),
                        ("GitVersion", Value::from(opts.kube_version.as_str())),
                        ("Major", Value::from(major)),
                        ("Minor", Value::from(minor)),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                ),
                Rc::from(opts.kube_version.as_str()),
            ),
        ),
        ("APIVersions", Value::ApiVersions(Rc::new(api))),
        (
            "HelmVersion",
            map_of(vec![
                ("Version", Value::from("v4.2.3")),
                (
                    "GitCommit",
                    Value::from("43e8b7feece8beb0fcba47059ec9b522fd929a64"),
                ),
                ("GitTreeState", Value::from("clean")),
                ("GoVersion", Value::from("go1.26.5")),
            ]),
        ),
    ]);
    Value::Stringer(
        Rc::new(capabilities.map_snapshot().unwrap_or_default()),
        Rc::from("&{}"),
    )
}

/// `.Release`.
fn release_object(opts: &RenderOptions) -> Value {
    map_of(vec![
        ("Name", Value::from(opts.release_name.as_str())),
        ("Namespace", Value::from(opts.namespace.as_str())),
        ("IsInstall", Value::Bool(!opts.is_upgrade)),
        ("IsUpgrade", Value::Bool(opts.is_upgrade)),
        ("Revision", Value::Int(opts.revision)),
        ("Service", Value::from("Helm")),
    ])
}

/// A template file to execute, with the top-level object it sees.
struct Tpl {
    name: String,
    top: Map,
    base_path: String,
}

/// Library charts render only their partials (`_*.tpl`).
fn renderable(c: &Chart, name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    !c.is_library() || base.starts_with('_')
}

/// Helm's template order: deepest paths first, then names in reverse, so the
/// top chart's defines are parsed last and win.
fn sort_in_helm_order<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|t| {
        let n = name(t);
        std::cmp::Reverse((n.bytes().filter(|&b| b == b'/').count(), n.to_string()))
    });
}

/// Every template file of the chart and its subcharts: (full name, text).
fn template_files(c: &Chart, out: &mut Vec<(String, Arc<str>)>) {
    for d in &c.dependencies {
        template_files(d, out);
    }
    for (name, text) in &c.templates {
        if renderable(c, name) {
            out.push((format!("{}/{name}", c.full_path), text.clone()));
        }
    }
}

fn collect_templates(
    c: &Chart,
    parent_values: &Value,
    common: &Map,
    is_root: bool,
    out: &mut Vec<Tpl>,
) -> Value {
    let values = if is_root {
        parent_values.clone()
    } else {
        match parent_values.get(c.name()) {
            v @ Value::Map(_) => v,
            _ => Value::new_map(),
        }
    };
    let mut top = common.clone();
    top.insert("Chart".into(), c.metadata_value());
    let files: std::collections::BTreeMap<String, Vec<u8>> = c.files.clone();
    top.insert("Files".into(), Value::Files(Rc::new(Files::new(files))));
    top.insert("Values".into(), values.clone());
    let mut subcharts = Map::new();
    for d in &c.dependencies {
        let sub = collect_templates(d, &values, common, false, out);
        subcharts.insert(d.name().to_string(), sub);
    }
    top.insert("Subcharts".into(), Value::from(subcharts));
    for (name, _) in &c.templates {
        if !renderable(c, name) {
            continue;
        }
        out.push(Tpl {
            name: format!("{}/{name}", c.full_path),
            top: top.clone(),
            base_path: format!("{}/templates", c.full_path),
        });
    }
    Value::from(top)
}

fn crd_objects(c: &Chart, out: &mut Vec<(String, String)>) {
    for (name, data) in &c.files {
        if name.starts_with("crds/")
            && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
        {
            out.push((
                format!("{}/{name}", c.full_path),
                String::from_utf8_lossy(data).into_owned(),
            ));
        }
    }
    for d in &c.dependencies {
        crd_objects(d, out);
    }
}

/// Coalesce and check the values, then build what each template file sees,
/// in Helm's order.
fn prepare_templates(
    chart: &mut Chart,
    user: &Map,
    opts: &RenderOptions,
) -> Result<Vec<Tpl>, HelmError> {
    let vals = coalesce_values_root(chart, user)?;
    // The coalesced values are a deep copy: the charts' defaults are done with.
    drop_default_values(chart);
    let mut schema_errs = String::new();
    validate_schemas(chart, &vals, &mut schema_errs);
    if !schema_errs.is_empty() {
        return Err(HelmError::Schema(schema_errs));
    }
    if let Some(kv) = chart
        .metadata
        .kube_version
        .as_deref()
        .filter(|k| !k.is_empty())
        && !is_compatible_range(Some(kv), Some(&opts.kube_version))
    {
        return Err(HelmError::Chart(format!(
            "chart requires kubeVersion: {kv} which is incompatible with Kubernetes {}",
            opts.kube_version
        )));
    }
    let mut common = Map::new();
    common.insert("Release".into(), release_object(opts));
    common.insert("Capabilities".into(), capabilities_object(opts));
    let mut tpls = Vec::new();
    collect_templates(chart, &Value::from(vals), &common, true, &mut tpls);
    sort_in_helm_order(&mut tpls, |t| &t.name);
    Ok(tpls)
}

/// A loaded chart with its user values, its template files in Helm's parse
/// order, and what each rendered file sees.
type Prepared = (Chart, Map, Vec<(String, Arc<str>)>, Vec<Tpl>);

/// Load the chart (handing templates to `pool` as they are read), process
/// dependencies and values, and prepare every template file.
fn load_and_prepare(
    chart_dir: &Path,
    opts: &RenderOptions,
    pool: &ParsePool,
) -> Result<Prepared, HelmError> {
    let chart = load_path_with(chart_dir, &mut |text| pool.submit(text));
    pool.close();
    let mut chart = chart?;
    if let Some(t) = chart.metadata.chart_type.as_deref()
        && !t.is_empty()
        && t != "application"
    {
        return Err(HelmError::Chart(format!("{t} charts are not installable")));
    }
    check_dependencies(&chart)?;
    let user = read_user_values(opts)?;
    process_enabled(&mut chart, &user, "")?;
    process_import_values(&mut chart)?;
    let mut files = Vec::new();
    template_files(&chart, &mut files);
    sort_in_helm_order(&mut files, |f| &f.0);
    let tpls = prepare_templates(&mut chart, &user, opts)?;
    Ok((chart, user, files, tpls))
}

fn render_inner(
    chart_dir: &Path,
    opts: &RenderOptions,
    leftovers: &mut Leftovers,
) -> Result<Rendered, HelmError> {
    // A second thread parses templates as the loader reads them, while this
    // one loads the chart and coalesces and checks the values; then this one
    // joins in.
    let pool = &ParsePool::default();
    let (chart, user, tpls, engine) = std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("helm-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, move || pool.work())
            .map_err(|e| HelmError::Template(format!("cannot start parser thread: {e}")))?;
        let prepared = load_and_prepare(chart_dir, opts, pool);
        if prepared.is_err() {
            pool.cancel();
        }
        pool.work();
        worker
            .join()
            .map_err(|_| HelmError::Template("template parsing panicked".into()))?;
        let (chart, user, files, tpls) = prepared?;
        let engine = pool.into_engine(&files)?;
        Ok::<_, HelmError>((chart, user, tpls, engine))
    })?;
    // Rendered files are split and their heads decoded on a second thread
    // while the remaining templates render.
    let root_notes = format!("{}/templates/NOTES.txt", chart.full_path);
    let mut notes = None;
    let (tx, rx) = std::sync::mpsc::channel::<(String, String)>();
    let rx = std::sync::Mutex::new(rx);
    // Takes rendered files off the queue until it is closed and empty.
    let drain = || {
        let mut out = Vec::new();
        loop {
            let job = match rx.lock() {
                Ok(r) => r.recv(),
                Err(_) => break,
            };
            let Ok((name, text)) = job else { break };
            let split = sort::split_file(&name, &text);
            out.push((name, split));
        }
        out
    };
    let (mut hooks, manifests) = std::thread::scope(|s| {
        let splitter = std::thread::Builder::new()
            .name("helm-split".into())
            .stack_size(SPLIT_STACK)
            .spawn_scoped(s, drain)
            .map_err(|e| HelmError::Template(format!("cannot start manifest thread: {e}")))?;
        for t in &tpls {
            let base = t.name.rsplit('/').next().unwrap_or(&t.name);
            if base.starts_with('_') {
                continue;
            }
            let mut top = t.top.clone();
            top.insert(
                "Template".into(),
                map_of(vec![
                    ("Name", Value::from(t.name.as_str())),
                    ("BasePath", Value::from(t.base_path.as_str())),
                ]),
            );
            let out = engine
                .execute(&t.name, &Value::from(top))
                .map_err(|e| HelmError::Template(e.to_string()))?;
            // Most files have no "<no value>": keep them without a copy.
            let out = if out.contains("<no value>") {
                out.replace("<no value>", "")
            } else {
                out
            };
            if t.name == root_notes {
                notes = Some(out);
            } else if !t.name.ends_with("NOTES.txt") {
                // A send fails only if the splitter died; its join reports that.
                let _ = tx.send((t.name.clone(), out));
            }
        }
        drop(tx);
        // Rendering is done: this thread helps with what is left.
        let mut split = drain();
        split.extend(
            splitter
                .join()
                .map_err(|_| HelmError::Template("manifest splitting panicked".into()))?,
        );
        sort::assemble(split)
    })?;
    if opts.skip_tests {
        hooks.retain(|h| !h.is_test_hook());
    }
    let mut crds = Vec::new();
    if opts.include_crds {
        crd_objects(&chart, &mut crds);
    }
    leftovers.keep(engine);
    leftovers.keep(tpls);
    leftovers.keep(chart);
    leftovers.keep(user);
    Ok(Rendered {
        crds,
        manifests,
        hooks,
        notes,
    })
}
