//! JSON merge patches (RFC 7396) computed from two versions of a status, so fields the
//! reconcile removed are removed on the server too.

use serde_json::{Map, Value};

/// The merge patch that turns `old` into `new`.
pub fn merge_patch(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            let mut patch = Map::new();
            for (key, old_value) in old {
                match new.get(key) {
                    None => {
                        patch.insert(key.clone(), Value::Null);
                    }
                    Some(new_value) if new_value != old_value => {
                        patch.insert(key.clone(), merge_patch(old_value, new_value));
                    }
                    Some(_) => {}
                }
            }
            for (key, new_value) in new {
                if !old.contains_key(key) {
                    patch.insert(key.clone(), new_value.clone());
                }
            }
            Value::Object(patch)
        }
        _ => new.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn removed_fields_become_null_and_changes_recurse() {
        let old = json!({"artifact": {"revision": "a", "size": 1}, "observedGeneration": 1, "gone": true});
        let new = json!({"artifact": {"revision": "b", "size": 1}, "observedGeneration": 2, "conditions": []});
        let patch = merge_patch(&old, &new);
        assert_eq!(
            patch,
            json!({"artifact": {"revision": "b"}, "observedGeneration": 2, "gone": null, "conditions": []})
        );
        assert_eq!(merge_patch(&Value::Null, &json!({"a": 1})), json!({"a": 1}));
    }
}
