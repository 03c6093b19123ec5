//! The local build of a Kustomization: kustomize over `--path` with the Kustomization-level
//! transforms the controller adds (targetNamespace, namePrefix/Suffix, patches, images,
//! components, commonMetadata, the `kustomize.toolkit.fluxcd.io/name|namespace` labels and
//! postBuild substitution from `spec.postBuild.substitute`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use flux_api::constants::{KUSTOMIZE_NAME_LABEL, KUSTOMIZE_NAMESPACE_LABEL};
use serde_json::{Map, Value, json};

use super::substitute::substitute_object;
use crate::commands::target;
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::kinds;
use crate::yaml;

/// Flags of `build kustomization` (and `diff kustomization`).
#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    /// The Kustomization's name.
    pub name: String,
    /// Local directory to build instead of the Kustomization's source.
    #[arg(long)]
    pub path: PathBuf,
    /// Read the Kustomization from this file instead of the cluster.
    #[arg(long)]
    pub kustomization_file: Option<PathBuf>,
    /// Fail on variables without a value or default.
    #[arg(long)]
    pub strict_substitute: bool,
}

/// The Kustomization to build: from `--kustomization-file` or the cluster.
pub async fn load_kustomization(args: &BuildArgs, g: &GlobalArgs) -> Result<Value> {
    if let Some(file) = &args.kustomization_file {
        let docs = yaml::read_file(file)?;
        return docs
            .into_iter()
            .find(|d| d["kind"] == "Kustomization" && target::name_of(d) == args.name)
            .map(|mut d| {
                if d["metadata"]["namespace"].is_null() {
                    d["metadata"]["namespace"] = json!(g.namespace);
                }
                d
            })
            .ok_or_else(|| {
                usage(format!(
                    "{}: no Kustomization named '{}'",
                    file.display(),
                    args.name
                ))
            });
    }
    let client = g.client().await?;
    target::get(&client, &kinds::KUSTOMIZATION, &g.namespace, &args.name).await
}

const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn has_kustomization(dir: &Path) -> bool {
    KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file())
}

/// Lists what Flux's generator puts in a kustomization.yaml for a plain directory: YAML files,
/// and subdirectories that have their own kustomization (others are walked).
fn plain_resources(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| usage(format!("reading {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let rel = p
            .strip_prefix(root)
            .map_err(|e| CliError::Other(e.into()))?
            .to_string_lossy()
            .into_owned();
        if p.is_dir() {
            if has_kustomization(&p) {
                out.push(rel);
            } else {
                plain_resources(root, &p, out)?;
            }
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            // Only Kubernetes objects: skip YAML without apiVersion/kind.
            let text = std::fs::read_to_string(&p)
                .map_err(|e| usage(format!("reading {}: {e}", p.display())))?;
            let docs = yaml::parse(&text, &rel)?;
            if docs
                .iter()
                .any(|d| d["apiVersion"].is_string() && d["kind"].is_string())
            {
                out.push(rel);
            }
        }
    }
    Ok(())
}

fn copy_dir(src: &Path, dst: &Path) -> Result<()> {
    std::fs::create_dir_all(dst).map_err(|e| usage(format!("creating {}: {e}", dst.display())))?;
    for entry in
        std::fs::read_dir(src).map_err(|e| usage(format!("reading {}: {e}", src.display())))?
    {
        let entry = entry.map_err(|e| usage(format!("reading {}: {e}", src.display())))?;
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        if from.is_dir() {
            copy_dir(&from, &to)?;
        } else {
            std::fs::copy(&from, &to)
                .map_err(|e| usage(format!("copying {}: {e}", from.display())))?;
        }
    }
    Ok(())
}

/// Builds `path` as the controller would for the Kustomization `ks`.
pub fn local_build(ks: &Value, path: &Path, strict: bool) -> Result<Vec<Value>> {
    if !path.is_dir() {
        return Err(usage(format!(
            "invalid --path '{}': not a directory",
            path.display()
        )));
    }
    let path = path
        .canonicalize()
        .map_err(|e| usage(format!("invalid --path '{}': {e}", path.display())))?;
    let tmp = tempfile::tempdir().map_err(|e| CliError::Other(e.into()))?;
    // A plain directory gets a generated kustomization.yaml, in a copy so the user's tree is
    // left untouched.
    let base = if has_kustomization(&path) {
        path.clone()
    } else {
        let copy = tmp.path().join("source");
        copy_dir(&path, &copy)?;
        let mut resources = Vec::new();
        plain_resources(&copy, &copy, &mut resources)?;
        let k = json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": resources,
        });
        std::fs::write(copy.join("kustomization.yaml"), k.to_string())
            .map_err(|e| CliError::Other(e.into()))?;
        copy
    };
    let spec = &ks["spec"];
    let mut overlay = Map::new();
    overlay.insert(
        "apiVersion".into(),
        json!("kustomize.config.k8s.io/v1beta1"),
    );
    overlay.insert("kind".into(), json!("Kustomization"));
    overlay.insert("resources".into(), json!([base.to_string_lossy()]));
    if let Some(ns) = spec["targetNamespace"].as_str() {
        overlay.insert("namespace".into(), json!(ns));
    }
    for key in ["namePrefix", "nameSuffix", "patches", "images"] {
        if !spec[key].is_null() {
            overlay.insert(key.into(), spec[key].clone());
        }
    }
    if let Some(components) = spec["components"].as_array() {
        let abs: Vec<Value> = components
            .iter()
            .filter_map(Value::as_str)
            .map(|c| json!(path.join(c).to_string_lossy()))
            .collect();
        overlay.insert("components".into(), json!(abs));
    }
    let overlay_dir = tmp.path().join("overlay");
    std::fs::create_dir_all(&overlay_dir).map_err(|e| CliError::Other(e.into()))?;
    std::fs::write(
        overlay_dir.join("kustomization.yaml"),
        Value::Object(overlay).to_string(),
    )
    .map_err(|e| CliError::Other(e.into()))?;
    let opts = flux_kustomize::BuildOptions {
        // The overlay refers to the build root by absolute path.
        load_restrictor: flux_kustomize::LoadRestrictor::None,
        reorder: flux_kustomize::Reorder::Legacy,
    };
    let mut objects = flux_kustomize::build(&overlay_dir, &opts)
        .map_err(|e| usage(format!("kustomize build of {} failed: {e}", path.display())))?;

    let name = target::name_of(ks).to_string();
    let namespace = target::namespace_of(ks).to_string();
    let common = &spec["commonMetadata"];
    let vars: BTreeMap<String, String> = spec["postBuild"]["substitute"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let substitute = !spec["postBuild"].is_null();
    for obj in &mut objects {
        for (field, extra) in [
            ("labels", &common["labels"]),
            ("annotations", &common["annotations"]),
        ] {
            if let Some(m) = extra.as_object() {
                for (k, v) in m {
                    obj["metadata"][field][k] = v.clone();
                }
            }
        }
        obj["metadata"]["labels"][KUSTOMIZE_NAME_LABEL] = json!(name);
        obj["metadata"]["labels"][KUSTOMIZE_NAMESPACE_LABEL] = json!(namespace);
        if substitute {
            substitute_object(obj, &vars, strict)?;
        }
    }
    Ok(objects)
}

impl BuildArgs {
    /// Runs `flux-rs build kustomization`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let ks = load_kustomization(&self, g).await?;
        let objects = local_build(&ks, &self.path, self.strict_substitute)?;
        print!("{}", flux_kustomize::to_yaml_stream(&objects));
        Ok(())
    }
}
