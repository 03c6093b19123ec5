//! The namespace transformer: sets `metadata.namespace` on namespaced objects
//! and the other namespace fields of the configuration; names core `v1`
//! Namespaces after the namespace; sets RoleBinding subjects per the subject mode.

use crate::error::{Result, build_err};
use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use serde_json::Value;

/// Which RoleBinding/ClusterRoleBinding subjects get the namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectMode {
    /// Subjects named `default` (kustomize's default).
    #[default]
    DefaultOnly,
    /// Every ServiceAccount subject.
    AllServiceAccounts,
    /// None.
    None,
}

/// Options of the NamespaceTransformer.
#[derive(Debug, Clone, Default)]
pub struct NamespaceOptions {
    /// Only set empty fields.
    pub unset_only: bool,
    /// RoleBinding subjects handling.
    pub subjects: SubjectMode,
}

impl NamespaceOptions {
    /// Reads `unsetOnly` and `setRoleBindingSubjects` from a transformer config.
    pub fn from_config(c: &Value) -> Result<NamespaceOptions> {
        let subjects = match c
            .get("setRoleBindingSubjects")
            .and_then(Value::as_str)
            .unwrap_or("")
        {
            "" | "defaultOnly" => SubjectMode::DefaultOnly,
            "allServiceAccounts" => SubjectMode::AllServiceAccounts,
            "none" => SubjectMode::None,
            other => {
                return Err(build_err!(
                    "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
                ));
            }
        };
        Ok(NamespaceOptions {
            unset_only: c.get("unsetOnly").and_then(Value::as_bool).unwrap_or(false),
            subjects,
        })
    }
}

/// Applies `namespace` to every resource.
pub fn apply(
    resources: &mut [Resource],
    namespace: &str,
    specs: &[FieldSpec],
    opts: &NamespaceOptions,
) -> Result<()> {
    for r in resources.iter_mut() {
        if r.obj.as_object().is_none_or(|m| m.is_empty()) {
            continue;
        }
        r.remember_id();
        let gvk = r.gvk();
        let api_version = crate::resource::str_at(&r.obj, &["apiVersion"]).to_string();
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
            if fs.path == "metadata/namespace"
                || (fs.path == "metadata/name" && api_version != "v1")
                || (is_binding && fs.path == "subjects/namespace")
            {
                continue;
            }
            fieldspec::apply(&mut r.obj, fs, &gvk, set)?;
        }
        if !is_binding || opts.subjects == SubjectMode::None {
            continue;
        }
        if let Some(subjects) = r.obj.get_mut("subjects").and_then(Value::as_array_mut) {
            for s in subjects {
                let wanted = match opts.subjects {
                    SubjectMode::DefaultOnly => {
                        s.get("name").and_then(Value::as_str) == Some("default")
                    }
                    SubjectMode::AllServiceAccounts => {
                        s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                    }
                    SubjectMode::None => false,
                };
                if !wanted {
                    continue;
                }
                if let Some(m) = s.as_object_mut() {
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
