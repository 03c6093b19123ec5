//! Owner labels and `commonMetadata` on every built object.

use flux_api::constants::{KUSTOMIZE_NAME_LABEL, KUSTOMIZE_NAMESPACE_LABEL};
use flux_api::meta::CommonMetadata;
use serde_json::{Value, json};

/// Adds `commonMetadata` and the `kustomize.toolkit.fluxcd.io/name|namespace` labels of the
/// Kustomization `name` in `namespace` to each object.
pub fn set_metadata(
    objects: &mut [Value],
    name: &str,
    namespace: &str,
    common: Option<&CommonMetadata>,
) {
    for obj in objects.iter_mut() {
        let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
            continue;
        };
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        if let Some(l) = labels.as_object_mut() {
            if let Some(c) = common {
                for (k, v) in &c.labels {
                    l.insert(k.clone(), json!(v));
                }
            }
            l.insert(KUSTOMIZE_NAME_LABEL.into(), json!(name));
            l.insert(KUSTOMIZE_NAMESPACE_LABEL.into(), json!(namespace));
        }
        if let Some(c) = common.filter(|c| !c.annotations.is_empty()) {
            let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
            if !annotations.is_object() {
                *annotations = json!({});
            }
            if let Some(a) = annotations.as_object_mut() {
                for (k, v) in &c.annotations {
                    a.insert(k.clone(), json!(v));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_labels_win_over_common_labels() {
        let mut objects = vec![
            json!({"kind": "ConfigMap", "metadata": {"name": "a", "labels": {"keep": "1"}}}),
            json!({"kind": "Secret", "metadata": {"name": "b", "annotations": null}}),
        ];
        let common = CommonMetadata {
            labels: [
                ("team".to_string(), "x".to_string()),
                (KUSTOMIZE_NAME_LABEL.to_string(), "spoof".to_string()),
            ]
            .into(),
            annotations: [("note".to_string(), "y".to_string())].into(),
        };
        set_metadata(&mut objects, "apps", "flux-system", Some(&common));
        let labels = &objects[0]["metadata"]["labels"];
        assert_eq!(labels["keep"], "1");
        assert_eq!(labels["team"], "x");
        assert_eq!(labels[KUSTOMIZE_NAME_LABEL], "apps");
        assert_eq!(labels[KUSTOMIZE_NAMESPACE_LABEL], "flux-system");
        assert_eq!(objects[1]["metadata"]["annotations"]["note"], "y");
    }
}
