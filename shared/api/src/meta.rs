//! Types shared by several Flux APIs (fluxcd/pkg `apis/meta`, `apis/acl`, `apis/kustomize`):
//! conditions, artifacts, object references, inventories, and the validation patterns and
//! schema helpers the kind modules use.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// Validation pattern of Go duration fields such as `interval` (allows hours).
pub const DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$";
/// Validation pattern of most `timeout` fields (no hours, as Flux).
pub const TIMEOUT_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$";
/// Validation pattern of `Artifact.digest`: `<algorithm>:<checksum>`.
pub const DIGEST_PATTERN: &str = r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$";

/// Schema of a free-form JSON object (`x-kubernetes-preserve-unknown-fields`), e.g. Helm values.
pub fn preserve_unknown_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true })
}

/// Schema of an arbitrary JSON value (`x-kubernetes-preserve-unknown-fields`), e.g. a
/// JSON6902 operation value.
pub fn preserve_unknown_value(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "x-kubernetes-preserve-unknown-fields": true })
}

/// A `metav1.Condition`: one aspect of an object's observed state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// lastTransitionTime is the last time the condition transitioned from one status to another.
    pub last_transition_time: Time,
    /// message is a human readable message indicating details about the transition.
    #[schemars(length(max = 32768))]
    pub message: String,
    /// observedGeneration represents the .metadata.generation that the condition was set based upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub observed_generation: Option<i64>,
    /// reason contains a programmatic identifier indicating the reason for the condition's last
    /// transition, in CamelCase.
    #[schemars(
        length(min = 1, max = 1024),
        regex(pattern = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    )]
    pub reason: String,
    /// status of the condition, one of True, False, Unknown.
    #[schemars(extend("enum" = ["True", "False", "Unknown"]))]
    pub status: String,
    /// type of condition in CamelCase or in foo.example.com/CamelCase.
    #[serde(rename = "type")]
    #[schemars(
        length(max = 316),
        regex(
            pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
        )
    )]
    pub type_: String,
}

impl Condition {
    /// A condition observed at `now` for the given generation. `status` is one of
    /// [`crate::constants::CONDITION_TRUE`], `CONDITION_FALSE` or `CONDITION_UNKNOWN`.
    pub fn new(
        type_: &str,
        status: &str,
        reason: &str,
        message: impl Into<String>,
        observed_generation: Option<i64>,
        now: Time,
    ) -> Self {
        Self {
            last_transition_time: now,
            message: message.into(),
            observed_generation,
            reason: reason.to_string(),
            status: status.to_string(),
            type_: type_.to_string(),
        }
    }

    /// Whether the condition status is `True`.
    pub fn is_true(&self) -> bool {
        self.status == crate::constants::CONDITION_TRUE
    }
    /// Whether the condition status is `False`.
    pub fn is_false(&self) -> bool {
        self.status == crate::constants::CONDITION_FALSE
    }
}

/// Access to `.status.conditions` of a Flux object, as Flux's `conditions.Getter/Setter`.
pub trait Conditions {
    /// The current conditions (empty when there is no status yet).
    fn conditions(&self) -> &[Condition];
    /// Mutable conditions, creating the status when missing.
    fn conditions_mut(&mut self) -> &mut Vec<Condition>;

    /// The condition of the given type, if present.
    fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions().iter().find(|c| c.type_ == type_)
    }

    /// Whether the condition of the given type is present and `True`.
    fn is_condition_true(&self, type_: &str) -> bool {
        self.condition(type_).is_some_and(Condition::is_true)
    }

    /// Whether `Ready` is `True`.
    fn is_ready(&self) -> bool {
        self.is_condition_true(crate::constants::READY_CONDITION)
    }

    /// Inserts or replaces the condition with the same type. The `lastTransitionTime` is kept
    /// when the status did not change, as `meta.SetStatusCondition` does.
    fn set_condition(&mut self, mut condition: Condition) {
        let conditions = self.conditions_mut();
        match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
            Some(existing) => {
                if existing.status == condition.status {
                    condition.last_transition_time = existing.last_transition_time.clone();
                }
                *existing = condition;
            }
            None => conditions.push(condition),
        }
    }

    /// Removes the condition of the given type; returns whether one was removed.
    fn remove_condition(&mut self, type_: &str) -> bool {
        let conditions = self.conditions_mut();
        let before = conditions.len();
        conditions.retain(|c| c.type_ != type_);
        before != conditions.len()
    }
}

