//! Flux's inventory: one entry per applied object, `id` = `<namespace>_<name>_<group>_<Kind>`
//! and `v` = the version, plus the prune set (objects in the old inventory that the new
//! one no longer holds).

use std::collections::HashSet;

use flux_api::meta::{ResourceInventory, ResourceRef};

use crate::object::ObjMetadata;

/// The inventory entry of an object.
pub fn entry(obj: &ObjMetadata) -> ResourceRef {
    ResourceRef {
        id: format!("{}_{}_{}_{}", obj.namespace, obj.name, obj.group, obj.kind),
        v: obj.version.clone(),
    }
}

/// The inventory of a set of objects, in the given order (Flux keeps the apply order).
pub fn from_objects<'a>(objects: impl IntoIterator<Item = &'a ObjMetadata>) -> ResourceInventory {
    ResourceInventory {
        entries: objects.into_iter().map(entry).collect(),
    }
}

/// Parses an inventory entry; `None` when the id is not in Flux's format.
///
/// Names and namespaces cannot contain `_`, but groups and kinds cannot either, so the
/// id splits into exactly four parts.
pub fn parse_entry(entry: &ResourceRef) -> Option<ObjMetadata> {
    let parts: Vec<&str> = entry.id.split('_').collect();
    let [namespace, name, group, kind] = parts.as_slice() else {
        return None;
    };
    if name.is_empty() || kind.is_empty() {
        return None;
    }
    Some(ObjMetadata {
        namespace: namespace.to_string(),
        name: name.to_string(),
        group: group.to_string(),
        version: entry.v.clone(),
        kind: kind.to_string(),
    })
}

/// The objects of an inventory; malformed entries are skipped.
pub fn objects(inventory: &ResourceInventory) -> Vec<ObjMetadata> {
    inventory.entries.iter().filter_map(parse_entry).collect()
}

/// Objects in `old` that `new` no longer holds, compared without the version (an apiVersion
/// upgrade is not a removal). Returned in reverse apply order so dependents go first and
/// Namespaces and CRDs last.
pub fn prune_set(old: &ResourceInventory, new: &ResourceInventory) -> Vec<ObjMetadata> {
    let keep: HashSet<_> = objects(new).iter().map(ObjMetadata::key).collect();
    let mut stale: Vec<ObjMetadata> = objects(old)
        .into_iter()
        .filter(|o| !keep.contains(&o.key()))
        .collect();
    stale.reverse();
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(ns: &str, name: &str, group: &str, version: &str, kind: &str) -> ObjMetadata {
        ObjMetadata {
            namespace: ns.into(),
            name: name.into(),
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn entries_use_flux_format() {
        let inv = from_objects(&[
            obj("default", "podinfo", "", "v1", "Service"),
            obj("", "my-ns", "", "v1", "Namespace"),
            obj("default", "podinfo", "apps", "v1", "Deployment"),
        ]);
        let ids: Vec<(&str, &str)> = inv
            .entries
            .iter()
            .map(|e| (e.id.as_str(), e.v.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("default_podinfo__Service", "v1"),
                ("_my-ns__Namespace", "v1"),
                ("default_podinfo_apps_Deployment", "v1"),
            ]
        );
        for e in &inv.entries {
            assert_eq!(entry(&parse_entry(e).unwrap()), *e);
        }
    }

    #[test]
    fn prune_set_is_old_minus_new_ignoring_version() {
        let old = from_objects(&[
            obj("", "apps", "", "v1", "Namespace"),
            obj("apps", "a", "", "v1", "ConfigMap"),
            obj("apps", "b", "", "v1", "ConfigMap"),
            obj(
                "apps",
                "hpa",
                "autoscaling",
                "v1",
                "HorizontalPodAutoscaler",
            ),
        ]);
        let new = from_objects(&[
            obj("", "apps", "", "v1", "Namespace"),
            obj("apps", "a", "", "v1", "ConfigMap"),
            obj(
                "apps",
                "hpa",
                "autoscaling",
                "v2",
                "HorizontalPodAutoscaler",
            ),
        ]);
        let stale: Vec<String> = prune_set(&old, &new)
            .iter()
            .map(|o| o.to_string())
            .collect();
        assert_eq!(stale, ["ConfigMap/apps/b"]);
    }

    #[test]
    fn prune_set_deletes_in_reverse_order_and_skips_garbage() {
        let mut old = from_objects(&[
            obj("", "apps", "", "v1", "Namespace"),
            obj("apps", "a", "", "v1", "ConfigMap"),
        ]);
        old.entries.push(ResourceRef {
            id: "not-an-id".into(),
            v: "v1".into(),
        });
        let stale: Vec<String> = prune_set(&old, &ResourceInventory::default())
            .iter()
            .map(|o| o.to_string())
            .collect();
        assert_eq!(stale, ["ConfigMap/apps/a", "Namespace/apps"]);
    }
}
