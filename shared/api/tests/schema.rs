//! The generated CRDs carry Flux's names, validation, defaults and printer columns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flux_api::crd::{all_crds, crd_file_name};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::{Value, json};

fn crd(kind: &str) -> CustomResourceDefinition {
    all_crds()
        .into_iter()
        .find(|c| c.spec.names.kind == kind)
        .unwrap_or_else(|| panic!("no CRD for {kind}"))
}

fn schema(kind: &str) -> Value {
    serde_json::to_value(crd(kind).spec.versions[0].schema.as_ref().unwrap())
        .unwrap()["openAPIV3Schema"]
        .clone()
}

fn columns(kind: &str) -> Vec<String> {
    crd(kind).spec.versions[0]
        .additional_printer_columns
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[test]
fn served_versions_and_file_names_match_flux() {
    let names: Vec<(String, String, String)> = all_crds()
        .iter()
        .map(|c| {
            assert_eq!(c.spec.versions.len(), 1);
            assert!(c.spec.versions[0].served && c.spec.versions[0].storage);
            assert_eq!(c.spec.scope, "Namespaced");
            (
                c.spec.names.kind.clone(),
                c.spec.versions[0].name.clone(),
                crd_file_name(c),
            )
        })
        .collect();
    let want = [
        (
            "GitRepository",
            "v1",
            "source.toolkit.fluxcd.io_gitrepositories.yaml",
        ),
        (
            "OCIRepository",
            "v1",
            "source.toolkit.fluxcd.io_ocirepositories.yaml",
        ),
        (
            "HelmRepository",
            "v1",
            "source.toolkit.fluxcd.io_helmrepositories.yaml",
        ),
        (
            "HelmChart",
            "v1",
            "source.toolkit.fluxcd.io_helmcharts.yaml",
        ),
        ("Bucket", "v1", "source.toolkit.fluxcd.io_buckets.yaml"),
        (
            "ExternalArtifact",
            "v1",
            "source.toolkit.fluxcd.io_externalartifacts.yaml",
        ),
        (
            "Kustomization",
            "v1",
            "kustomize.toolkit.fluxcd.io_kustomizations.yaml",
        ),
        (
            "HelmRelease",
            "v2",
            "helm.toolkit.fluxcd.io_helmreleases.yaml",
        ),
        (
            "Provider",
            "v1beta3",
            "notification.toolkit.fluxcd.io_providers.yaml",
        ),
        (
            "Alert",
            "v1beta3",
            "notification.toolkit.fluxcd.io_alerts.yaml",
        ),
        (
            "Receiver",
            "v1",
            "notification.toolkit.fluxcd.io_receivers.yaml",
        ),
        (
            "ImageRepository",
            "v1",
            "image.toolkit.fluxcd.io_imagerepositories.yaml",
        ),
        (
            "ImagePolicy",
            "v1",
            "image.toolkit.fluxcd.io_imagepolicies.yaml",
        ),
        (
            "ImageUpdateAutomation",
            "v1",
            "image.toolkit.fluxcd.io_imageupdateautomations.yaml",
        ),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(k, v, f)| (k.to_string(), v.to_string(), f.to_string()))
        .collect();
    assert_eq!(names, want);
}

#[test]
fn gitrepository_validation_defaults_and_names() {
    let s = schema("GitRepository");
    let spec = &s["properties"]["spec"];
    assert_eq!(
        spec["properties"]["url"]["pattern"],
        "^(http|https|ssh)://.*$"
    );
    assert_eq!(
        spec["properties"]["interval"]["pattern"],
        r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
    );
    assert_eq!(
        spec["properties"]["timeout"]["pattern"],
        r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$"
    );
    assert_eq!(spec["properties"]["timeout"]["default"], "60s");
    assert_eq!(spec["required"], json!(["interval", "url"]));
    assert_eq!(
        spec["properties"]["provider"]["enum"],
        json!(["generic", "aws", "azure", "github"])
    );
    assert_eq!(
        spec["properties"]["verify"]["properties"]["mode"]["default"],
        "HEAD"
    );
    assert_eq!(
        s["properties"]["status"]["default"],
        json!({"observedGeneration": -1})
    );
    assert_eq!(
        s["required"],
        json!(["spec"]),
        "spec is required at the root"
    );
    assert!(s.get("title").is_none());

    let c = crd("GitRepository");
    assert_eq!(c.spec.names.short_names, Some(vec!["gitrepo".to_string()]));
    assert_eq!(
        c.spec.names.categories,
        Some(vec!["all".into(), "fluxcd".into(), "fluxcd-sources".into()])
    );
    assert_eq!(columns("GitRepository"), ["URL", "Age", "Ready", "Status"]);
    assert!(
        c.spec.versions[0]
            .subresources
            .as_ref()
            .unwrap()
            .status
            .is_some()
    );
    assert_eq!(
        c.metadata.annotations.unwrap()["kustomize.toolkit.fluxcd.io/substitute"],
        "disabled"
    );
}

#[test]
fn kustomization_required_fields_and_enums() {
    let spec = &schema("Kustomization")["properties"]["spec"];
    assert_eq!(spec["required"], json!(["interval", "prune", "sourceRef"]));
    assert_eq!(
        spec["properties"]["deletionPolicy"]["enum"],
        json!(["MirrorPrune", "Delete", "WaitForTermination", "Orphan"])
    );
    assert_eq!(
        spec["properties"]["sourceRef"]["properties"]["kind"]["enum"],
        json!([
            "OCIRepository",
            "GitRepository",
            "Bucket",
            "ExternalArtifact"
        ])
    );
    assert_eq!(spec["properties"]["targetNamespace"]["maxLength"], 63);
    assert_eq!(
        spec["properties"]["kubeConfig"]["x-kubernetes-validations"][0]["rule"],
        "has(self.secretRef) != has(self.configMapRef)"
    );
}

#[test]
fn helmrelease_values_are_free_form_and_chart_is_exclusive() {
    let spec = &schema("HelmRelease")["properties"]["spec"];
    assert_eq!(
        spec["properties"]["values"],
        json!({
            "description": "Values holds the values for this Helm release.",
            "x-kubernetes-preserve-unknown-fields": true
        })
    );
    let rules = spec["x-kubernetes-validations"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["message"] == "either chart or chartRef must be set")
    );
    assert_eq!(
        spec["properties"]["chart"]["properties"]["spec"]["properties"]["version"]["default"],
        "*"
    );
    assert_eq!(spec["properties"]["releaseName"]["maxLength"], 53);
    assert_eq!(
        crd("HelmRelease").spec.names.short_names,
        Some(vec!["hr".into()])
    );
}

