//! Waiting on Flux objects in e2e scenarios: poll until a predicate holds, request a
//! reconcile, read a condition. Test-support code: failures panic with the object's status.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use flux_api::meta::Conditions;
use kube::api::{Patch, PatchParams};
use kube::{Api, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// How long [`wait_for`] polls; it only guards against hangs.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(120);

/// Polls `name` until `pred` holds and returns it; panics after [`WAIT_TIMEOUT`] with the
/// object's status, saying it never became `what`.
pub async fn wait_for<K>(api: &Api<K>, name: &str, what: &str, pred: impl Fn(&K) -> bool) -> K
where
    K: Resource + Clone + Debug + DeserializeOwned + Serialize,
{
    let deadline = Instant::now() + WAIT_TIMEOUT;
    loop {
        let obj = api
            .get(name)
            .await
            .unwrap_or_else(|e| panic!("getting {name}: {e}"));
        if pred(&obj) {
            return obj;
        }
        if Instant::now() >= deadline {
            let status = serde_json::to_value(&obj)
                .map(|v| v["status"].clone())
                .unwrap_or_default();
            panic!(
                "{}/{name} never became {what}; status: {}",
                obj.namespace().unwrap_or_default(),
                serde_json::to_string_pretty(&status).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Sets the `reconcile.fluxcd.io/requestedAt` annotation to `token`, as `flux reconcile` does.
pub async fn request_reconcile<K>(api: &Api<K>, name: &str, token: &str)
where
    K: Resource + Clone + Debug + DeserializeOwned,
{
    let patch = json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": token}}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap_or_else(|e| panic!("annotating {name}: {e}"));
}

/// (status, reason, message) of the condition `type_`.
pub fn condition(obj: &impl Conditions, type_: &str) -> Option<(String, String, String)> {
    let c = obj.condition(type_)?;
    Some((c.status.clone(), c.reason.clone(), c.message.clone()))
}
