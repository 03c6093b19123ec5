//! `helm.toolkit.fluxcd.io/v2`: the HelmRelease kind.

pub mod actions;
pub mod helmrelease;

pub use helmrelease::{HelmRelease, HelmReleaseSpec, HelmReleaseStatus};

/// The API version of HelmRelease.
pub const API_VERSION: &str = "helm.toolkit.fluxcd.io/v2";
