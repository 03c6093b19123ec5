//! kstatus health rules (sigs.k8s.io/cli-utils `pkg/kstatus/status`): whether a live object
//! has reached its desired state.
//!
//! Every kind is InProgress while `status.observedGeneration` lags `metadata.generation`;
//! `Stalled=True` means Failed and `Reconciling=True` InProgress. Built-in workloads have
//! their own rules; other kinds are Current once they have no status, or their `Ready`
//! condition is True.
//!
//! A [`CustomHealth`] given by the caller (Flux's `healthCheckExprs`) replaces these rules
//! for the kinds it covers, as a custom kstatus status reader does in Flux.

use std::fmt;

use serde_json::Value;

/// The kstatus of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    /// Reconciled: the desired state is reached.
    Current,
    /// Still converging.
    InProgress,
    /// Will not converge without a change.
    Failed,
    /// The object does not exist.
    NotFound,
    /// The status could not be computed (a custom check failed to evaluate).
    Unknown,
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HealthStatus::Current => "Current",
            HealthStatus::InProgress => "InProgress",
            HealthStatus::Failed => "Failed",
            HealthStatus::NotFound => "NotFound",
            HealthStatus::Unknown => "Unknown",
        })
    }
}

/// A status with the reason for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHealth {
    /// The status.
    pub status: HealthStatus,
    /// Why, for people.
    pub message: String,
}

fn health(status: HealthStatus, message: impl Into<String>) -> ObjectHealth {
    ObjectHealth {
        status,
        message: message.into(),
    }
}

fn int(obj: &Value, path: &[&str]) -> Option<i64> {
    let mut cur = obj;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_i64()
}

fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
}

fn cond_status(c: &Value) -> &str {
    c.get("status").and_then(Value::as_str).unwrap_or_default()
}

fn cond_text(c: &Value, field: &str) -> String {
    c.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Health rules supplied by the caller for some kinds, replacing kstatus for them.
pub trait CustomHealth: Send + Sync {
    /// The health of `obj` if this check covers its kind, `None` to use kstatus.
    fn check(&self, obj: &Value) -> Option<ObjectHealth>;
}

/// The health of a live object: `custom`'s verdict for the kinds it covers, else kstatus.
pub fn compute_with(obj: &Value, custom: Option<&dyn CustomHealth>) -> ObjectHealth {
    custom
        .and_then(|c| c.check(obj))
        .unwrap_or_else(|| compute(obj))
}

/// The group and kind of an object (`""` for the core group).
pub fn group_kind(obj: &Value) -> (&str, &str) {
    let group = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.rsplit_once('/'))
        .map(|(g, _)| g)
        .unwrap_or_default();
    (group, kind(obj))
}

/// The kstatus of a live object.
pub fn compute(obj: &Value) -> ObjectHealth {
    if obj.pointer("/metadata/deletionTimestamp").is_some() {
        return health(HealthStatus::InProgress, "Resource scheduled for deletion");
    }
    if let (Some(generation), Some(observed)) = (
        int(obj, &["metadata", "generation"]),
        int(obj, &["status", "observedGeneration"]),
    ) && observed != generation
    {
        return health(
            HealthStatus::InProgress,
            format!(
                "{} generation is {generation}, but latest observed generation is {observed}",
                kind(obj)
            ),
        );
    }
    if let Some(c) = condition(obj, "Stalled")
        && cond_status(c) == "True"
    {
        return health(HealthStatus::Failed, cond_text(c, "message"));
    }
    if let Some(c) = condition(obj, "Reconciling")
        && cond_status(c) == "True"
    {
        return health(HealthStatus::InProgress, cond_text(c, "message"));
    }
    match group_kind(obj) {
        ("apps", "Deployment") => deployment(obj),
        ("apps", "StatefulSet") => statefulset(obj),
        ("apps", "DaemonSet") => daemonset(obj),
        ("apps", "ReplicaSet") => replicaset(obj),
        ("batch", "Job") => job(obj),
        ("", "Pod") => pod(obj),
        ("", "PersistentVolumeClaim") => pvc(obj),
        ("", "Service") => service(obj),
        ("", "Namespace") => namespace(obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj),
        _ => generic(obj),
    }
}

