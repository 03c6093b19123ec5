//! The replicas field of the kustomization.

use crate::error::{Result, build_err};
use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use serde_json::Value;

/// Sets the replica count of resources named `name`.
pub fn apply(resources: &mut [Resource], entry: &Value, specs: &[FieldSpec]) -> Result<()> {
    let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
    let count = entry
        .get("count")
        .filter(|c| c.is_number())
        .cloned()
        .ok_or_else(|| build_err!("replicas: entry '{name}' needs an integer count"))?;
    for r in resources.iter_mut() {
        if !r.all_ids().iter().any(|id| id.name == name) {
            continue;
        }
        let gvk = r.gvk();
        for fs in specs {
            fieldspec::apply(&mut r.obj, fs, &gvk, &mut |v| {
                *v = count.clone();
                Ok(())
            })?;
        }
    }
    Ok(())
}
