//! The `generators:` and `transformers:` fields. Flux runs kustomize with
//! plugins disabled, so only kustomize's built-in generators and transformers
//! are accepted; exec and container (KRM function) plugins are refused.

use crate::build::{Accumulator, Builder, apply_labels_entry, load_resources};
use crate::error::{KustomizeError, Result, build_err};
use crate::fieldspec::FieldSpec;
use crate::generators::{self, GeneratorKind};
use crate::loader;
use crate::patches::{self, PatchOptions};
use crate::resource::Resource;
use crate::transformers::prefix_suffix::{self, Affix};
use crate::transformers::{images, labels, namespace, replicas};
use serde_json::{Map, Value};
use std::path::Path;

/// Loads plugin configuration objects from an entry (file, directory or inline YAML).
fn load_configs(b: &mut Builder<'_>, dir: &Path, entry: &Value) -> Result<Vec<Resource>> {
    let s = match entry {
        Value::String(s) => s.clone(),
        other => return Ok(vec![Resource::new(other.clone())]),
    };
    if s.contains('\n') {
        let mut rs = load_resources(&s, "inline plugin configuration")?;
        for r in rs.iter_mut() {
            r.origin = Some(crate::origin::Origin::File(b.current_file.clone()));
        }
        return Ok(rs);
    }
    if loader::is_remote(&s) {
        return Err(KustomizeError::Unsupported(format!(
            "remote plugin configuration '{s}' is not supported"
        )));
    }
    let path = loader::join_clean(dir, &s);
    if path.is_dir() {
        let sub = crate::kustomization::Kustomization::parse(
            &std::fs::read_to_string(
                loader::find_kustomization(&path)?
                    .ok_or_else(|| build_err!("{}: no kustomization file", path.display()))?,
            )
            .map_err(|e| KustomizeError::Io {
                path: path.clone(),
                source: e,
            })?,
            &path.display().to_string(),
        )?;
        let mut acc = Accumulator::default();
        b.accumulate_target(&path, &sub, &mut acc)?;
        return Ok(acc.resources);
    }
    let (file, text) = loader::read_file(dir, &s, b.restrictor())?;
    let mut rs = load_resources(&text, &file.display().to_string())?;
    for r in rs.iter_mut() {
        r.origin = Some(crate::origin::Origin::File(file.clone()));
    }
    Ok(rs)
}

fn refuse_functions(c: &Resource) -> Result<()> {
    let ann = c.annotations();
    if ann.is_some_and(|a| a.contains_key("config.kubernetes.io/function"))
        || c.obj.get("spec").and_then(|s| s.get("function")).is_some()
    {
        return Err(KustomizeError::Unsupported(format!(
            "{}: exec and container plugins (KRM functions) are not supported",
            c.cur_id()
        )));
    }
    Ok(())
}

fn specs(c: &Value) -> Vec<FieldSpec> {
    c.get("fieldSpecs")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(FieldSpec::from_value).collect())
        .unwrap_or_default()
}

fn str_field(c: &Value, k: &str) -> String {
    c.get(k)
        .map(crate::kustomization::scalar_text)
        .unwrap_or_default()
}

/// Runs one `generators:` entry.
pub fn run_generator_entry(
    b: &mut Builder<'_>,
    dir: &Path,
    entry: &Value,
    acc: &mut Accumulator,
) -> Result<()> {
    for c in load_configs(b, dir, entry)? {
        refuse_functions(&c)?;
        let kind = c.gvk().kind;
        let mut args = c.obj.clone();
        if let Some(m) = args.as_object_mut() {
            if !m.get("name").is_some_and(Value::is_string) {
                m.insert("name".into(), Value::String(c.name().to_string()));
            }
            if !c.namespace().is_empty() {
                m.insert("namespace".into(), Value::String(c.namespace().to_string()));
            }
        }
        if kind == "IAMPolicyGenerator" {
            let r = iam_policy(&c.obj)?;
            acc.absorb(r, &format!("generator {}", c.cur_id()))?;
            continue;
        }
        let g = match kind.as_str() {
            "ConfigMapGenerator" => GeneratorKind::ConfigMap,
            "SecretGenerator" => GeneratorKind::Secret,
            other => {
                return Err(KustomizeError::Unsupported(format!(
                    "generator kind '{other}' is not a kustomize built-in; plugins are disabled"
                )));
            }
        };
        let mut r = generators::generate(g, &args, None, dir, b.restrictor())?;
        if let Some(crate::origin::Origin::File(f)) = &c.origin {
            r.origin = Some(crate::origin::Origin::Generated {
                configured_in: f.clone(),
                kind,
                name: c.name().to_string(),
            });
        }
        acc.absorb(r, &format!("generator {}", c.cur_id()))?;
    }
    Ok(())
}

