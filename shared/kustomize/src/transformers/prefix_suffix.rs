//! namePrefix and nameSuffix.

use crate::error::Result;
use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use serde_json::Value;

fn skipped(r: &Resource) -> bool {
    let g = r.org_id().gvk;
    g.kind == "CustomResourceDefinition"
        || g.kind == "Namespace"
        || (g.kind == "APIService" && g.group == "apiregistration.k8s.io")
}

/// Where the affix goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affix {
    /// namePrefix
    Prefix,
    /// nameSuffix
    Suffix,
}

/// Adds `value` as a prefix or suffix to the name fields of every resource
/// (kustomize's PrefixTransformer and SuffixTransformer).
pub fn apply(
    resources: &mut [Resource],
    value: &str,
    affix: Affix,
    specs: &[FieldSpec],
) -> Result<()> {
    let (prefix, suffix) = match affix {
        Affix::Prefix => (value, ""),
        Affix::Suffix => ("", value),
    };
    for r in resources.iter_mut() {
        if skipped(r) {
            continue;
        }
        let org = r.org_id().gvk;
        for fs in specs {
            if !org.is_selected_by(&fs.gvk) {
                continue;
            }
            if fs.path == "metadata/name" {
                match affix {
                    Affix::Prefix => r.prefixes.push(value.to_string()),
                    Affix::Suffix => r.suffixes.push(value.to_string()),
                }
                if !value.is_empty() {
                    r.remember_id();
                }
            }
            let gvk = r.gvk();
            fieldspec::apply(&mut r.obj, fs, &gvk, &mut |v| {
                if let Some(s) = v.as_str() {
                    *v = Value::String(format!("{prefix}{s}{suffix}"));
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}
