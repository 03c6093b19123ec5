//! `status.history`: the last five distinct reconcile outcomes, keyed by the digest of the
//! applied manifests and the outcome reason (fluxcd/pkg `meta.History.Upsert`).

use std::collections::BTreeMap;
use std::time::Duration;

use flux_api::meta::HistorySnapshot;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How many snapshots Flux keeps.
pub const MAX_HISTORY: usize = 5;

/// `sha256:<hex>` of the objects' YAML.
pub fn digest(objects: &[Value]) -> String {
    let yaml = flux_kustomize::to_yaml_stream(objects);
    format!("sha256:{}", hex::encode(Sha256::digest(yaml.as_bytes())))
}

/// Records an outcome: an existing snapshot with the same digest and status is updated and
/// moved first, otherwise a new one is prepended; at most [`MAX_HISTORY`] are kept.
pub fn upsert(
    history: &mut Vec<HistorySnapshot>,
    digest: &str,
    now: Time,
    duration: Duration,
    status: &str,
    metadata: BTreeMap<String, String>,
) {
    let duration = format!("{:.3}s", duration.as_secs_f64());
    let existing = history
        .iter()
        .position(|s| s.digest == digest && s.last_reconciled_status == status);
    let snapshot = match existing {
        Some(i) => {
            let mut s = history.remove(i);
            s.last_reconciled = now;
            s.last_reconciled_duration = duration;
            s.total_reconciliations += 1;
            s.metadata = metadata;
            s
        }
        None => HistorySnapshot {
            digest: digest.to_string(),
            first_reconciled: now.clone(),
            last_reconciled: now,
            last_reconciled_duration: duration,
            last_reconciled_status: status.to_string(),
            total_reconciliations: 1,
            metadata,
        },
    };
    history.insert(0, snapshot);
    history.truncate(MAX_HISTORY);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Time {
        Time(k8s_openapi::jiff::Timestamp::now())
    }

    #[test]
    fn upsert_dedups_and_caps() {
        let mut h = Vec::new();
        upsert(
            &mut h,
            "sha256:a",
            now(),
            Duration::from_secs(1),
            "ReconciliationSucceeded",
            BTreeMap::new(),
        );
        upsert(
            &mut h,
            "sha256:a",
            now(),
            Duration::from_secs(1),
            "ReconciliationSucceeded",
            BTreeMap::new(),
        );
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].total_reconciliations, 2);
        upsert(
            &mut h,
            "sha256:a",
            now(),
            Duration::from_secs(1),
            "HealthCheckFailed",
            BTreeMap::new(),
        );
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].last_reconciled_status, "HealthCheckFailed");
        for d in ["b", "c", "d", "e", "f"] {
            upsert(
                &mut h,
                &format!("sha256:{d}"),
                now(),
                Duration::ZERO,
                "ReconciliationSucceeded",
                BTreeMap::new(),
            );
        }
        assert_eq!(h.len(), MAX_HISTORY);
        assert_eq!(h[0].digest, "sha256:f");
        upsert(
            &mut h,
            "sha256:c",
            now(),
            Duration::ZERO,
            "ReconciliationSucceeded",
            BTreeMap::new(),
        );
        assert_eq!(h[0].digest, "sha256:c");
        assert_eq!(h[0].total_reconciliations, 2);
        assert_eq!(h.len(), MAX_HISTORY);
    }

    #[test]
    fn digest_is_stable() {
        let objs = vec![
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
        ];
        assert_eq!(digest(&objs), digest(&objs.clone()));
        assert!(digest(&objs).starts_with("sha256:"));
    }
}