fn kind(obj: &Value) -> &str {
    obj.get("kind").and_then(Value::as_str).unwrap_or_default()
}

fn generic(obj: &Value) -> ObjectHealth {
    match condition(obj, "Ready") {
        Some(c) if cond_status(c) == "True" => {
            health(HealthStatus::Current, cond_text(c, "message"))
        }
        Some(c) => health(
            HealthStatus::InProgress,
            format!("Ready: {}", cond_text(c, "message")),
        ),
        None => health(HealthStatus::Current, "Resource is current"),
    }
}

fn deployment(obj: &Value) -> ObjectHealth {
    if obj.get("status").is_none() || int(obj, &["status", "observedGeneration"]).is_none() {
        return health(HealthStatus::InProgress, "Deployment not yet observed");
    }
    if let Some(c) = condition(obj, "Progressing")
        && cond_text(c, "reason") == "ProgressDeadlineExceeded"
    {
        return health(HealthStatus::Failed, "Progress deadline exceeded");
    }
    let spec = int(obj, &["spec", "replicas"]).unwrap_or(1);
    let status = |f: &str| int(obj, &["status", f]).unwrap_or(0);
    let (replicas, updated, ready, available) = (
        status("replicas"),
        status("updatedReplicas"),
        status("readyReplicas"),
        status("availableReplicas"),
    );
    if spec > updated {
        return health(
            HealthStatus::InProgress,
            format!("Updated: {updated}/{spec}"),
        );
    }
    if replicas > updated {
        return health(
            HealthStatus::InProgress,
            format!("Pending termination: {}", replicas - updated),
        );
    }
    if available < updated {
        return health(
            HealthStatus::InProgress,
            format!("Available: {available}/{updated}"),
        );
    }
    if ready < spec {
        return health(HealthStatus::InProgress, format!("Ready: {ready}/{spec}"));
    }
    if let Some(c) = condition(obj, "Available")
        && cond_status(c) != "True"
    {
        return health(HealthStatus::InProgress, "Deployment not Available");
    }
    health(
        HealthStatus::Current,
        format!("Deployment is available. Replicas: {replicas}"),
    )
}

fn statefulset(obj: &Value) -> ObjectHealth {
    if int(obj, &["status", "observedGeneration"]).is_none() {
        return health(HealthStatus::InProgress, "StatefulSet not yet observed");
    }
    let spec = int(obj, &["spec", "replicas"]).unwrap_or(1);
    let status = |f: &str| int(obj, &["status", f]).unwrap_or(0);
    if status("readyReplicas") < spec {
        return health(
            HealthStatus::InProgress,
            format!("Ready: {}/{spec}", status("readyReplicas")),
        );
    }
    if status("currentReplicas") < spec && status("updatedReplicas") < spec {
        return health(
            HealthStatus::InProgress,
            format!("Updated: {}/{spec}", status("updatedReplicas")),
        );
    }
    let current = obj
        .pointer("/status/currentRevision")
        .and_then(Value::as_str);
    let update = obj
        .pointer("/status/updateRevision")
        .and_then(Value::as_str);
    if update.is_some() && current != update {
        return health(
            HealthStatus::InProgress,
            "Waiting for the rolling update to complete",
        );
    }
    health(
        HealthStatus::Current,
        format!("All replicas scheduled as expected. Replicas: {spec}"),
    )
}

