//! The Flux event payload (fluxcd/pkg `apis/event/v1beta1.Event`) that every controller POSTs
//! to notification-controller's event endpoint.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ObjectReference;
use serde::{Deserialize, Serialize};

/// Event severity `info`.
pub const SEVERITY_INFO: &str = "info";
/// Event severity `error`.
pub const SEVERITY_ERROR: &str = "error";
/// Event severity `trace` (kept local, never forwarded).
pub const SEVERITY_TRACE: &str = "trace";
/// Maximum message length accepted by notification-controller.
pub const MAX_MESSAGE_LENGTH: usize = 39000;

/// Well-known metadata key suffix: the applied revision.
pub const META_REVISION_KEY: &str = "revision";
/// Well-known metadata key suffix: the origin revision.
pub const META_ORIGIN_REVISION_KEY: &str = "originRevision";
/// Well-known metadata key suffix: checksum (dropped by notification-controller).
pub const META_CHECKSUM_KEY: &str = "checksum";
/// Well-known metadata key suffix: digest (dropped by notification-controller).
pub const META_DIGEST_KEY: &str = "digest";
/// Well-known metadata key suffix: dedup token (removed before dispatch).
pub const META_TOKEN_KEY: &str = "token";
/// Well-known metadata key suffix: commit SHA.
pub const META_COMMIT_KEY: &str = "commit";
/// Well-known metadata key suffix: commit status trigger (`update`).
pub const META_COMMIT_STATUS_KEY: &str = "commit_status";
/// Value of the commit status key that asks providers to update the commit status.
pub const META_COMMIT_STATUS_UPDATE_VALUE: &str = "update";
/// Well-known metadata key suffix: change request id.
pub const META_CHANGE_REQUEST_KEY: &str = "change_request";

/// The JSON body of a Flux event.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The object that this event is about.
    pub involved_object: ObjectReference,
    /// Severity type of this event (`trace`, `info`, `error`).
    pub severity: String,
    /// The time at which this event was recorded (RFC3339).
    pub timestamp: String,
    /// A human-readable description of this event (at most [`MAX_MESSAGE_LENGTH`] characters).
    pub message: String,
    /// A machine understandable string that gives the reason for the transition.
    pub reason: String,
    /// Metadata of this event, keys prefixed with the emitter's API group.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Name of the controller that emitted this event, e.g. `kustomize-controller`.
    pub reporting_controller: String,
    /// ID of the controller instance, e.g. the pod hostname.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reporting_instance: String,
}

impl Event {
    /// Whether the event carries metadata `<group>/<key>` for the involved object's API group.
    pub fn group_metadata(&self, key: &str) -> Option<&str> {
        let group = self
            .involved_object
            .api_version
            .as_deref()
            .and_then(|v| v.split_once('/'))
            .map(|(g, _)| g)?;
        self.metadata
            .get(&format!("{group}/{key}"))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_kustomize_controller_event() {
        let body = serde_json::json!({
            "involvedObject": {
                "kind": "Kustomization",
                "namespace": "flux-system",
                "name": "apps",
                "uid": "7c6f6c8e-1f4e-4b1d-9c43-3f4f1d4d0b7a",
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                "resourceVersion": "12345"
            },
            "severity": "info",
            "timestamp": "2026-11-25T10:00:00Z",
            "message": "Deployment/default/podinfo configured",
            "reason": "ReconciliationSucceeded",
            "metadata": {
                "kustomize.toolkit.fluxcd.io/revision": "main@sha1:0123456789abcdef0123456789abcdef01234567"
            },
            "reportingController": "kustomize-controller",
            "reportingInstance": "kustomize-controller-7f9c5d-abcde"
        });
        let event: Event = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(
            event.group_metadata(META_REVISION_KEY),
            Some("main@sha1:0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(serde_json::to_value(&event).unwrap(), body);
    }
}
