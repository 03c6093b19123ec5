//! Merge keys for lists in strategic merge patches.
//!
//! kustomize (kyaml merge2) treats a list as associative when its first element
//! has one of a fixed set of keys; a few built-in list fields use a
//! different key in the Kubernetes API, listed here.

use serde_json::Value;

/// kyaml's associative keys, in priority order.
pub const ASSOCIATIVE_KEYS: [&str; 7] = [
    "mountPath",
    "devicePath",
    "ip",
    "type",
    "topologyKey",
    "name",
    "containerPort",
];

/// The merge key for a list, given the elements of the patch and destination lists.
pub fn merge_key(patch: &[Value], dest: &[Value]) -> Option<&'static str> {
    let first = patch
        .iter()
        .find(|v| {
            v.as_object()
                .is_some_and(|m| m.keys().any(|k| !k.starts_with('$')))
        })
        .or_else(|| dest.first())?;
    let m = first.as_object()?;
    ASSOCIATIVE_KEYS
        .iter()
        .find(|k| m.get(**k).is_some_and(|v| !v.is_null()))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_the_first_known_key() {
        let p = vec![json!({"name": "a", "containerPort": 80})];
        assert_eq!(merge_key(&p, &[]), Some("name"));
        let p = vec![json!({"containerPort": 80})];
        assert_eq!(merge_key(&p, &[]), Some("containerPort"));
        assert_eq!(merge_key(&[json!("x")], &[]), None);
    }
}
