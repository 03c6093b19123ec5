//! The local build of a Kustomization with kustomize-controller's own steps (flux-kustomization): copy the
//! source (the Git work tree around `--path`), generate or patch the kustomization with the
//! Kustomization's targetNamespace, namePrefix/Suffix, patches, images and components, build
//! with no load restrictions in input order, substitute `spec.postBuild.substitute`, then add
//! commonMetadata and the `kustomize.toolkit.fluxcd.io/name|namespace` labels.

use std::path::{Path, PathBuf};

use clap::Args;
use flux_api::kustomize::KustomizationSpec;
use flux_kustomization::substitute;
use serde_json::{Value, json};

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
    let spec: KustomizationSpec = serde_json::from_value(ks["spec"].clone())
        .map_err(|e| usage(format!("invalid Kustomization spec: {e}")))?;
    let step_failed = |e: flux_kustomization::Error| {
        usage(format!(
            "{}: {}",
            path.display(),
            e.to_string().replace(&format!("{}/", copy.display()), "")
        ))
    };
    let mut objects = flux_kustomization::build(&dir, &copy, &spec).map_err(step_failed)?;
    if let Some(post_build) = &spec.post_build {
        let vars = substitute::normalize(post_build.substitute.clone()).map_err(step_failed)?;
        objects = substitute::apply(objects, &vars, post_build, strict).map_err(step_failed)?;
    }
    flux_kustomization::metadata::set_metadata(
        &mut objects,
        target::name_of(ks),
        target::namespace_of(ks),
        spec.common_metadata.as_ref(),
    );
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
