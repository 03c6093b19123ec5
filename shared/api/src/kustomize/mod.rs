//! `kustomize.toolkit.fluxcd.io/v1`: the Kustomization kind.

pub mod kustomization;

pub use kustomization::{Kustomization, KustomizationSpec, KustomizationStatus};

/// The API version of Kustomization.
pub const API_VERSION: &str = "kustomize.toolkit.fluxcd.io/v1";