/// The output of a source reconciliation: a file in the source-controller storage.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// Path is the relative file path of the Artifact in the storage root.
    pub path: String,
    /// URL is the HTTP address of the Artifact as exposed by the controller managing the Source.
    pub url: String,
    /// Revision is a human-readable identifier traceable in the origin source system.
    pub revision: String,
    /// Digest is the digest of the file in the form of '<algorithm>:<checksum>'.
    #[schemars(regex(pattern = DIGEST_PATTERN))]
    pub digest: String,
    /// LastUpdateTime is the timestamp corresponding to the last update of the Artifact.
    pub last_update_time: Time,
    /// Size is the number of bytes in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Metadata holds upstream information such as OCI annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// Reference to an object in the same namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct LocalObjectReference {
    /// Name of the referent.
    pub name: String,
}

/// Reference to an object in any namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct NamespacedObjectReference {
    /// Name of the referent.
    pub name: String,
    /// Namespace of the referent, when not specified it acts as LocalObjectReference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Reference to a typed object in any namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamespacedObjectKindReference {
    /// API version of the referent, if not specified the Kubernetes preferred version will be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the referent.
    pub kind: String,
    /// Name of the referent.
    pub name: String,
    /// Namespace of the referent, when not specified it acts as LocalObjectReference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Reference to a Secret in the same namespace, with an optional key.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct SecretKeyReference {
    /// Name of the Secret.
    pub name: String,
    /// Key in the Secret, when not specified an implementation-specific default key is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A dependency on another object of the same kind, optionally with a CEL readiness expression.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyReference {
    /// Name of the referent.
    pub name: String,
    /// Namespace of the referent, defaults to the namespace of the object holding the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// ReadyExpr is a CEL expression that replaces the built-in readiness check of the dependency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_expr: Option<String>,
}

/// Where to find a kubeconfig for reconciling on a remote cluster: exactly one of a Secret or a
/// ConfigMap (secret-less, cloud provider identity).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "has(self.secretRef) != has(self.configMapRef)", "message": "exactly one of spec.kubeConfig.secretRef or spec.kubeConfig.configMapRef must be specified"}
]))]
pub struct KubeConfigReference {
    /// SecretRef holds the name of a Secret with a kubeconfig; key defaults to `value`, then
    /// `value.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretKeyReference>,
    /// ConfigMapRef holds the name of a ConfigMap with secret-less access settings (`provider`,
    /// `cluster`, `address`, `ca.crt`, `audiences`, `serviceAccountName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<LocalObjectReference>,
}

/// Access Control List for cross-namespace references to an object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessFrom {
    /// NamespaceSelectors is the list of namespace selectors; items are ORed.
    pub namespace_selectors: Vec<NamespaceSelector>,
}

/// Selects namespaces by labels; an empty map matches all namespaces.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSelector {
    /// MatchLabels is a map of {key,value} pairs, ANDed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
}

/// Common labels and annotations stamped on every applied object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct CommonMetadata {
    /// Annotations to be added to the object's metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Labels to be added to the object's metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// The objects applied by a Kustomization or HelmRelease.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ResourceInventory {
    /// Entries of Kubernetes resource object references.
    pub entries: Vec<ResourceRef>,
}

/// One inventory entry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ResourceRef {
    /// ID is the string representation of the object: `<namespace>_<name>_<group>_<kind>`.
    pub id: String,
    /// Version is the API version of the object.
    pub v: String,
}

