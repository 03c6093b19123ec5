//! `helm template` in-process: load, process dependencies, coalesce values,
//! validate schemas, render every template and sort the result.

pub mod caps;
mod output;
pub mod parse_pool;
mod read_pool;
pub mod sort;
pub mod work_queue;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};

use crate::chart::Chart;
use crate::chart::deps::{
    check_dependencies, is_compatible_range, process_enabled, process_import_values,
};
use crate::chart::load::load_path_reading;
use crate::chart::schema::{to_json, validate};
use crate::error::HelmError;
use crate::files::Files;
use crate::strvals::SetArg;
use crate::template::Engine;
use crate::template::exec::map_of;
use crate::template::{Map, Value};
use crate::values::{coalesce_values_root_consuming, merge_user_values};
use crate::yaml::load::parse_values;
use parse_pool::{ParsePool, ParsedEngine};
use read_pool::{ReadPool, Reading};
pub use sort::Manifest;
use work_queue::WorkQueue;

/// Stack size for the rendering thread: deep `include` recursion must hit
/// the depth limit, not the stack's end.
const RENDER_STACK: usize = 1 << 30;

/// Stack size for the helper thread: parsing (nesting is limited) and
/// splitting rendered manifests (deep YAML gets its own thread in the YAML
/// loader).
const HELPER_STACK: usize = 64 << 20;

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

    /// Write what `helm template` prints, without building it in memory
    /// first: the pieces go out in a few vectored writes.
    pub fn write_helm_template_output(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        // Helm trims the CRDs-and-manifests part as a whole, then appends hooks.
        let parts: Vec<(&str, &str)> = self
            .crds
            .iter()
            .map(|(s, c)| (s.as_str(), c.as_str()))
            .chain(
                self.manifests
                    .iter()
                    .map(|m| (m.source.as_str(), m.content.as_str())),
            )
            .collect();
        // `manifest.trim()` drops the last document's trailing whitespace; when
        // its content is all whitespace, the trim reaches into its header.
        let last_header = match parts.last() {
            Some((src, content)) if content.trim_end().is_empty() => {
                Some(format!("---\n# Source: {src}").trim_end().to_string())
            }
            _ => None,
        };
        let mut pieces: Vec<&[u8]> = Vec::with_capacity(5 * (parts.len() + self.hooks.len()) + 1);
        for (i, (src, content)) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                match &last_header {
                    Some(header) => pieces.push(header.as_bytes()),
                    None => pieces.extend([
                        b"---\n# Source: ".as_slice(),
                        src.as_bytes(),
                        b"\n",
                        content.trim_end().as_bytes(),
                    ]),
                }
            } else {
                pieces.extend([
                    b"---\n# Source: ".as_slice(),
                    src.as_bytes(),
                    b"\n",
                    content.as_bytes(),
                ]);
            }
            if i + 1 < parts.len() {
                pieces.push(b"\n");
            }
        }
        pieces.push(b"\n");
        for h in &self.hooks {
            pieces.extend([
                b"---\n# Source: ".as_slice(),
                h.source.as_bytes(),
                b"\n",
                h.content.as_bytes(),
                b"\n",
            ]);
        }
        output::write_all_pieces(w, &pieces)
    }
}

/// Render a chart directory like `helm template`.
pub fn render(chart_dir: &Path, opts: &RenderOptions) -> Result<Rendered, HelmError> {
    render_retained(chart_dir, opts).map(|(rendered, _)| rendered)
}

/// [`render`], handing back what the render leaves behind with the result.
///
/// Freeing a large chart's parse trees and values takes a few milliseconds: a
/// caller that prints the result and exits can leave that to the OS.
pub fn render_retained(
    chart_dir: &Path,
    opts: &RenderOptions,
) -> Result<(Rendered, Retained), HelmError> {
    // Runs on the caller's thread (no hand-over to wait for), on a stack deep
    // `include` recursion cannot exhaust before it hits the depth limit.
    stacker::grow(RENDER_STACK, || {
        let mut retained = Retained::default();
        let rendered = render_inner(chart_dir, opts, &mut retained)?;
        Ok((rendered, retained))
    })
}

/// What a render leaves behind (parse trees, values, the chart); dropping it
/// frees them.
#[derive(Default)]
pub struct Retained(Vec<Box<dyn std::any::Any>>);

impl Retained {
    fn keep(&mut self, thing: impl std::any::Any) {
        self.0.push(Box::new(thing));
    }
}

impl std::fmt::Debug for Retained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Retained({} items)", self.0.len())
    }
}

/// The work the render thread shares with its helper thread: template
/// files to read, texts to parse, then rendered files to split.
#[derive(Default)]
struct Shared {
    reads: ReadPool,
    parse: Arc<ParsePool>,
    split: WorkQueue<(String, String)>,
    split_done: Mutex<Vec<(String, sort::SplitFile)>>,
}

impl Shared {
    /// Split rendered files until the queue is closed and empty.
    fn split_work(&self) {
        self.split.work(|(name, text)| {
            let split = sort::split_file(&name, &text);
            self.split_done
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((name, split));
        });
    }

