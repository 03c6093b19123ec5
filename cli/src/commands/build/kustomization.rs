//! The local build of a Kustomization, step for step as kustomize-controller does it: copy the
//! source (the Git work tree around `--path`), generate or patch the kustomization with the
//! Kustomization's targetNamespace, namePrefix/Suffix, patches, images and components, build
//! with no load restrictions in input order, substitute `spec.postBuild.substitute`, then add
//! commonMetadata and the `kustomize.toolkit.fluxcd.io/name|namespace` labels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use flux_api::constants::{KUSTOMIZE_NAME_LABEL, KUSTOMIZE_NAMESPACE_LABEL};
use serde_json::{Value, json};

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

fn find_kustomization(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// Lists what Flux's generator puts in a kustomization.yaml for a plain directory: YAML files
/// holding objects, and subdirectories that have their own kustomization (others are walked).
fn plain_resources(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| usage(format!("reading {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let rel = p
            .strip_prefix(base)
            .map_err(|e| CliError::Other(e.into()))?
            .to_string_lossy()
            .into_owned();
        if p.is_dir() {
            if find_kustomization(&p).is_some() {
                out.push(rel);
            } else {
                plain_resources(base, &p, out)?;
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| usage(format!("reading {}: {e}", p.display())))?;
            let docs = yaml::parse(&text, &rel)?;
            if docs
                .iter()
                .any(|d| d["kind"].as_str().is_some_and(|k| !k.is_empty()))
            {
                out.push(rel);
            }
        }
    }
    Ok(())
}

/// Copies a tree, leaving out `.git`.
fn copy_dir(src: &Path, dst: &Path) -> Result<()> {
    std::fs::create_dir_all(dst).map_err(|e| usage(format!("creating {}: {e}", dst.display())))?;
    for entry in
        std::fs::read_dir(src).map_err(|e| usage(format!("reading {}: {e}", src.display())))?
    {
        let entry = entry.map_err(|e| usage(format!("reading {}: {e}", src.display())))?;
        if entry.file_name() == ".git" {
            continue;
        }
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

/// The root the controller would see: the Git work tree holding `path` (so `../base`
/// references resolve), else `path` itself.
fn source_root(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(path)
        .to_path_buf()
}

/// Generates (when missing) and patches the kustomization in `dir` with the Kustomization's
/// fields, as kustomize-controller's generator does.
fn prepare(dir: &Path, spec: &Value) -> Result<()> {
    let (file, mut kustomization) = match find_kustomization(dir) {
        Some(file) => {
            let docs = yaml::read_file(&file)?;
            (file, docs.into_iter().next().unwrap_or_else(|| json!({})))
        }
        None => {
            let mut resources = Vec::new();
            plain_resources(dir, dir, &mut resources)?;
            let k = json!({
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": resources,
            });
            (dir.join("kustomization.yaml"), k)
        }
    };
    let Some(map) = kustomization.as_object_mut() else {
        return Err(usage(format!(
            "{}: kustomization is not a YAML mapping",
            file.display()
        )));
    };
    for (from, to) in [
        ("targetNamespace", "namespace"),
        ("namePrefix", "namePrefix"),
        ("nameSuffix", "nameSuffix"),
    ] {
        if let Some(v) = spec[from].as_str() {
            map.insert(to.into(), json!(v));
        }
    }
    let ignore_missing = spec["ignoreMissingComponents"].as_bool().unwrap_or(false);
    for key in ["patches", "images", "components"] {
        let Some(items) = spec[key].as_array().filter(|a| !a.is_empty()) else {
            continue;
        };
        let items: Vec<Value> = items
            .iter()
            .filter(|c| {
                key != "components"
                    || !ignore_missing
                    || c.as_str().is_some_and(|c| dir.join(c).exists())
            })
            .cloned()
            .collect();
        let entry = map.entry(key.to_string()).or_insert_with(|| json!([]));
        if !entry.is_array() {
            *entry = json!([]);
        }
        if let Some(list) = entry.as_array_mut() {
            list.extend(items);
        }
    }
    std::fs::write(&file, flux_kustomize::to_yaml_stream(&[kustomization]))
        .map_err(|e| usage(format!("writing {}: {e}", file.display())))
}

/// Builds `path` as the controller would for the Kustomization `ks`, in a temporary copy of
/// the source so the user's files are left untouched.
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
    let root = source_root(&path);
    let rel = path
        .strip_prefix(&root)
        .map_err(|e| CliError::Other(e.into()))?;
    let tmp = tempfile::tempdir().map_err(|e| CliError::Other(e.into()))?;
    let copy = tmp.path().join("source");
    copy_dir(&root, &copy)?;
    let dir = copy.join(rel);
    let spec = &ks["spec"];
    prepare(&dir, spec)?;
    let opts = flux_kustomize::BuildOptions {
        // kustomize-controller's options: no load restrictions, input order.
        load_restrictor: flux_kustomize::LoadRestrictor::None,
        reorder: flux_kustomize::Reorder::None,
    };
    let mut objects = flux_kustomize::build(&dir, &opts).map_err(|e| {
        usage(format!(
            "kustomize build of {} failed: {}",
            path.display(),
            e.to_string().replace(&format!("{}/", copy.display()), "")
        ))
    })?;

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
    if !spec["postBuild"].is_null() {
        objects = objects
            .into_iter()
            .map(|o| substitute_object(o, &vars, strict))
            .collect::<Result<_>>()?;
    }
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
