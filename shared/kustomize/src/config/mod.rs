//! Transformer configuration: which fields each built-in transformer touches.
//! Starts from kustomize's defaults and grows with `configurations:` files and CRDs.

use crate::error::Result;
use crate::fieldspec::FieldSpec;
use crate::resource::Gvk;
use serde_json::Value;

/// Fields that refer to objects of one kind by name.
#[derive(Debug, Clone, PartialEq)]
pub struct NameBackRef {
    /// The referenced kind.
    pub gvk: Gvk,
    /// Where referrers hold the name.
    pub referrers: Vec<FieldSpec>,
}

/// The field specs of every built-in transformer.
#[derive(Debug, Clone, Default)]
pub struct TransformerConfig {
    /// namePrefix
    pub name_prefix: Vec<FieldSpec>,
    /// nameSuffix
    pub name_suffix: Vec<FieldSpec>,
    /// commonLabels
    pub common_labels: Vec<FieldSpec>,
    /// labels on pod templates
    pub template_labels: Vec<FieldSpec>,
    /// extra fields for `labels:` entries (from `configurations:`)
    pub labels: Vec<FieldSpec>,
    /// commonAnnotations
    pub common_annotations: Vec<FieldSpec>,
    /// namespace
    pub namespace: Vec<FieldSpec>,
    /// vars
    pub var_reference: Vec<FieldSpec>,
    /// name references
    pub name_reference: Vec<NameBackRef>,
    /// images
    pub images: Vec<FieldSpec>,
    /// replicas
    pub replicas: Vec<FieldSpec>,
}

impl TransformerConfig {
    /// kustomize's default configuration (parsed once per process).
    pub fn defaults() -> TransformerConfig {
        static DEFAULTS: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
        DEFAULTS
            .get_or_init(|| {
                let mut c = TransformerConfig::default();
                // The built-in table is a constant; a parse failure is a bug the unit tests catch.
                if let Ok(v) =
                    crate::yaml::parse_one(include_str!("builtin.yaml"), "builtin config")
                {
                    c.merge_value(&v);
                }
                c
            })
            .clone()
    }

    /// Parses a `configurations:` file and merges it in.
    pub fn merge_file(&mut self, text: &str, file: &str) -> Result<()> {
        let v = crate::yaml::parse_one(text, file)?;
        self.merge_value(&v);
        Ok(())
    }

    /// Merges a configuration document.
    pub fn merge_value(&mut self, v: &Value) {
        let Some(m) = v.as_object() else { return };
        for (k, val) in m {
            let specs = || -> Vec<FieldSpec> {
                val.as_array()
                    .map(|a| a.iter().filter_map(FieldSpec::from_value).collect())
                    .unwrap_or_default()
            };
            let target = match k.as_str() {
                "namePrefix" => &mut self.name_prefix,
                "nameSuffix" => &mut self.name_suffix,
                "commonLabels" => &mut self.common_labels,
                "templateLabels" => &mut self.template_labels,
                "labels" => &mut self.labels,
                "commonAnnotations" => &mut self.common_annotations,
                "namespace" => &mut self.namespace,
                "varReference" => &mut self.var_reference,
                "images" => &mut self.images,
                "replicas" => &mut self.replicas,
                "nameReference" => {
                    for r in val.as_array().map(Vec::as_slice).unwrap_or_default() {
                        self.add_name_ref(r);
                    }
                    continue;
                }
                _ => continue,
            };
            for fs in specs() {
                add_spec(target, &fs);
            }
        }
    }

    fn add_name_ref(&mut self, r: &Value) {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let gvk = Gvk {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
        };
        let specs: Vec<FieldSpec> = r
            .get("fieldSpecs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(FieldSpec::from_value).collect())
            .unwrap_or_default();
        if let Some(existing) = self.name_reference.iter_mut().find(|b| b.gvk == gvk) {
            for fs in specs {
                add_spec(&mut existing.referrers, &fs);
            }
        } else {
            self.name_reference.push(NameBackRef {
                gvk,
                referrers: specs,
            });
        }
    }

    /// Merges another configuration into this one.
    pub fn merge(&mut self, o: &TransformerConfig) {
        fn add(a: &mut Vec<FieldSpec>, b: &[FieldSpec]) {
            for fs in b {
                add_spec(a, fs);
            }
        }
        add(&mut self.name_prefix, &o.name_prefix);
        add(&mut self.name_suffix, &o.name_suffix);
        add(&mut self.common_labels, &o.common_labels);
        add(&mut self.template_labels, &o.template_labels);
        add(&mut self.labels, &o.labels);
        add(&mut self.common_annotations, &o.common_annotations);
        add(&mut self.namespace, &o.namespace);
        add(&mut self.var_reference, &o.var_reference);
        add(&mut self.images, &o.images);
        add(&mut self.replicas, &o.replicas);
        for b in &o.name_reference {
            if let Some(e) = self.name_reference.iter_mut().find(|x| x.gvk == b.gvk) {
                add(&mut e.referrers, &b.referrers);
            } else {
                self.name_reference.push(b.clone());
            }
        }
    }
}

/// Adds a field spec unless one with the same path already covers its kinds
/// (kustomize's `FsSlice.mergeOne` with `effectivelyEquals`).
fn add_spec(list: &mut Vec<FieldSpec>, fs: &FieldSpec) {
    if !list
        .iter()
        .any(|s| s.path == fs.path && s.gvk.is_selected_by(&fs.gvk))
    {
        list.push(fs.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_parse() {
        let c = TransformerConfig::defaults();
        assert_eq!(c.name_prefix.len(), 1);
        assert!(c.common_labels.len() > 30);
        assert!(c.namespace.iter().any(|f| f.path == "metadata/name"));
        let cm = c
            .name_reference
            .iter()
            .find(|b| b.gvk.kind == "ConfigMap")
            .unwrap();
        assert!(cm.referrers.len() > 40);
        assert!(c.var_reference.len() > 60);
        assert!(
            c.template_labels
                .iter()
                .any(|f| f.path == "spec/volumeClaimTemplates[]/metadata/labels")
        );
    }
}
