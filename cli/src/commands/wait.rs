//! Waiting for a Flux object to be reconciled: Flux's `isObjectReadyFunc` with the
//! `lastHandledReconcileAt` check `reconcile` adds.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::target;
use crate::error::{Result, usage};
use crate::kinds::FluxKind;
use crate::output;

/// How often the object is read while waiting.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The outcome of a finished reconciliation.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Ready=True.
    Ready,
    /// Ready=False, with the condition's message.
    Failed(String),
}

/// Whether `obj` finished reconciling; `None` while still in progress.
///
/// With a `token` (reconcile, resume) the request must be handled and Ready decides. Without
/// one (create, bootstrap) the wait follows kstatus as Flux's does: Ready=False is still in
/// progress (a source may not be ready yet) unless Stalled=True.
pub fn outcome(obj: &Value, token: Option<&str>) -> Option<Outcome> {
    let status = &obj["status"];
    if let Some(t) = token
        && status["lastHandledReconcileAt"].as_str() != Some(t)
    {
        return None;
    }
    let generation = obj["metadata"]["generation"].as_i64().unwrap_or(0);
    if status["observedGeneration"].as_i64().unwrap_or(-1) < generation {
        return None;
    }
    let conditions = status["conditions"].as_array()?;
    let find = |t: &str| conditions.iter().find(|c| c["type"] == t);
    if find("Reconciling").is_some_and(|c| c["status"] == "True") {
        return None;
    }
    let ready = find("Ready")?;
    let message = || ready["message"].as_str().unwrap_or("").to_string();
    match ready["status"].as_str() {
        Some("True") => Some(Outcome::Ready),
        Some("False") if token.is_some() => Some(Outcome::Failed(message())),
        Some("False") if find("Stalled").is_some_and(|c| c["status"] == "True") => {
            Some(Outcome::Failed(message()))
        }
        _ => None,
    }
}

/// Polls until `outcome` decides or `timeout` passes, with a spinner; returns the final object.
pub async fn until_reconciled(
    client: &kube::Client,
    kind: &FluxKind,
    namespace: &str,
    name: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<Value> {
    output::waiting(&format!("waiting for {} reconciliation", kind.kind));
    let bar = output::spinner(&format!("{} {namespace}/{name}", kind.kind));
    let start = Instant::now();
    loop {
        let obj = target::get(client, kind, namespace, name).await?;
        match outcome(&obj, token) {
            Some(Outcome::Ready) => {
                bar.finish_and_clear();
                output::success(&format!("{} reconciliation completed", kind.kind));
                return Ok(obj);
            }
            Some(Outcome::Failed(message)) => {
                bar.finish_and_clear();
                return Err(usage(format!(
                    "{} reconciliation failed: {message}",
                    kind.kind
                )));
            }
            None if start.elapsed() >= timeout => {
                bar.finish_and_clear();
                let (_, last) = super::target::ready_status(&obj);
                return Err(usage(format!(
                    "timeout waiting for {} {namespace}/{name} to be reconciled: {last}",
                    kind.kind
                )));
            }
            None => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}

/// Prints the revision line Flux prints after a reconciliation.
pub fn print_revision(kind: &FluxKind, obj: &Value) {
    let s = &obj["status"];
    match kind.kind {
        "Kustomization" => {
            if let Some(r) = s["lastAppliedRevision"].as_str() {
                output::success(&format!("applied revision {r}"));
            }
        }
        "HelmRelease" => {
            if let Some(r) = s["history"][0]["chartVersion"].as_str() {
                output::success(&format!("applied revision {r}"));
            }
        }
        _ => {
            if let Some(r) = s["artifact"]["revision"].as_str() {
                output::success(&format!("fetched revision {r}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn waits_for_token_generation_and_ready() {
        let mut obj = json!({
            "metadata": {"generation": 2},
            "status": {
                "observedGeneration": 2,
                "lastHandledReconcileAt": "t1",
                "conditions": [{"type": "Ready", "status": "True"}]
            }
        });
        assert_eq!(outcome(&obj, Some("t1")), Some(Outcome::Ready));
        assert_eq!(outcome(&obj, Some("t2")), None);
        obj["status"]["observedGeneration"] = json!(1);
        assert_eq!(outcome(&obj, None), None);
        obj["status"]["observedGeneration"] = json!(2);
        obj["status"]["conditions"] = json!([
            {"type": "Ready", "status": "False", "message": "boom"}
        ]);
        assert_eq!(
            outcome(&obj, Some("t1")),
            Some(Outcome::Failed("boom".into()))
        );
        // Without a token Ready=False is progress, unless Stalled.
        assert_eq!(outcome(&obj, None), None);
        obj["status"]["conditions"] = json!([
            {"type": "Ready", "status": "False", "message": "boom"},
            {"type": "Stalled", "status": "True"}
        ]);
        assert_eq!(outcome(&obj, None), Some(Outcome::Failed("boom".into())));
        obj["status"]["conditions"] = json!([
            {"type": "Ready", "status": "False"},
            {"type": "Reconciling", "status": "True"}
        ]);
        assert_eq!(outcome(&obj, None), None);
    }
}
