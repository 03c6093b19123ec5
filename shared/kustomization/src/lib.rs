//! Building a Flux Kustomization's manifests the way kustomize-controller does, with no
//! Kubernetes client, so the controller and `flux-rs build kustomization` share one copy:
//!
//! 1. [`generate::prepare`]: generate a `kustomization.yaml` when the path has none and inject
//!    the spec's `targetNamespace`, `namePrefix`, `nameSuffix`, `patches`, `images` and
//!    `components`;
//! 2. [`build`]: `kustomize build` with the controller's options (no load restrictions,
//!    input order);
//! 3. [`substitute::apply`]: `spec.postBuild` variable substitution in Flux's envsubst dialect;
//! 4. [`metadata::set_metadata`]: `commonMetadata` and the owner labels.

pub mod envsubst;
pub mod generate;
pub mod metadata;
pub mod substitute;

use std::path::Path;

use flux_api::kustomize::KustomizationSpec;
use flux_kustomize::{BuildOptions, LoadRestrictor, Reorder};
use serde_json::Value;

/// A failure of one step; the message names the file or object at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Preparing or building the kustomization failed.
    #[error("{0}")]
    Build(String),
    /// Post-build substitution failed.
    #[error("{0}")]
    Substitute(String),
}

/// kustomize-controller's build options: no load restrictions, objects in input order.
pub const BUILD_OPTIONS: BuildOptions = BuildOptions {
    load_restrictor: LoadRestrictor::None,
    reorder: Reorder::None,
};

/// Prepares the kustomization in `dir` with `spec` and builds it. `root` is the source root:
/// files are named relative to it in messages.
pub fn build(dir: &Path, root: &Path, spec: &KustomizationSpec) -> Result<Vec<Value>, Error> {
    generate::prepare(dir, root, spec)?;
    flux_kustomize::build(dir, &BUILD_OPTIONS).map_err(|e| {
        Error::Build(format!(
            "kustomize build failed: {}",
            e.to_string().replace(&format!("{}/", root.display()), "")
        ))
    })
}

/// `Kind/namespace/name` (or `Kind/name`), as Flux names objects in messages.
pub(crate) fn subject(obj: &Value) -> String {
    let kind = obj["kind"].as_str().unwrap_or_default();
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    match obj["metadata"]["namespace"].as_str() {
        Some(ns) if !ns.is_empty() => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}
