//! The build: accumulating a kustomization's resources, components and
//! generators, running its transformers, then the steps done once at the top
//! (hash suffixes, name references, vars, ordering).

use crate::config::TransformerConfig;
use crate::error::{KustomizeError, Result, build_err};
use crate::generators::{self, GeneratorKind};
use crate::kustomization::Kustomization;
use crate::loader::{self, LoadRestrictor};
use crate::patch::schema::{Custom, Schema};
use crate::patches::{self, PatchOptions};
use crate::resource::{Behavior, Resource};
use crate::transformers::labels;
use crate::{plugins, sort, vars};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Final ordering of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reorder {
    /// kustomize's legacy kind order (the CLI default).
    #[default]
    Legacy,
    /// Depth-first input order (Flux's choice).
    None,
}

/// Options of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// File load restrictions.
    pub load_restrictor: LoadRestrictor,
    /// Output order when the kustomization has no sortOptions.
    pub reorder: Reorder,
}

/// Resources and configuration gathered while building a kustomization.
#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    pub resources: Vec<Resource>,
    pub config: TransformerConfig,
    pub vars: Vec<Value>,
}

impl Accumulator {
    fn new() -> Accumulator {
        Accumulator {
            resources: Vec::new(),
            config: TransformerConfig::default(),
            vars: Vec::new(),
        }
    }

    pub fn append(&mut self, r: Resource, source: &str) -> Result<()> {
        let id = r.cur_id();
        if self.resources.iter().any(|x| x.cur_id().equals(&id)) {
            return Err(build_err!(
                "{source}: may not add resource with an already registered id: {id}"
            ));
        }
        self.resources.push(r);
        Ok(())
    }

    /// Appends many resources, checking ids against a set built once.
    pub fn append_all(&mut self, rs: Vec<Resource>, source: &str) -> Result<()> {
        let key = |id: &crate::resource::ResId| {
            format!(
                "{}|{}|{}",
                id.gvk.stable_sort_string(),
                id.name,
                id.effective_namespace()
            )
        };
        let mut seen: std::collections::HashSet<String> =
            self.resources.iter().map(|r| key(&r.cur_id())).collect();
        for r in rs {
            let id = r.cur_id();
            if !seen.insert(key(&id)) {
                return Err(build_err!(
                    "{source}: may not add resource with an already registered id: {id}"
                ));
            }
            self.resources.push(r);
        }
        Ok(())
    }

    /// Adds generated resources, honouring their behavior.
    pub fn absorb(&mut self, r: Resource, source: &str) -> Result<()> {
        if r.behavior == Behavior::Create {
            return self.append(r, source);
        }
        let id = r.cur_id();
        let matches: Vec<usize> = (0..self.resources.len())
            .filter(|&i| self.resources[i].all_ids().iter().any(|x| x.equals(&id)))
            .collect();
        let i = match matches.as_slice() {
            [i] => *i,
            [] => {
                return Err(build_err!(
                    "{source}: id {id} does not exist; cannot merge or replace"
                ));
            }
            _ => return Err(build_err!("{source}: id {id} matches multiple resources")),
        };
        match r.behavior {
            Behavior::Merge => generators::absorb_into(&mut self.resources[i], &r, true),
            _ => generators::absorb_into(&mut self.resources[i], &r, false),
        }
        Ok(())
    }
}

/// Builds the kustomization in `root` into an ordered list of objects.
pub fn build(root: &Path, opts: &BuildOptions) -> Result<Vec<Value>> {
    let mut b = Builder {
        opts,
        stack: Vec::new(),
        track: false,
        schema: Schema::Builtin,
        schema_set: false,
        current_file: PathBuf::new(),
    };
    let root = &loader::join_clean(root, ".");
    let k = b.load(root, false)?;
    b.choose_schema(root, &k)?;
    let meta = |m: &str| k.build_metadata.iter().any(|x| x == m);
    b.track = meta("transformerAnnotations");
    let mut acc = Accumulator::new();
    b.accumulate_target(root, &k, &mut acc)?;

    for r in acc.resources.iter_mut() {
        if r.needs_hash {
            let h = generators::hash::hash(&r.obj);
            let name = format!("{}-{h}", r.name());
            r.set_name(&name);
        }
    }
    crate::transformers::name_reference::fix(&mut acc.resources, &acc.config.name_reference)?;
    vars::resolve(&mut acc.resources, &acc.vars, &acc.config.var_reference)?;
    acc.resources.retain(|r| {
        !r.is_local_config
            && r.annotations()
                .and_then(|a| a.get("config.kubernetes.io/local-config"))
                .and_then(Value::as_str)
                != Some("true")
    });
    crate::origin::annotate(
        &mut acc.resources,
        root,
        meta("originAnnotations"),
        meta("transformerAnnotations"),
    );
    sort::apply(&mut acc.resources, k.sort_options.as_ref(), opts.reorder)?;
    let mut out: Vec<Value> = acc.resources.into_iter().map(|r| r.obj).collect();
    if k.build_metadata.iter().any(|m| m == "managedByLabel") {
        for o in out.iter_mut() {
            set_label(o, "app.kubernetes.io/managed-by", "kustomize-v5.8.1");
        }
    }
    Ok(out)
}

