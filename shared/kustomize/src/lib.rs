//! Pure kustomize build engine: a kustomization directory to an ordered list of objects.
//!
//! [`build`] reads a kustomization (resources, components, generators, patches,
//! transformers, replacements, vars) the way kustomize v5 does and returns the
//! objects as `serde_json::Value`s; [`to_yaml_stream`] prints them like
//! `kustomize build`. Nothing here talks to a cluster or the network: remote
//! bases, Helm charts and exec/container plugins are refused with an error.

mod build;
mod config;
mod crds;
pub mod error;
mod fieldpath;
mod fieldspec;
mod generators;
mod kustomization;
mod loader;
mod origin;
mod patch;
mod patches;
mod plugins;
mod replacements;
mod resource;
mod sort;
mod steps;
mod transformers;
mod vars;
mod yaml;

pub use build::{BuildOptions, Reorder, build};
pub use error::KustomizeError;
pub use loader::LoadRestrictor;
pub use yaml::{parse_documents, to_yaml_stream};
