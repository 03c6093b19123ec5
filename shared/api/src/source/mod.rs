//! `source.toolkit.fluxcd.io/v1`: the source kinds that produce artifacts.

pub mod bucket;
pub mod externalartifact;
pub mod gitrepository;
pub mod helmchart;
pub mod helmrepository;
pub mod ocirepository;

pub use bucket::{Bucket, BucketSpec, BucketStatus};
pub use externalartifact::{ExternalArtifact, ExternalArtifactSpec, ExternalArtifactStatus};
pub use gitrepository::{GitRepository, GitRepositorySpec, GitRepositoryStatus};
pub use helmchart::{HelmChart, HelmChartSpec, HelmChartStatus};
pub use helmrepository::{HelmRepository, HelmRepositorySpec, HelmRepositoryStatus};
pub use ocirepository::{OCIRepository, OCIRepositorySpec, OCIRepositoryStatus};

/// The API version of all source kinds.
pub const API_VERSION: &str = "source.toolkit.fluxcd.io/v1";
