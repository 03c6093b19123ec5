//! The namespace transformer: sets `metadata.namespace` on namespaced objects
//! and the other namespace fields of the configuration (RoleBinding subjects named
//! `default`, APIService and CRD webhook services, Namespace names).

use crate::error::Result;
use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use serde_json::Value;

/// Options of the NamespaceTransformer.
#[derive(Debug, Clone, Default)]
pub struct NamespaceOptions {
    /// Only set empty fields.
    pub unset_only: bool,
}

/// Applies `namespace` to every resource.
pub fn apply(
    resources: &mut [Resource],
    namespace: &str,
    specs: &[FieldSpec],
    opts: &NamespaceOptions,
) -> Result<()> {
    for r in resources.iter_mut() {
        r.remember_id();
        let gvk = r.gvk();
        let set = &mut |v: &mut Value| -> Result<()> {
            if opts.unset_only && v.as_str().is_some_and(|s| !s.is_empty()) {
                return Ok(());
            }
            *v = Value::String(namespace.to_string());
            Ok(())
        };
        if !gvk.is_cluster_scoped() {
            fieldspec::apply(
                &mut r.obj,
                &FieldSpec::any("metadata/namespace", true),
                &gvk,
                set,
            )?;
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        for fs in specs {
            if fs.path == "metadata/namespace" || (is_binding && fs.path.starts_with("subjects")) {
                continue;
            }
            fieldspec::apply(&mut r.obj, fs, &gvk, set)?;
        }
        if is_binding
            && let Some(subjects) = r.obj.get_mut("subjects").and_then(Value::as_array_mut)
        {
            for s in subjects {
                if s.get("name").and_then(Value::as_str) == Some("default")
                    && let Some(m) = s.as_object_mut()
                {
                    let cur = m.get("namespace").and_then(Value::as_str).unwrap_or("");
                    if !opts.unset_only || cur.is_empty() {
                        m.insert("namespace".into(), Value::String(namespace.to_string()));
                    }
                }
            }
        }
    }
    Ok(())
}
