//! Comparing a live object with its dry-run result, and Flux's inventory IDs.

use serde_json::{Value, json};

/// Drops what the server manages and no manifest sets: status, managed fields, resource
/// version, UID, generation, creation timestamp.
pub fn normalize(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = o["metadata"].as_object_mut() {
        for k in [
            "managedFields",
            "resourceVersion",
            "uid",
            "generation",
            "creationTimestamp",
        ] {
            meta.remove(k);
        }
    }
    o
}

/// Line diff of two JSON values by path: `- path: old` / `+ path: new`.
pub fn diff(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = format!("{path}.{k}");
                walk(&p, va, b.get(k).unwrap_or(&Value::Null), out);
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    walk(&format!("{path}.{k}"), &Value::Null, vb, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        (a, b) if a != b => {
            let p = if path.is_empty() { "." } else { path };
            if !a.is_null() {
                out.push(format!("  - {p}: {a}"));
            }
            if !b.is_null() {
                out.push(format!("  + {p}: {b}"));
            }
        }
        _ => {}
    }
}

/// Flux's inventory ID of an object: `<namespace>_<name>_<group>_<Kind>`.
pub fn inventory_id(obj: &Value) -> String {
    let api_version = obj["apiVersion"].as_str().unwrap_or("");
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    format!(
        "{}_{}_{}_{}",
        obj["metadata"]["namespace"].as_str().unwrap_or(""),
        obj["metadata"]["name"].as_str().unwrap_or(""),
        group,
        obj["kind"].as_str().unwrap_or("")
    )
}

/// Parses an inventory entry back into an object stub (apiVersion, kind, name, namespace).
pub fn parse_inventory_id(id: &str, version: &str) -> Option<Value> {
    let (ns, rest) = id.split_once('_')?;
    let (rest, kind) = rest.rsplit_once('_')?;
    let (name, group) = rest.rsplit_once('_')?;
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut obj = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
    if !ns.is_empty() {
        obj["metadata"]["namespace"] = json!(ns);
    }
    Some(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_ids_round_trip() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "podinfo", "namespace": "default"}});
        assert_eq!(inventory_id(&obj), "default_podinfo_apps_Deployment");
        assert_eq!(
            parse_inventory_id("default_podinfo_apps_Deployment", "v1").unwrap(),
            obj
        );
        let ns = parse_inventory_id("_flux-system__Namespace", "v1").unwrap();
        assert_eq!(
            ns,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system"}})
        );
    }

    #[test]
    fn diff_reports_changed_leaves() {
        let a = json!({"spec": {"replicas": 1, "x": [1, 2]}});
        let b = json!({"spec": {"replicas": 2, "x": [1, 2]}});
        assert_eq!(
            diff(&a, &b),
            vec!["  - .spec.replicas: 1", "  + .spec.replicas: 2"]
        );
        assert!(diff(&a, &a).is_empty());
    }
}
