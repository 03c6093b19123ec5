//! The built-in transformers of a kustomization, run in kustomize's order.

use crate::build::{Accumulator, Builder, apply_labels_entry, apply_patch_entry};
use crate::error::Result;
use crate::kustomization::Kustomization;
use crate::loader;
use crate::origin::Transformation;
use crate::patches::{self, PatchOptions};
use crate::plugins;
use crate::transformers::prefix_suffix::{self, Affix};
use crate::transformers::{annotations, images, labels, namespace, replicas};
use serde_json::Value;
use std::path::Path;

/// Runs `f`, recording `kind` on every resource it changed when `track` is set.
fn tracked(
    track: bool,
    file: &Path,
    kind: &str,
    acc: &mut Accumulator,
    f: impl FnOnce(&mut Accumulator) -> Result<()>,
) -> Result<()> {
    if !track {
        return f(acc);
    }
    let before: Vec<Value> = acc.resources.iter().map(|r| r.obj.clone()).collect();
    f(acc)?;
    if acc.resources.len() == before.len() {
        for (r, b) in acc.resources.iter_mut().zip(before) {
            if r.obj != b {
                r.transformations.push(Transformation {
                    configured_in: file.to_path_buf(),
                    kind: kind.to_string(),
                });
            }
        }
    }
    Ok(())
}

impl Builder<'_> {
    pub(crate) fn run_transformers(
        &mut self,
        dir: &Path,
        k: &Kustomization,
        acc: &mut Accumulator,
    ) -> Result<()> {
        let rs = self.restrictor();
        let kf = k.file.clone();
        let t = self.track;
        let schema = self.schema.clone();
        tracked(t, &kf, "PatchStrategicMergeTransformer", acc, |acc| {
            let mut all = Vec::new();
            for p in &k.patches_strategic_merge {
                let (source, text) = match p {
                    Value::String(s) if !s.contains('\n') && !s.trim_start().starts_with('{') => {
                        let (f, t) = loader::read_file(dir, s, rs)?;
                        (f.display().to_string(), t)
                    }
                    Value::String(s) => ("inline patch".to_string(), s.clone()),
                    other => (
                        "inline patch".to_string(),
                        serde_json::to_string(other).unwrap_or_default(),
                    ),
                };
                let docs = crate::yaml::parse_documents(&text, &source)?;
                all.push((source, docs));
            }
            if !k.patches_strategic_merge.is_empty() && all.iter().all(|(_, d)| d.is_empty()) {
                return Err(crate::error::build_err!(
                    "{}: patchesStrategicMerge: patch appears to be empty",
                    k.file.display()
                ));
            }
            for (source, docs) in all {
                patches::apply_smp_by_id(
                    &mut acc.resources,
                    &docs,
                    &source,
                    PatchOptions::default(),
                    &schema,
                )?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "PatchTransformer", acc, |acc| {
            for p in &k.patches {
                apply_patch_entry(dir, p, rs, &mut acc.resources, &schema)?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "NamespaceTransformer", acc, |acc| {
            if !k.namespace.is_empty() {
                namespace::apply(
                    &mut acc.resources,
                    &k.namespace,
                    &acc.config.namespace,
                    &Default::default(),
                )?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "PrefixTransformer", acc, |acc| {
            if !k.name_prefix.is_empty() {
                prefix_suffix::apply(
                    &mut acc.resources,
                    &k.name_prefix,
                    Affix::Prefix,
                    &acc.config.name_prefix,
                )?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "SuffixTransformer", acc, |acc| {
            if !k.name_suffix.is_empty() {
                prefix_suffix::apply(
                    &mut acc.resources,
                    &k.name_suffix,
                    Affix::Suffix,
                    &acc.config.name_suffix,
                )?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "LabelTransformer", acc, |acc| {
            labels::apply_pairs(
                &mut acc.resources,
                &k.common_labels,
                &acc.config.common_labels,
            )?;
            for l in &k.labels {
                apply_labels_entry(l, acc)?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "AnnotationsTransformer", acc, |acc| {
            annotations::apply(
                &mut acc.resources,
                &k.common_annotations,
                &acc.config.common_annotations,
            )?;
            Ok(())
        })?;

        tracked(t, &kf, "PatchJson6902Transformer", acc, |acc| {
            for p in &k.patches_json6902 {
                apply_patch_entry(dir, p, rs, &mut acc.resources, &schema)?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "ReplicaCountTransformer", acc, |acc| {
            for r in &k.replicas {
                replicas::apply(&mut acc.resources, r, &acc.config.replicas)?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "ImageTagTransformer", acc, |acc| {
            for i in &k.images {
                images::apply(
                    &mut acc.resources,
                    &images::ImageTag::from_value(i),
                    &acc.config.images,
                )?;
            }
            Ok(())
        })?;

        tracked(t, &kf, "ReplacementTransformer", acc, |acc| {
            if !k.replacements.is_empty() {
                crate::replacements::apply_entries(dir, rs, &k.replacements, &mut acc.resources)?;
            }
            Ok(())
        })?;

        for t in &k.transformers {
            plugins::run_transformer_entry(self, dir, t, acc)?;
        }
        Ok(())
    }
}