#[test]
fn alert_and_provider_have_no_status() {
    for kind in ["Alert", "Provider"] {
        let c = crd(kind);
        assert!(c.spec.versions[0].subresources.is_none(), "{kind}");
        assert!(schema(kind)["properties"].get("status").is_none(), "{kind}");
        assert_eq!(columns(kind), ["Age"]);
    }
}

#[test]
fn ocirepository_url_requires_oci_scheme() {
    let spec = &schema("OCIRepository")["properties"]["spec"];
    assert_eq!(spec["properties"]["url"]["pattern"], "^oci://.*$");
    assert_eq!(spec["properties"]["provider"]["default"], "generic");
    assert_eq!(
        spec["properties"]["verify"]["required"],
        json!(["provider"]),
        "verify.provider is required (defaulted to cosign)"
    );
}

#[test]
fn no_schema_accepts_null() {
    for c in all_crds() {
        let text = serde_json::to_string(&c).unwrap();
        assert!(
            !text.contains("\"nullable\""),
            "{} has nullable fields",
            c.spec.names.kind
        );
    }
}

#[test]
fn image_kinds_have_flux_short_names_and_columns() {
    assert_eq!(
        crd("ImageRepository").spec.names.short_names,
        Some(vec!["imgrepo".into(), "imagerepo".into()])
    );
    assert_eq!(
        columns("ImageRepository"),
        ["Image", "Tags", "Ready", "Status", "Last scan", "Age"]
    );
    assert_eq!(
        crd("ImageUpdateAutomation").spec.names.short_names,
        Some(vec!["iua".into(), "imgupd".into(), "imgauto".into()])
    );
    let spec = &schema("ImageRepository")["properties"]["spec"];
    assert_eq!(spec["properties"]["exclusionList"]["maxItems"], 25);
    assert_eq!(
        spec["properties"]["exclusionList"]["default"],
        json!(["^.*\\.sig$"])
    );
}