fn daemonset(obj: &Value) -> ObjectHealth {
    if int(obj, &["status", "observedGeneration"]).is_none() {
        return health(HealthStatus::InProgress, "DaemonSet not yet observed");
    }
    let status = |f: &str| int(obj, &["status", f]).unwrap_or(0);
    let desired = status("desiredNumberScheduled");
    for (field, label) in [
        ("updatedNumberScheduled", "Updated"),
        ("numberAvailable", "Available"),
        ("numberReady", "Ready"),
    ] {
        if status(field) < desired {
            return health(
                HealthStatus::InProgress,
                format!("{label}: {}/{desired}", status(field)),
            );
        }
    }
    health(
        HealthStatus::Current,
        format!("All replicas scheduled as expected. Replicas: {desired}"),
    )
}

fn replicaset(obj: &Value) -> ObjectHealth {
    let spec = int(obj, &["spec", "replicas"]).unwrap_or(1);
    let ready = int(obj, &["status", "readyReplicas"]).unwrap_or(0);
    if ready < spec {
        return health(HealthStatus::InProgress, format!("Ready: {ready}/{spec}"));
    }
    health(
        HealthStatus::Current,
        format!("ReplicaSet is available. Replicas: {spec}"),
    )
}

fn job(obj: &Value) -> ObjectHealth {
    if let Some(c) = condition(obj, "Failed")
        && cond_status(c) == "True"
    {
        return health(
            HealthStatus::Failed,
            format!(
                "Job Failed. failed: {}",
                int(obj, &["status", "failed"]).unwrap_or(0)
            ),
        );
    }
    if let Some(c) = condition(obj, "Complete")
        && cond_status(c) == "True"
    {
        return health(HealthStatus::Current, "Job Completed");
    }
    if obj.pointer("/status/startTime").is_none() {
        return health(HealthStatus::InProgress, "Job not started");
    }
    health(HealthStatus::InProgress, "Job in progress")
}

fn pod(obj: &Value) -> ObjectHealth {
    match obj.pointer("/status/phase").and_then(Value::as_str) {
        Some("Succeeded") => health(HealthStatus::Current, "Pod has completed successfully"),
        Some("Failed") => health(
            HealthStatus::Failed,
            "Pod has completed, but not successfully",
        ),
        Some("Running") => match condition(obj, "Ready") {
            Some(c) if cond_status(c) == "True" => health(HealthStatus::Current, "Pod is Ready"),
            _ => health(HealthStatus::InProgress, "Pod is running but is not Ready"),
        },
        _ => health(HealthStatus::InProgress, "Pod is not running"),
    }
}

fn pvc(obj: &Value) -> ObjectHealth {
    match obj.pointer("/status/phase").and_then(Value::as_str) {
        Some("Bound") => health(HealthStatus::Current, "PVC is Bound"),
        _ => health(HealthStatus::InProgress, "PVC is not Bound"),
    }
}

fn service(obj: &Value) -> ObjectHealth {
    let is_lb = obj.pointer("/spec/type").and_then(Value::as_str) == Some("LoadBalancer");
    let has_ingress = obj
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|i| !i.is_empty());
    if is_lb && !has_ingress {
        return health(HealthStatus::InProgress, "Pending external IP");
    }
    health(HealthStatus::Current, "Service is ready")
}

fn namespace(obj: &Value) -> ObjectHealth {
    match obj.pointer("/status/phase").and_then(Value::as_str) {
        Some("Terminating") => health(HealthStatus::InProgress, "Namespace is terminating"),
        _ => health(HealthStatus::Current, "Namespace is active"),
    }
}

