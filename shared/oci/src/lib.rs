//! OCI artifacts for Flux's OCIRepository and OCI Helm charts (no Kubernetes).
//!
//! - [`url`]: `oci://<registry>/<repository>` URLs and the `spec.ref` precedence
//!   (digest > semver > tag > `latest`).
//! - [`auth`]: registry credentials from a `.dockerconfigjson` Secret.
//! - [`client`]: resolving a ref to a manifest digest (tag listing with `semverFilter`
//!   and Masterminds selection), pulling the selected layer to a file under a size cap,
//!   and pushing artifacts (what `flux push artifact` and `helm push` do).
//! - [`cosign`]: cosign key-based signatures (`<alg>-<hex>.sig` tags, simple-signing
//!   payloads, ECDSA P-256, and [`sigstore_bundle`]s found through OCI referrers) —
//!   verifying, and signing for tests and the CLI.

pub mod auth;
pub mod client;
pub mod cosign;
mod error;
pub mod sigstore_bundle;
pub mod url;

pub use client::{ClientOptions, OciClient, PulledLayer, Resolved};
pub use error::Error;
pub use url::{OciRef, OciUrl};

/// Media type of Flux's artifact content layer (`flux push artifact`).
pub const FLUX_CONTENT_MEDIA_TYPE: &str = "application/vnd.cncf.flux.content.v1.tar+gzip";
/// Media type of Flux's artifact config.
pub const FLUX_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.flux.config.v1+json";
/// Media type of a Helm chart layer.
pub const HELM_CHART_CONTENT_MEDIA_TYPE: &str =
    "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Media type of a Helm chart config.
pub const HELM_CHART_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Annotation with the source revision of an artifact pushed by Flux.
pub const REVISION_ANNOTATION: &str = "org.opencontainers.image.revision";
