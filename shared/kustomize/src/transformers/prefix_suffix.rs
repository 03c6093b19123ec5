//! namePrefix and nameSuffix.

use crate::error::Result;
use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use serde_json::Value;

fn skipped(r: &Resource) -> bool {
    let g = r.gvk();
    g.kind == "CustomResourceDefinition"
        || g.kind == "Namespace"
        || (g.kind == "APIService" && g.group == "apiregistration.k8s.io")
}

/// Adds `prefix` and `suffix` to the name fields of every resource.
pub fn apply(
    resources: &mut [Resource],
    prefix: &str,
    suffix: &str,
    specs: &[FieldSpec],
) -> Result<()> {
    if prefix.is_empty() && suffix.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        if skipped(r) {
            continue;
        }
        r.remember_id();
        let gvk = r.gvk();
        let mut touched = false;
        for fs in specs {
            fieldspec::apply(&mut r.obj, fs, &gvk, &mut |v| {
                if let Some(s) = v.as_str() {
                    *v = Value::String(format!("{prefix}{s}{suffix}"));
                    touched = true;
                }
                Ok(())
            })?;
        }
        if touched {
            if !prefix.is_empty() {
                r.prefixes.push(prefix.to_string());
            }
            if !suffix.is_empty() {
                r.suffixes.push(suffix.to_string());
            }
        }
    }
    Ok(())
}
