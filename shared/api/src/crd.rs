//! CRD generation: every Flux CRD as served by flux-rs, post-processed to match Flux's own
//! manifests where kube's derive cannot express it (status defaults, no `nullable`, an
//! optional `spec`), and rendered as deterministic YAML.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube_core::CustomResourceExt;
use serde_json::{Value, json};

use crate::{helm, image, kustomize, notification, source};

/// One generated CRD and the file name Flux uses for it.
pub struct GeneratedCrd {
    /// `<group>_<plural>.yaml`, e.g. `source.toolkit.fluxcd.io_gitrepositories.yaml`.
    pub file_name: String,
    /// The CRD object.
    pub crd: CustomResourceDefinition,
}

/// Every CRD flux-rs serves, in a fixed order.
pub fn all_crds() -> Vec<CustomResourceDefinition> {
    vec![
        finish(
            source::GitRepository::crd(),
            StatusDefault::ObservedGeneration,
        ),
        finish(
            source::OCIRepository::crd(),
            StatusDefault::ObservedGeneration,
        ),
        finish(
            source::HelmRepository::crd(),
            StatusDefault::ObservedGeneration,
        ),
        finish(source::HelmChart::crd(), StatusDefault::ObservedGeneration),
        finish(source::Bucket::crd(), StatusDefault::ObservedGeneration),
        finish(source::ExternalArtifact::crd(), StatusDefault::None),
        finish(
            kustomize::Kustomization::crd(),
            StatusDefault::ObservedGeneration,
        ),
        finish(helm::HelmRelease::crd(), StatusDefault::ObservedGeneration),
        finish(notification::Provider::crd(), StatusDefault::None),
        finish(notification::Alert::crd(), StatusDefault::None),
        finish(
            notification::Receiver::crd(),
            StatusDefault::ObservedGeneration,
        ),
        finish(
            image::ImageRepository::crd(),
            StatusDefault::ObservedGeneration,
        ),
        finish(image::ImagePolicy::crd(), StatusDefault::ObservedGeneration),
        finish(
            image::ImageUpdateAutomation::crd(),
            StatusDefault::ObservedGeneration,
        ),
    ]
}

/// Every CRD with the file name Flux uses for it.
pub fn all_crd_files() -> Vec<GeneratedCrd> {
    all_crds()
        .into_iter()
        .map(|crd| GeneratedCrd {
            file_name: crd_file_name(&crd),
            crd,
        })
        .collect()
}

/// `<group>_<plural>.yaml`, the naming of Flux's `config/crd/bases`.
pub fn crd_file_name(crd: &CustomResourceDefinition) -> String {
    format!("{}_{}.yaml", crd.spec.group, crd.spec.names.plural)
}

/// Renders a CRD as a YAML document starting with `---`, keys in a stable order.
pub fn render_crd_yaml(crd: &CustomResourceDefinition) -> Result<String, crate::Error> {
    let name = crd.metadata.name.clone().unwrap_or_default();
    let render_err = |message: String| crate::Error::Render {
        name: name.clone(),
        message,
    };
    let value = serde_json::to_value(crd).map_err(|e| render_err(e.to_string()))?;
    let yaml = serde_saphyr::to_string(&value).map_err(|e| render_err(e.to_string()))?;
    Ok(format!("---\n{yaml}"))
}

/// The `kustomization.yaml` listing every CRD file.
pub fn render_kustomization(files: &[GeneratedCrd]) -> String {
    let mut out = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
    );
    for f in files {
        out.push_str("- ");
        out.push_str(&f.file_name);
        out.push('\n');
    }
    out
}

/// What the status schema defaults to.
#[derive(Clone, Copy)]
enum StatusDefault {
    /// `{"observedGeneration": -1}` (kstatus: "not yet observed").
    ObservedGeneration,
    /// No default.
    None,
}

fn finish(
    mut crd: CustomResourceDefinition,
    status_default: StatusDefault,
) -> CustomResourceDefinition {
    crd.spec.names.list_kind = Some(format!("{}List", crd.spec.names.kind));
    for version in &mut crd.spec.versions {
        let Some(validation) = version.schema.as_mut() else {
            continue;
        };
        let Some(schema) = validation.open_api_v3_schema.take() else {
            continue;
        };
        let Ok(mut value) = serde_json::to_value(&schema) else {
            validation.open_api_v3_schema = Some(schema);
            continue;
        };
        strip_nullable(&mut value);
        if let Some(root) = value.as_object_mut() {
            // Unlike Flux (`spec,omitempty`), `spec` stays required at the root: an object
            // without it could not be deserialized into the Rust types and would break the
            // controllers' watches.
            root.remove("title");
            root.insert("type".into(), json!("object"));
            if let Some(props) = root.get_mut("properties").and_then(Value::as_object_mut) {
                props.insert("apiVersion".into(), json!({
                    "description": "APIVersion defines the versioned schema of this representation of an object.",
                    "type": "string"
                }));
                props.insert("kind".into(), json!({
                    "description": "Kind is a string value representing the REST resource this object represents.",
                    "type": "string"
                }));
                props.insert("metadata".into(), json!({ "type": "object" }));
            }
            if let (StatusDefault::ObservedGeneration, Some(status)) = (
                status_default,
                root.get_mut("properties").and_then(|p| p.get_mut("status")),
            ) && let Some(status) = status.as_object_mut()
            {
                status.insert("default".into(), json!({ "observedGeneration": -1 }));
            }
        }
        validation.open_api_v3_schema =
            Some(serde_json::from_value(value.clone()).unwrap_or(schema));
    }
    crd
}

/// kube marks `Option` fields `nullable: true`; Flux's CRDs never accept `null`.
fn strip_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("nullable");
            map.values_mut().for_each(strip_nullable);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nullable),
        _ => {}
    }
}