/// kustomize's built-in IAMPolicyGenerator: a GKE workload-identity ServiceAccount.
fn iam_policy(c: &Value) -> Result<Resource> {
    let cloud = str_field(c, "cloud");
    if cloud != "gke" {
        return Err(build_err!(
            "IAMPolicyGenerator: cloud provider {cloud} not supported yet"
        ));
    }
    let ks = c.get("kubernetesService").cloned().unwrap_or(Value::Null);
    let sa = c.get("serviceAccount").cloned().unwrap_or(Value::Null);
    let mut md = Map::new();
    let mut ann = Map::new();
    ann.insert(
        "iam.gke.io/gcp-service-account".into(),
        Value::String(format!(
            "{}@{}.iam.gserviceaccount.com",
            str_field(&sa, "name"),
            str_field(&sa, "projectId")
        )),
    );
    md.insert("annotations".into(), Value::Object(ann));
    md.insert("name".into(), Value::String(str_field(&ks, "name")));
    let ns = str_field(&ks, "namespace");
    if !ns.is_empty() {
        md.insert("namespace".into(), Value::String(ns));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String("ServiceAccount".into()));
    obj.insert("metadata".into(), Value::Object(md));
    Ok(Resource::new(Value::Object(obj)))
}

/// Runs one `transformers:` entry.
pub fn run_transformer_entry(
    b: &mut Builder<'_>,
    dir: &Path,
    entry: &Value,
    acc: &mut Accumulator,
) -> Result<()> {
    let rs = b.restrictor();
    for c in load_configs(b, dir, entry)? {
        refuse_functions(&c)?;
        let kind = c.gvk().kind;
        let o = &c.obj;
        match kind.as_str() {
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
                let fs = specs(o);
                if o.get("prefix").is_some() || kind == "PrefixTransformer" {
                    let v = str_field(o, "prefix");
                    prefix_suffix::apply(&mut acc.resources, &v, Affix::Prefix, &fs)?;
                }
                if o.get("suffix").is_some() || kind == "SuffixTransformer" {
                    let v = str_field(o, "suffix");
                    prefix_suffix::apply(&mut acc.resources, &v, Affix::Suffix, &fs)?;
                }
            }
            "LabelTransformer" | "AnnotationsTransformer" => {
                let key = if kind == "LabelTransformer" {
                    "labels"
                } else {
                    "annotations"
                };
                let pairs: Map<String, Value> = o
                    .get(key)
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
                labels::apply_pairs(&mut acc.resources, &pairs, &specs(o))?;
            }
            "NamespaceTransformer" => {
                let ns = c.namespace().to_string();
                let opts = namespace::NamespaceOptions::from_config(o)?;
                let mut fs = specs(o);
                if fs.is_empty() {
                    fs = acc.config.namespace.clone();
                }
                namespace::apply(&mut acc.resources, &ns, &fs, &opts)?;
            }
            "ImageTagTransformer" => {
                let it = images::ImageTag::from_value(o.get("imageTag").unwrap_or(&Value::Null));
                images::apply(&mut acc.resources, &it, &specs(o))?;
            }
            "ReplicaCountTransformer" => {
                replicas::apply(
                    &mut acc.resources,
                    o.get("replica").unwrap_or(&Value::Null),
                    &specs(o),
                )?;
            }
            "PatchTransformer" | "PatchJson6902Transformer" => {
                let mut entry = Map::new();
                for k in ["path", "patch", "target", "options"] {
                    if let Some(v) = o.get(k) {
                        entry.insert(k.into(), v.clone());
                    }
                }
                if let Some(op) = o.get("jsonOp") {
                    entry.insert("patch".into(), op.clone());
                }
                crate::build::apply_patch_entry(
                    dir,
                    &Value::Object(entry),
                    rs,
                    &mut acc.resources,
                    &b.schema,
                )?;
            }
            "PatchStrategicMergeTransformer" => {
                let mut docs = Vec::new();
                for p in o
                    .get("paths")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    if let Some(p) = p.as_str() {
                        let (f, t) = loader::read_file(dir, p, rs)?;
                        docs.extend(crate::yaml::parse_documents(&t, &f.display().to_string())?);
                    }
                }
                if let Some(p) = o.get("patches").and_then(Value::as_str) {
                    docs.extend(crate::yaml::parse_documents(p, "inline patch")?);
                }
                patches::apply_smp_by_id(
                    &mut acc.resources,
                    &docs,
                    "PatchStrategicMergeTransformer",
                    PatchOptions::default(),
                    &b.schema,
                )?;
            }
            "ReplacementTransformer" => {
                let reps = o
                    .get("replacements")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                crate::replacements::apply_entries(dir, rs, &reps, &mut acc.resources)?;
            }
            "LabelsTransformer" => {
                apply_labels_entry(o, acc)?;
            }
            other => {
                return Err(KustomizeError::Unsupported(format!(
                    "transformer kind '{other}' is not a kustomize built-in; plugins are disabled"
                )));
            }
        }
    }
    Ok(())
}
