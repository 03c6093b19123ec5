//! Managed-fields cleanup, after fluxcd/pkg `ssa` `PatchReplaceFieldsManagers`: fields owned
//! by `kubectl` (edits, client-side apply) and other listed managers are handed to the
//! applier's own Apply entry, so the next apply removes what Git does not have, and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation is dropped.

use serde_json::{Map, Value, json};

/// A field manager to take over: a name prefix and an operation (`Apply` or `Update`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldManager {
    /// Prefix of the manager name (`kubectl` matches `kubectl-edit`).
    pub name: String,
    /// `Apply` or `Update`.
    pub operation: String,
}

impl FieldManager {
    /// A manager entry.
    pub fn new(name: &str, operation: &str) -> Self {
        FieldManager {
            name: name.to_string(),
            operation: operation.to_string(),
        }
    }
}

/// Flux's default list for `field_manager`, plus `overrides` (`--override-manager`, Update).
pub fn default_managers(field_manager: &str, overrides: &[String]) -> Vec<FieldManager> {
    let mut list = vec![
        FieldManager::new("kubectl", "Apply"),
        FieldManager::new("kubectl", "Update"),
        FieldManager::new("before-first-apply", "Update"),
        FieldManager::new(field_manager, "Update"),
    ];
    list.extend(overrides.iter().map(|o| FieldManager::new(o, "Update")));
    list
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The merge patch that performs the cleanup on `live`, or `None` when nothing matches.
pub fn cleanup_patch(
    live: &Value,
    managers: &[FieldManager],
    field_manager: &str,
) -> Option<Value> {
    let entries = live.pointer("/metadata/managedFields")?.as_array()?;
    let matches = |e: &Value| {
        let name = e.get("manager").and_then(Value::as_str).unwrap_or_default();
        let op = e
            .get("operation")
            .and_then(Value::as_str)
            .unwrap_or_default();
        managers
            .iter()
            .any(|m| name.starts_with(&m.name) && op == m.operation)
    };
    let mut patch = Map::new();
    if entries.iter().any(matches) {
        let mut merged = Value::Object(Map::new());
        let mut kept = Vec::new();
        let mut own: Option<Value> = None;
        for e in entries {
            let name = e.get("manager").and_then(Value::as_str).unwrap_or_default();
            let op = e
                .get("operation")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if name == field_manager && op == "Apply" {
                own = Some(e.clone());
            } else if matches(e) {
                merge(&mut merged, e.get("fieldsV1").unwrap_or(&Value::Null));
            } else {
                kept.push(e.clone());
            }
        }
        let mut own = own.unwrap_or_else(|| {
            json!({"manager": field_manager, "operation": "Apply", "fieldsType": "FieldsV1",
                "apiVersion": live.get("apiVersion").cloned().unwrap_or(Value::Null)})
        });
        let mut fields = own.get("fieldsV1").cloned().unwrap_or_else(|| json!({}));
        merge(&mut fields, &merged);
        own["fieldsV1"] = fields;
        kept.push(own);
        patch.insert("managedFields".into(), Value::Array(kept));
    }
    if live
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .is_some()
    {
        patch.insert("annotations".into(), json!({ LAST_APPLIED: null }));
    }
    (!patch.is_empty()).then(|| json!({ "metadata": patch }))
}

/// Union of two fieldsV1 sets.
fn merge(into: &mut Value, from: &Value) {
    let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) else {
        return;
    };
    for (k, v) in from {
        match into.get_mut(k) {
            Some(existing) => merge(existing, v),
            None => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_fields_move_to_the_apply_entry() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "annotations": {LAST_APPLIED: "{}"},
        "managedFields": [
            {"manager": "kustomize-controller", "operation": "Apply", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}},
            {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:b": {}}}},
            {"manager": "helm", "operation": "Update", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:c": {}}}}
        ]}});
        let managers = default_managers("kustomize-controller", &[]);
        let patch = cleanup_patch(&live, &managers, "kustomize-controller").unwrap();
        let entries = patch["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["manager"], "helm");
        assert_eq!(
            entries[1]["fieldsV1"],
            json!({"f:data": {"f:a": {}, "f:b": {}}})
        );
        assert_eq!(patch["metadata"]["annotations"][LAST_APPLIED], Value::Null);
    }

    #[test]
    fn nothing_to_clean() {
        let live = json!({"metadata": {"managedFields": [
            {"manager": "kustomize-controller", "operation": "Apply", "fieldsV1": {}}]}});
        assert!(
            cleanup_patch(
                &live,
                &default_managers("kustomize-controller", &[]),
                "kustomize-controller"
            )
            .is_none()
        );
    }
}