    /// Start the helper: it reads, parses, then splits, then ends on its own (nobody
    /// waits for its exit).
    fn start_helper(self: &Arc<Self>) -> Result<HelperGuard, HelmError> {
        let shared = self.clone();
        std::thread::Builder::new()
            .name("helm-helper".into())
            .stack_size(HELPER_STACK)
            .spawn(move || {
                shared.reads.work(&shared.parse);
                shared.parse.work();
                shared.split_work();
            })
            .map_err(|e| HelmError::Template(format!("cannot start helper thread: {e}")))?;
        Ok(HelperGuard(self.clone()))
    }
}

/// Closes the helper's queues when the render ends, however it ends, so the
/// helper stops.
struct HelperGuard(Arc<Shared>);

impl Drop for HelperGuard {
    fn drop(&mut self) {
        self.0.reads.cancel();
        self.0.parse.cancel();
        self.0.split.cancel();
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
    top.insert(
        "Files".into(),
        Value::Files(Rc::new(Files::shared(c.files.clone()))),
    );
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
    for (name, data) in c.files.iter() {
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
    let vals = coalesce_values_root_consuming(chart, user)?;
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

/// Load the chart (its templates read and parsed on both threads), process
/// dependencies and values, and prepare every template file.
fn load_and_prepare(
    chart_dir: &Path,
    opts: &RenderOptions,
    shared: &Shared,
) -> Result<Prepared, HelmError> {
    let pool = &shared.parse;
    let mut reading = Reading {
        reads: &shared.reads,
        parse: pool,
    };
    let chart = load_path_reading(chart_dir, &mut reading, &mut |text| pool.submit(text));
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

/// Execute every template file in order, queueing the rendered ones for
/// splitting; the top chart's NOTES.txt is returned instead.
fn execute_templates(
    engine: &Engine,
    tpls: &[Tpl],
    root_notes: &str,
    split: &WorkQueue<(String, String)>,
) -> Result<Option<String>, HelmError> {
    let mut notes = None;
    for t in tpls {
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
            split.push((t.name.clone(), out));
        }
    }
    Ok(notes)
}

fn render_inner(
    chart_dir: &Path,
    opts: &RenderOptions,
    retained: &mut Retained,
) -> Result<Rendered, HelmError> {
    // The helper parses templates as the loader reads them, while this thread
    // loads the chart and coalesces and checks the values; then this thread
    // joins in.
    let shared = Arc::new(Shared::default());
    let _guard = shared.start_helper()?;
    let pool = &shared.parse;
    let prepared = load_and_prepare(chart_dir, opts, &shared);
    if prepared.is_err() {
        shared.reads.cancel();
        pool.cancel();
    }
    let (chart, user, files, tpls) = prepared?;
    // Files without defines are parsed by the helper while templates
    // execute; rendered files are split and their heads decoded by the
    // helper after that.
    let ParsedEngine { engine, late } = pool.engine(&files)?;
    let root_notes = format!("{}/templates/NOTES.txt", chart.full_path);
    let executed = execute_templates(&engine, &tpls, &root_notes, &shared.split);
    if late {
        // Helm parses every file before executing any: its errors come first.
        pool.first_error(&files)?;
    }
    let notes = executed?;
    // Rendering is done: this thread helps with what is left.
    shared.split.close();
    shared.split_work();
    shared.split.wait_finished();
    if shared.split.panicked() {
        return Err(HelmError::Template("manifest splitting panicked".into()));
    }
    let split = std::mem::take(
        &mut *shared
            .split_done
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    let (mut hooks, manifests) = sort::assemble(split)?;
    if opts.skip_tests {
        hooks.retain(|h| !h.is_test_hook());
    }
    let mut crds = Vec::new();
    if opts.include_crds {
        crd_objects(&chart, &mut crds);
    }
    retained.keep(engine);
    retained.keep(tpls);
    retained.keep(chart);
    retained.keep(user);
    Ok(Rendered {
        crds,
        manifests,
        hooks,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(source: &str, content: &str) -> Manifest {
        Manifest {
            source: source.into(),
            content: content.into(),
            ..Default::default()
        }
    }

    #[test]
    fn output_is_helms_trimmed_manifests_then_hooks() {
        let r = Rendered {
            crds: vec![("c/crds/a.yaml".into(), "kind: A\n".into())],
            manifests: vec![manifest("c/templates/b.yaml", "kind: B\n\n")],
            hooks: vec![manifest("c/templates/h.yaml", "kind: H")],
            notes: None,
        };
        assert_eq!(
            r.to_helm_template_output(),
            "---\n# Source: c/crds/a.yaml\nkind: A\n\n---\n# Source: c/templates/b.yaml\nkind: B\n---\n# Source: c/templates/h.yaml\nkind: H\n"
        );
        let blank_last = Rendered {
            manifests: vec![manifest("c/templates/b.yaml ", "  \n")],
            ..Default::default()
        };
        assert_eq!(
            blank_last.to_helm_template_output(),
            "---\n# Source: c/templates/b.yaml\n"
        );
        assert_eq!(Rendered::default().to_helm_template_output(), "\n");
    }
}
