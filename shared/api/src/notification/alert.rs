//! Alert (v1beta3): which events are sent to which Provider. A static object without status.

use std::collections::BTreeMap;

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CrossNamespaceObjectReference;
use crate::meta::LocalObjectReference;

/// Alert severity `info` (all events, default).
pub const SEVERITY_INFO: &str = "info";
/// Alert severity `error` (error events only).
pub const SEVERITY_ERROR: &str = "error";

/// AlertSpec defines an alerting rule for events involving a list of objects.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "notification.toolkit.fluxcd.io",
    version = "v1beta3",
    kind = "Alert",
    plural = "alerts",
    namespaced,
    category = "all",
    category = "fluxcd",
    category = "fluxcd-notifications",
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    annotation("kustomize.toolkit.fluxcd.io/substitute", "disabled"),
    doc = "Alert is the Schema for the alerts API.",
    derive = "Default",
    derive = "PartialEq",
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct AlertSpec {
    /// ProviderRef specifies which Provider this Alert should use.
    pub provider_ref: LocalObjectReference,
    /// EventSeverity specifies how to filter events based on severity; `info` matches all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["info", "error"], "default" = "info"))]
    pub event_severity: Option<String>,
    /// EventSources specifies how to filter events based on the involved object kind, name and
    /// namespace.
    pub event_sources: Vec<CrossNamespaceObjectReference>,
    /// InclusionList specifies a list of Golang regular expressions used to include events by
    /// message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion_list: Vec<String>,
    /// EventMetadata is an optional field for adding metadata to events dispatched by the
    /// controller.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub event_metadata: BTreeMap<String, String>,
    /// ExclusionList specifies a list of Golang regular expressions used to exclude events by
    /// message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusion_list: Vec<String>,
    /// Summary holds a short description of the impact and affected cluster (deprecated, use
    /// eventMetadata.summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub summary: Option<String>,
    /// Suspend tells the controller to suspend subsequent events dispatching for this Alert.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspend: bool,
}

impl Alert {
    /// The event severity, defaulting to `info`.
    pub fn event_severity(&self) -> &str {
        self.spec.event_severity.as_deref().unwrap_or(SEVERITY_INFO)
    }
}