/// A record of one reconciliation outcome in `.status.history` (fluxcd/pkg `meta.Snapshot`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistorySnapshot {
    /// Digest is the checksum in the format `<algo>:<hex>` of the resources in this snapshot.
    pub digest: String,
    /// FirstReconciled is the time when this revision was first reconciled to the cluster.
    pub first_reconciled: Time,
    /// LastReconciled is the time when this revision was last reconciled to the cluster.
    pub last_reconciled: Time,
    /// LastReconciledDuration is time it took to execute the last reconciliation.
    pub last_reconciled_duration: String,
    /// LastReconciledStatus is the status of the last reconciliation.
    pub last_reconciled_status: String,
    /// TotalReconciliations is the total number of reconciliations that have occurred for this
    /// snapshot.
    pub total_reconciliations: i64,
    /// Metadata contains additional information about the snapshot (`revision`, `originRevision`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// Selects Kubernetes objects by GVK, name, namespace and label/annotation selectors
/// (fluxcd/pkg `kustomize.Selector`). Name and namespace are regular expressions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    /// Group is the API group to select resources from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Version of the API Group to select resources from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Kind of the API Group to select resources from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Namespace to select resources from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name to match resources with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// AnnotationSelector is a label selector expression matched against resource annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_selector: Option<String>,
    /// LabelSelector is a label selector expression matched against resource labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
}

/// A kustomize patch (strategic merge or JSON6902) with an optional target selector.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct Patch {
    /// Patch contains an inline StrategicMerge patch or an inline JSON6902 patch with an array of
    /// operation objects.
    pub patch: String,
    /// Target points to the resources that the patch document should be applied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Selector>,
}

/// A kustomize image override.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// Name is a tag-less image name.
    pub name: String,
    /// NewName is the value used to replace the original name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    /// NewTag is the value used to replace the original tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_tag: Option<String>,
    /// Digest is the value used to replace the original image tag; if set, NewTag is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// CEL health-check expressions for a custom resource kind.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomHealthCheck {
    /// APIVersion of the custom resource under evaluation.
    pub api_version: String,
    /// Kind of the custom resource under evaluation.
    pub kind: String,
    /// Current is the CEL expression that determines if the status of the custom resource has
    /// reached the desired state.
    pub current: String,
    /// InProgress is the CEL expression that determines if the status of the custom resource has
    /// not yet reached the desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<String>,
    /// Failed is the CEL expression that determines if the status of the custom resource has
    /// failed to reach the desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// Rule that excludes JSON pointer paths of selected objects from drift detection.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct IgnoreRule {
    /// Paths is a list of JSON Pointer (RFC 6901) paths to be excluded.
    pub paths: Vec<String>,
    /// Target selects the objects this rule applies to; all objects when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Selector>,
}

/// Parses a Go duration string (`1h30m`, `0.5s`, `250ms`) as accepted by the CRD patterns.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, crate::Error> {
    let invalid = || crate::Error::InvalidDuration(s.to_string());
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        if num_len == 0 {
            return Err(invalid());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| invalid())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    std::time::Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn condition_constructor_sets_every_field() {
        let now: Time = serde_json::from_value(serde_json::json!("2026-11-25T10:00:00Z")).unwrap();
        let c = Condition::new(
            "Ready",
            "False",
            "GitOperationFailed",
            "clone failed",
            Some(4),
            now,
        );
        assert!(c.is_false() && !c.is_true());
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({
                "lastTransitionTime": "2026-11-25T10:00:00Z",
                "message": "clone failed",
                "observedGeneration": 4,
                "reason": "GitOperationFailed",
                "status": "False",
                "type": "Ready"
            })
        );
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("0.5s").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        for bad in ["", "5 minutes", "10", "m", "1x", "1.2.3s"] {
            assert!(parse_duration(bad).is_err(), "{bad} must be rejected");
        }
    }
}