fn crd(obj: &Value) -> ObjectHealth {
    match condition(obj, "Established") {
        Some(c) if cond_status(c) == "True" => health(HealthStatus::Current, "CRD is established"),
        _ => health(HealthStatus::InProgress, "CRD is not established"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct WidgetsByPhase;

    impl CustomHealth for WidgetsByPhase {
        fn check(&self, obj: &Value) -> Option<ObjectHealth> {
            if group_kind(obj) != ("example.com", "Widget") {
                return None;
            }
            let status = match obj.pointer("/status/phase").and_then(Value::as_str) {
                Some("Done") => HealthStatus::Current,
                _ => HealthStatus::InProgress,
            };
            Some(health(status, "by phase"))
        }
    }

    #[test]
    fn custom_health_replaces_kstatus_for_its_kinds() {
        let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "status": {"phase": "Working", "conditions": [{"type": "Ready", "status": "True"}]}});
        assert_eq!(compute(&widget).status, HealthStatus::Current);
        let custom: &dyn CustomHealth = &WidgetsByPhase;
        assert_eq!(
            compute_with(&widget, Some(custom)).status,
            HealthStatus::InProgress
        );
        let mut done = widget.clone();
        done["status"]["phase"] = json!("Done");
        assert_eq!(
            compute_with(&done, Some(custom)).status,
            HealthStatus::Current
        );
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
        assert_eq!(
            compute_with(&pvc, Some(custom)).status,
            HealthStatus::InProgress
        );
        assert_eq!(group_kind(&pvc), ("", "PersistentVolumeClaim"));
    }

    fn deploy(generation: i64, observed: i64, spec: i64, updated: i64, available: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "generation": generation},
            "spec": {"replicas": spec},
            "status": {"observedGeneration": observed, "replicas": updated, "updatedReplicas": updated,
                "readyReplicas": available, "availableReplicas": available,
                "conditions": [{"type": "Available", "status": if available >= spec {"True"} else {"False"}}]}})
    }

    #[test]
    fn deployment_rules() {
        assert_eq!(
            compute(&deploy(2, 2, 2, 2, 2)).status,
            HealthStatus::Current
        );
        assert_eq!(
            compute(&deploy(3, 2, 2, 2, 2)).status,
            HealthStatus::InProgress
        );
        let h = compute(&deploy(2, 2, 2, 2, 1));
        assert_eq!(
            (h.status, h.message.as_str()),
            (HealthStatus::InProgress, "Available: 1/2")
        );
        let mut stuck = deploy(1, 1, 1, 0, 0);
        stuck["status"]["conditions"] = json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]);
        assert_eq!(compute(&stuck).status, HealthStatus::Failed);
        let unobserved =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"generation": 1}});
        assert_eq!(compute(&unobserved).status, HealthStatus::InProgress);
    }

    #[test]
    fn custom_resources_use_ready_and_stalled() {
        let cr = |conds: Value| {
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"generation": 1}, "status": {"observedGeneration": 1, "conditions": conds}})
        };
        assert_eq!(
            compute(&cr(json!([{"type": "Ready", "status": "True"}]))).status,
            HealthStatus::Current
        );
        assert_eq!(
            compute(&cr(
                json!([{"type": "Ready", "status": "False", "message": "x"}])
            ))
            .status,
            HealthStatus::InProgress
        );
        assert_eq!(
            compute(&cr(
                json!([{"type": "Stalled", "status": "True", "message": "bad"}])
            ))
            .status,
            HealthStatus::Failed
        );
        let plain = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(compute(&plain).status, HealthStatus::Current);
    }

    #[test]
    fn jobs_pvcs_services_crds() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "status": {"startTime": "x",
            "conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(compute(&job).status, HealthStatus::Current);
        let failed = json!({"apiVersion": "batch/v1", "kind": "Job", "status": {"failed": 2,
            "conditions": [{"type": "Failed", "status": "True"}]}});
        assert_eq!(compute(&failed).status, HealthStatus::Failed);
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
        assert_eq!(compute(&pvc).status, HealthStatus::InProgress);
        let lb = json!({"apiVersion": "v1", "kind": "Service", "spec": {"type": "LoadBalancer"}});
        assert_eq!(compute(&lb).status, HealthStatus::InProgress);
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "status": {"conditions": [{"type": "Established", "status": "True"}]}});
        assert_eq!(compute(&crd).status, HealthStatus::Current);
        let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "readyReplicas": 1}});
        assert_eq!(compute(&sts).status, HealthStatus::InProgress);
    }
}
