//! Receiver (v1): a webhook endpoint that annotates Flux objects to trigger reconciliation.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CrossNamespaceObjectReference;
use crate::meta::{Condition, DURATION_PATTERN, LocalObjectReference};

/// Every Receiver type Flux supports.
pub const RECEIVER_TYPES: [&str; 13] = [
    "generic",
    "generic-hmac",
    "generic-oidc",
    "github",
    "gitlab",
    "bitbucket",
    "harbor",
    "dockerhub",
    "quay",
    "gcr",
    "nexus",
    "acr",
    "cdevents",
];
/// Receiver type that authenticates with OIDC instead of a token Secret.
pub const TYPE_GENERIC_OIDC: &str = "generic-oidc";
/// Audience expected by 'generic-oidc' Receivers when none is configured.
pub const DEFAULT_OIDC_AUDIENCE: &str = "notification-controller";
/// Prefix of `status.webhookPath`.
pub const WEBHOOK_PATH_PREFIX: &str = "/hook/";

/// ReceiverSpec defines the desired state of the Receiver.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "notification.toolkit.fluxcd.io",
    version = "v1",
    kind = "Receiver",
    plural = "receivers",
    namespaced,
    status = "ReceiverStatus",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-notifications",
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Status","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].message"}"#,
    annotation("kustomize.toolkit.fluxcd.io/substitute", "disabled"),
    doc = "Receiver is the Schema for the receivers API.",
    derive = "Default",
    derive = "PartialEq",
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)", "message": "generic-oidc receivers must define at least one oidcProvider"},
    {"rule": "self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0", "message": "oidcProviders can only be set when type is generic-oidc"},
    {"rule": "self.type == 'generic-oidc' || has(self.secretRef)", "message": "secretRef is required when type is not generic-oidc"}
]))]
pub struct ReceiverSpec {
    /// Type of webhook sender, used to determine the validation procedure and payload
    /// deserialization.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = [
        "generic", "generic-hmac", "generic-oidc", "github", "gitlab", "bitbucket", "harbor",
        "dockerhub", "quay", "gcr", "nexus", "acr", "cdevents"
    ]))]
    pub type_: String,
    /// Interval at which to reconcile the Receiver with its Secret references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN), extend("default" = "10m"))]
    pub interval: Option<String>,
    /// Events specifies the list of event types to handle; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// A list of resources to be notified about changes.
    pub resources: Vec<CrossNamespaceObjectReference>,
    /// ResourceFilter is a CEL expression evaluated for each matched resource; false skips it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_filter: Option<String>,
    /// SecretRef specifies the Secret containing the token used to validate the payload
    /// authenticity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// OIDCProviders lists the trusted OIDC issuers for the 'generic-oidc' type.
    #[serde(
        default,
        rename = "oidcProviders",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub oidc_providers: Vec<OIDCProvider>,
    /// Suspend tells the controller to suspend subsequent events handling for this receiver.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspend: bool,
}

/// OIDCProvider describes a trusted OIDC issuer of a 'generic-oidc' Receiver.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OIDCProvider {
    /// IssuerURL is the URL of the OIDC issuer.
    #[serde(rename = "issuerURL")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub issuer_url: String,
    /// Audience expected in the token (`aud` claim); defaults to `notification-controller`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Variables are CEL expressions evaluated on the token claims, usable in validations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<OIDCVariable>,
    /// Validations are CEL expressions that must all be true for the token to be accepted.
    #[schemars(length(min = 1))]
    pub validations: Vec<OIDCValidation>,
}

/// A named CEL expression over OIDC claims.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct OIDCVariable {
    /// Name of the variable.
    pub name: String,
    /// Expression is the CEL expression computing the variable.
    pub expression: String,
}

/// A CEL validation over OIDC claims.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct OIDCValidation {
    /// Expression is the CEL expression that must evaluate to true.
    pub expression: String,
    /// Message returned to the caller when the expression evaluates to false.
    pub message: String,
}

/// ReceiverStatus defines the observed state of the Receiver.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverStatus {
    /// Conditions holds the conditions for the Receiver.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// WebhookPath is the generated incoming webhook address in the format of
    /// '/hook/sha256sum(token+name+namespace)'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_path: Option<String>,
    /// ObservedGeneration is the last observed generation of the Receiver object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// LastHandledReconcileAt holds the value of the most recent reconcile request value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
}

crate::impl_conditions!(Receiver);
