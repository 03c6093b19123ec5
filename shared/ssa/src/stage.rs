//! Apply order and stages, after fluxcd/pkg `ssa` (`SortableUnstructureds`, `ApplyAllStaged`).
//!
//! Stage 1 holds cluster definitions (CustomResourceDefinitions, Namespaces, ClusterRoles):
//! they are applied and waited for, so that custom resources and namespaced objects of
//! the later stages resolve. Stage 2 holds `*Class` kinds (StorageClass, IngressClass…),
//! then the kinds named by `--custom-apply-stage-kinds`, then everything else.

use serde_json::Value;

use crate::object::str_at;

/// Kinds in the order Flux applies them; unknown kinds (custom resources) come last.
const KIND_ORDER: &[&str] = &[
    "CustomResourceDefinition",
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn kind_rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len())
}

/// Sorts objects in apply order: by kind rank, then kind, namespace and name.
pub fn sort(objects: &mut [Value]) {
    objects.sort_by(|a, b| {
        let key = |o: &Value| {
            let kind = str_at(o, &["kind"]).to_string();
            (
                kind_rank(&kind),
                kind,
                str_at(o, &["metadata", "namespace"]).to_string(),
                str_at(o, &["metadata", "name"]).to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// Whether an object defines cluster-wide things later objects depend on.
pub fn is_cluster_definition(kind: &str) -> bool {
    matches!(
        kind,
        "CustomResourceDefinition" | "Namespace" | "ClusterRole"
    )
}

/// Splits objects into the ordered apply stages; empty stages are dropped. Each stage
/// is sorted in apply order.
pub fn stages(objects: Vec<Value>, custom_stage_kinds: &[String]) -> Vec<Vec<Value>> {
    let (mut defs, mut classes, mut custom, mut rest) = (vec![], vec![], vec![], vec![]);
    for obj in objects {
        let kind = str_at(&obj, &["kind"]);
        if is_cluster_definition(kind) {
            defs.push(obj);
        } else if kind.ends_with("Class") {
            classes.push(obj);
        } else if custom_stage_kinds
            .iter()
            .any(|k| k.eq_ignore_ascii_case(kind))
        {
            custom.push(obj);
        } else {
            rest.push(obj);
        }
    }
    [defs, classes, custom, rest]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|mut s| {
            sort(&mut s);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn o(kind: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}})
    }

    fn kinds(stage: &[Value]) -> Vec<&str> {
        stage.iter().map(|v| str_at(v, &["kind"])).collect()
    }

    #[test]
    fn definitions_then_classes_then_custom_then_rest() {
        let objects = vec![
            o("Deployment", "app"),
            o("Widget", "w"),
            o("IngressClass", "nginx"),
            o("Namespace", "apps"),
            o("CustomResourceDefinition", "widgets.example.com"),
            o("Service", "app"),
            o("ClusterRole", "reader"),
            o("Gadget", "g"),
        ];
        let staged = stages(objects, &["gadget".to_string()]);
        assert_eq!(staged.len(), 4);
        assert_eq!(
            kinds(&staged[0]),
            ["CustomResourceDefinition", "Namespace", "ClusterRole"]
        );
        assert_eq!(kinds(&staged[1]), ["IngressClass"]);
        assert_eq!(kinds(&staged[2]), ["Gadget"]);
        assert_eq!(kinds(&staged[3]), ["Service", "Deployment", "Widget"]);
    }

    #[test]
    fn empty_stages_are_dropped() {
        let staged = stages(vec![o("ConfigMap", "b"), o("ConfigMap", "a")], &[]);
        assert_eq!(staged.len(), 1);
        let names: Vec<&str> = staged[0]
            .iter()
            .map(|v| str_at(v, &["metadata", "name"]))
            .collect();
        assert_eq!(names, ["a", "b"]);
    }
}
