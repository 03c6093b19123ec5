//! The `status.artifact` object, as Flux's `meta.Artifact`.
//!
//! This is a local, minimal mirror so that storage does not depend on the API crate.
//! `flux-api` owns the canonical type; the two should be unified (or converted with a
//! `From` impl in `flux-api`) once both exist.

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// An artifact produced by a source, as reported in `status.artifact`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// Path relative to the storage root: `<kind>/<namespace>/<name>/<file>`.
    pub path: String,
    /// URL the artifact is served at.
    pub url: String,
    /// Human-readable source revision, e.g. `main@sha1:<hex>`.
    pub revision: String,
    /// `<algorithm>:<hex>` of the stored file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// When the file was last written.
    pub last_update_time: DateTime<Utc>,
    /// File size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Free-form metadata, e.g. OCI annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

impl Artifact {
    /// Whether `other` describes the same content: same path, revision and digest.
    ///
    /// Mirrors Flux's `HasRevision`/`HasDigest` checks used to decide if a rebuild is needed.
    pub fn same_content(&self, other: &Artifact) -> bool {
        self.path == other.path && self.revision == other.revision && self.digest == other.digest
    }
}

/// The current time at second precision, as Kubernetes serialises `metav1.Time`.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_like_flux_status_artifact() {
        let json = r#"{"path":"gitrepository/default/podinfo/abc.tar.gz","url":"http://source-controller.flux-system.svc.cluster.local./gitrepository/default/podinfo/abc.tar.gz","revision":"main@sha1:abc","digest":"sha256:00","lastUpdateTime":"2026-11-25T10:00:00Z","size":42}"#;
        let artifact: Artifact = serde_json::from_str(json).unwrap();
        assert_eq!(artifact.size, Some(42));
        assert_eq!(artifact.digest.as_deref(), Some("sha256:00"));
        assert_eq!(artifact.metadata, None);
        assert_eq!(serde_json::to_string(&artifact).unwrap(), json);
    }
}
