//! Output order: kustomize's legacy kind order, or input (FIFO) order.

use crate::build::Reorder;
use crate::error::{Result, build_err};
use crate::resource::Resource;
use serde_json::Value;

const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn rank(kind: &str, first: &[String], last: &[String]) -> i64 {
    if let Some(i) = first.iter().position(|k| k == kind) {
        return i as i64 - first.len() as i64;
    }
    if let Some(i) = last.iter().position(|k| k == kind) {
        return 1 + i as i64;
    }
    0
}

fn legacy_sort(resources: &mut [Resource], first: &[String], last: &[String]) {
    resources.sort_by(|a, b| {
        let (ia, ib) = (a.cur_id(), b.cur_id());
        if ia.gvk != ib.gvk {
            let (ra, rb) = (
                rank(&ia.gvk.kind, first, last),
                rank(&ib.gvk.kind, first, last),
            );
            if ra != rb {
                return ra.cmp(&rb);
            }
            return ia
                .gvk
                .stable_sort_string()
                .cmp(&ib.gvk.stable_sort_string());
        }
        ia.namespace
            .cmp(&ib.namespace)
            .then_with(|| ia.name.cmp(&ib.name))
    });
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    })
}

/// Orders resources per the root kustomization's `sortOptions`, else per `reorder`.
pub fn apply(
    resources: &mut [Resource],
    sort_options: Option<&Value>,
    reorder: Reorder,
) -> Result<()> {
    let default_first: Vec<String> = ORDER_FIRST.iter().map(|s| s.to_string()).collect();
    let default_last: Vec<String> = ORDER_LAST.iter().map(|s| s.to_string()).collect();
    match sort_options {
        Some(so) => {
            let order = so.get("order").and_then(Value::as_str).unwrap_or("");
            match order {
                "fifo" => {
                    if so.get("legacySortOptions").is_some() {
                        return Err(build_err!(
                            "sortOptions: legacySortOptions requires order 'legacy'"
                        ));
                    }
                }
                "legacy" => {
                    let lso = so.get("legacySortOptions");
                    let first =
                        strings(lso.and_then(|l| l.get("orderFirst"))).unwrap_or(default_first);
                    let last =
                        strings(lso.and_then(|l| l.get("orderLast"))).unwrap_or(default_last);
                    legacy_sort(resources, &first, &last);
                }
                other => return Err(build_err!("sortOptions: unknown order '{other}'")),
            }
        }
        None => {
            if reorder == Reorder::Legacy {
                legacy_sort(resources, &default_first, &default_last);
            }
        }
    }
    Ok(())
}
