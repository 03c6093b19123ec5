//! `notification.toolkit.fluxcd.io`: Provider and Alert (v1beta3, no status) and Receiver (v1).

pub mod alert;
pub mod provider;
pub mod receiver;

pub use alert::{Alert, AlertSpec};
pub use provider::{Provider, ProviderSpec};
pub use receiver::{Receiver, ReceiverSpec, ReceiverStatus};

/// The API version of Provider and Alert.
pub const API_VERSION_V1BETA3: &str = "notification.toolkit.fluxcd.io/v1beta3";
/// The API version of Receiver.
pub const API_VERSION_V1: &str = "notification.toolkit.fluxcd.io/v1";

/// Kinds that Alert event sources and Receiver resources may reference.
pub const REFERENCEABLE_KINDS: [&str; 12] = [
    "Bucket",
    "GitRepository",
    "Kustomization",
    "HelmRelease",
    "HelmChart",
    "HelmRepository",
    "ImageRepository",
    "ImagePolicy",
    "ImageUpdateAutomation",
    "OCIRepository",
    "ArtifactGenerator",
    "ExternalArtifact",
];

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// CrossNamespaceObjectReference selects Flux objects (by name or `*` with labels) as Alert
/// event sources or Receiver resources.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrossNamespaceObjectReference {
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the referent.
    #[schemars(extend("enum" = [
        "Bucket", "GitRepository", "Kustomization", "HelmRelease", "HelmChart", "HelmRepository",
        "ImageRepository", "ImagePolicy", "ImageUpdateAutomation", "OCIRepository",
        "ArtifactGenerator", "ExternalArtifact"
    ]))]
    pub kind: String,
    /// Name of the referent; `*` selects all objects of the kind (optionally with matchLabels).
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the referent; `*` targets all namespaces (requires name `*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub namespace: Option<String>,
    /// MatchLabels is a map of {key,value} pairs; only valid when name is `*`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
}