fn set_label(o: &mut Value, k: &str, v: &str) {
    if let Some(m) = o.as_object_mut() {
        let md = m
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(md) = md.as_object_mut() {
            let l = md
                .entry("labels")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(l) = l.as_object_mut() {
                l.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
    }
}

pub(crate) struct Builder<'a> {
    pub opts: &'a BuildOptions,
    stack: Vec<PathBuf>,
    /// Record which transformers change which resources (transformerAnnotations).
    pub track: bool,
    /// The schema strategic merge patches use.
    pub schema: Schema,
    /// Whether a kustomization already chose the schema (`openapi:`).
    schema_set: bool,
    /// The kustomization file being built (for origins of inline configs).
    pub current_file: PathBuf,
}

impl Builder<'_> {
    pub fn restrictor(&self) -> LoadRestrictor {
        self.opts.load_restrictor
    }

    fn load(&self, dir: &Path, _component: bool) -> Result<Kustomization> {
        let Some(file) = loader::find_kustomization(dir)? else {
            return Err(KustomizeError::Kustomization {
                file: dir.display().to_string(),
                message: "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory".into(),
            });
        };
        let text = std::fs::read_to_string(&file).map_err(|e| KustomizeError::Io {
            path: file.clone(),
            source: e,
        })?;
        let mut k = Kustomization::parse(&text, &file.display().to_string())?;
        k.file = file;
        Ok(k)
    }

    /// kustomize's `openapi.SetSchema`: the root's `openapi` wins, otherwise
    /// the first kustomization that sets one.
    fn choose_schema(&mut self, dir: &Path, k: &Kustomization) -> Result<()> {
        if self.schema_set {
            return Ok(());
        }
        let version = k
            .openapi
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("");
        if let Some(path) = k.openapi.get("path").and_then(Value::as_str) {
            if !version.is_empty() {
                return Err(build_err!(
                    "{}: openapi: builtin version and custom schema provided, cannot use both",
                    k.file.display()
                ));
            }
            let (file, text) = loader::read_file(dir, path, self.restrictor())?;
            let custom = Custom::parse(&text, &file.display().to_string())?;
            self.schema = Schema::Custom(std::rc::Rc::new(custom));
            self.schema_set = true;
        } else if !version.is_empty() {
            if version != "v1.21.2" {
                return Err(build_err!(
                    "{}: openapi: the specified OpenAPI version is not built in",
                    k.file.display()
                ));
            }
            self.schema_set = true;
        }
        Ok(())
    }

    fn enter(&mut self, dir: &Path) -> Result<()> {
        let canon = dir.canonicalize().map_err(|e| KustomizeError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        if self.stack.contains(&canon) {
            return Err(KustomizeError::Cycle(dir.display().to_string()));
        }
        if self.stack.len() > 100 {
            return Err(build_err!(
                "{}: kustomizations nested too deeply",
                dir.display()
            ));
        }
        self.stack.push(canon);
        Ok(())
    }

    pub fn accumulate_target(
        &mut self,
        dir: &Path,
        k: &Kustomization,
        acc: &mut Accumulator,
    ) -> Result<()> {
        self.enter(dir)?;
        let saved = std::mem::replace(&mut self.current_file, k.file.clone());
        let res = self.accumulate_inner(dir, k, acc);
        self.current_file = saved;
        self.stack.pop();
        res
    }

    fn accumulate_inner(
        &mut self,
        dir: &Path,
        k: &Kustomization,
        acc: &mut Accumulator,
    ) -> Result<()> {
        for res in &k.resources {
            self.accumulate_resource(dir, res, acc)?;
        }
        // kustomize's MakeTransformerConfig: the kustomization's own
        // configurations first, then the defaults they do not already cover.
        let mut tc = TransformerConfig::default();
        for c in &k.configurations {
            let (file, text) = loader::read_file(dir, c, self.restrictor())?;
            tc.merge_file(&text, &file.display().to_string())?;
        }
        tc.merge(&TransformerConfig::defaults());
        acc.config.merge(&tc);
        for c in &k.crds {
            let (file, text) = loader::read_file(dir, c, self.restrictor())?;
            crate::crds::merge_crd_config(&mut acc.config, &text, &file.display().to_string())?;
        }
        self.run_generators(dir, k, acc)?;
        for c in &k.components {
            if loader::is_remote(c) {
                return Err(KustomizeError::Unsupported(format!(
                    "remote component '{c}' is not supported"
                )));
            }
            let cdir = loader::join_clean(dir, c);
            if !cdir.is_dir() {
                return Err(build_err!(
                    "component '{c}' in {}: not a directory",
                    dir.display()
                ));
            }
            let ck = self.load(&cdir, true)?;
            self.choose_schema(&cdir, &ck)?;
            if !ck.is_component {
                return Err(build_err!(
                    "{}: expected kind 'Component' for component '{c}', got 'Kustomization'",
                    cdir.display()
                ));
            }
            self.accumulate_target(&cdir, &ck, acc)?;
        }
        self.run_transformers(dir, k, acc)?;
        for v in &k.vars {
            vars::attach(&mut acc.resources, v)?;
            let name = v.get("name").and_then(Value::as_str).unwrap_or("");
            if acc
                .vars
                .iter()
                .any(|x| x.get("name").and_then(Value::as_str) == Some(name))
            {
                return Err(build_err!("var '{name}' already encountered"));
            }
            acc.vars.push(v.clone());
        }
        Ok(())
    }

    fn accumulate_resource(&mut self, dir: &Path, res: &str, acc: &mut Accumulator) -> Result<()> {
        if loader::is_remote(res) {
            return Err(KustomizeError::Unsupported(format!(
                "{}: remote resource '{res}' is not supported: Flux builds only local files",
                dir.display()
            )));
        }
        let path = loader::join_clean(dir, res);
        if path.is_dir() {
            let sub = self.load(&path, false)?;
            self.choose_schema(&path, &sub)?;
            if sub.is_component {
                return Err(build_err!(
                    "{}: '{res}' is a Component; list it under 'components'",
                    dir.display()
                ));
            }
            let mut sub_acc = Accumulator::new();
            self.accumulate_target(&path, &sub, &mut sub_acc)?;
            acc.append_all(sub_acc.resources, &path.display().to_string())?;
            acc.config.merge(&sub_acc.config);
            for v in sub_acc.vars {
                let name = v.get("name").and_then(Value::as_str).unwrap_or("");
                if acc
                    .vars
                    .iter()
                    .any(|x| x.get("name").and_then(Value::as_str) == Some(name))
                {
                    return Err(build_err!(
                        "{}: var '{name}' already encountered",
                        path.display()
                    ));
                }
                acc.vars.push(v);
            }
            return Ok(());
        }
        let (file, text) = loader::read_file(dir, res, self.restrictor())?;
        let fname = file.display().to_string();
        let mut rs = load_resources(&text, &fname)?;
        for r in rs.iter_mut() {
            r.origin = Some(crate::origin::Origin::File(file.clone()));
        }
        acc.append_all(rs, &fname)?;
        Ok(())
    }

    fn run_generators(
        &mut self,
        dir: &Path,
        k: &Kustomization,
        acc: &mut Accumulator,
    ) -> Result<()> {
        let opts = k.generator_options.as_ref();
        for g in &k.config_map_generator {
            let r =
                generators::generate(GeneratorKind::ConfigMap, g, opts, dir, self.restrictor())?;
            let mut r = r;
            r.origin = Some(crate::origin::Origin::Generated {
                configured_in: k.file.clone(),
                kind: "ConfigMapGenerator".into(),
                name: String::new(),
            });
            acc.absorb(r, "configMapGenerator")?;
        }
        for g in &k.secret_generator {
            let mut r =
                generators::generate(GeneratorKind::Secret, g, opts, dir, self.restrictor())?;
            r.origin = Some(crate::origin::Origin::Generated {
                configured_in: k.file.clone(),
                kind: "SecretGenerator".into(),
                name: String::new(),
            });
            acc.absorb(r, "secretGenerator")?;
        }
        for g in &k.generators {
            plugins::run_generator_entry(self, dir, g, acc)?;
        }
        Ok(())
    }
}

/// Applies one `patches`/`patchesJson6902` entry.
pub(crate) fn apply_patch_entry(
    dir: &Path,
    p: &Value,
    rs: LoadRestrictor,
    resources: &mut Vec<Resource>,
    schema: &Schema,
) -> Result<()> {
    let path = p.get("path").and_then(Value::as_str);
    let inline = p.get("patch").and_then(Value::as_str);
    let (source, text) = patches::load_text(dir, path, inline, rs)?;
    let parsed = patches::parse(&text, &source)?;
    let opt = |k: &str| {
        p.get("options")
            .and_then(|o| o.get(k))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let opts = PatchOptions {
        allow_name_change: opt("allowNameChange"),
        allow_kind_change: opt("allowKindChange"),
    };
    patches::apply_patch(
        resources,
        &parsed,
        p.get("target").filter(|t| !t.is_null()),
        &source,
        opts,
        schema,
    )
}

/// Applies one `labels:` entry.
pub(crate) fn apply_labels_entry(l: &Value, acc: &mut Accumulator) -> Result<()> {
    if let Some(m) = l.as_object() {
        for k in m.keys() {
            if !["pairs", "includeSelectors", "includeTemplates", "fields"].contains(&k.as_str()) {
                return Err(build_err!(
                    "invalid Kustomization: labels: unknown field \"{k}\""
                ));
            }
        }
    }
    let pairs: Map<String, Value> = l
        .get("pairs")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Value::String(crate::kustomization::scalar_text(v)),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let flag = |k: &str| l.get(k).and_then(Value::as_bool).unwrap_or(false);
    let mut specs = if flag("includeSelectors") {
        acc.config.common_labels.clone()
    } else {
        let mut s = vec![crate::fieldspec::FieldSpec::any("metadata/labels", true)];
        if flag("includeTemplates") {
            s.extend(acc.config.template_labels.iter().cloned());
        }
        s
    };
    specs.extend(acc.config.labels.iter().cloned());
    if let Some(fields) = l.get("fields").and_then(Value::as_array) {
        specs.extend(
            fields
                .iter()
                .filter_map(crate::fieldspec::FieldSpec::from_value),
        );
    }
    labels::apply_pairs(&mut acc.resources, &pairs, &specs)
}

/// kustomize rewrites every object's annotations as a string map (it adds and
/// removes its build annotations), so `true` becomes `"true"`; labels are left alone.
fn stringify_metadata_maps(obj: &mut Value) {
    let Some(md) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for field in ["annotations"] {
        if let Some(m) = md.get_mut(field).and_then(Value::as_object_mut) {
            for v in m.values_mut() {
                if !v.is_string() && !v.is_object() && !v.is_array() {
                    *v = Value::String(crate::kustomization::scalar_text(v));
                }
            }
        }
    }
}

/// Reads the objects of a resource file (expanding `List` kinds).
pub(crate) fn load_resources(text: &str, file: &str) -> Result<Vec<Resource>> {
    let mut out = Vec::new();
    for doc in crate::yaml::parse_resources(text, file)? {
        let Value::Object(m) = &doc else {
            return Err(build_err!(
                "{file}: expected a Kubernetes object, found {doc}"
            ));
        };
        let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(build_err!("{file}: missing 'kind' in object"));
        }
        if kind.ends_with("List") && m.get("items").is_some_and(Value::is_array) {
            for item in m
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                if item.is_object() {
                    out.push(Resource::new(item));
                }
            }
            continue;
        }
        out.push(Resource::new(doc));
    }
    for r in out.iter_mut() {
        if r.name().is_empty() {
            return Err(build_err!(
                "{file}: missing metadata.name in object of kind {}",
                r.gvk().kind
            ));
        }
        stringify_metadata_maps(&mut r.obj);
    }
    Ok(out)
}
