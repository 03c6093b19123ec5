//! HelmRelease: installs and upgrades a Helm chart release.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::actions::{
    DriftDetection, Install, PostRenderer, Rollback, Test, Uninstall, Upgrade, WaitStrategy,
};
use crate::meta::{
    CommonMetadata, Condition, CustomHealthCheck, DURATION_PATTERN, DependencyReference,
    KubeConfigReference, LocalObjectReference, ResourceInventory, preserve_unknown_value,
};

/// Default `valuesFrom[].valuesKey`.
pub const DEFAULT_VALUES_KEY: &str = "values.yaml";
/// Controller default timeout.
pub const DEFAULT_TIMEOUT: &str = "5m";
/// Controller default max history.
pub const DEFAULT_MAX_HISTORY: i64 = 5;

/// HelmReleaseSpec defines the desired state of a Helm release.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "helm.toolkit.fluxcd.io",
    version = "v2",
    kind = "HelmRelease",
    plural = "helmreleases",
    namespaced,
    status = "HelmReleaseStatus",
    shortname = "hr",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-appliers",
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Status","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].message"}"#,
    annotation("kustomize.toolkit.fluxcd.io/substitute", "disabled"),
    doc = "HelmRelease is the Schema for the helmreleases API.",
    derive = "Default",
    derive = "PartialEq",
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))", "message": "either chart or chartRef must be set"}
]))]
pub struct HelmReleaseSpec {
    /// Chart defines the template of the v1.HelmChart that should be created for this
    /// HelmRelease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<HelmChartTemplate>,
    /// ChartRef holds a reference to a source controller resource containing the Helm chart
    /// artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_ref: Option<ChartReference>,
    /// Interval at which to reconcile the Helm release.
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// KubeConfig for reconciling the HelmRelease on a remote cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_config: Option<KubeConfigReference>,
    /// Suspend tells the controller to suspend reconciliation for this HelmRelease.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspend: bool,
    /// ReleaseName used for the Helm release; defaults to `[TargetNamespace-]Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 53))]
    pub release_name: Option<String>,
    /// TargetNamespace to target when performing operations for the HelmRelease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub target_namespace: Option<String>,
    /// StorageNamespace used for the Helm storage; defaults to the HelmRelease namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub storage_namespace: Option<String>,
    /// DependsOn may contain references to HelmRelease resources that must be ready first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DependencyReference>,
    /// Timeout is the time to wait for any individual Kubernetes operation during the
    /// performance of a Helm action; defaults to '5m0s'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// MaxHistory is the number of revisions saved by Helm for this HelmRelease (default 5,
    /// 0 for unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_history: Option<i64>,
    /// The name of the Kubernetes service account to impersonate when reconciling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub service_account_name: Option<String>,
    /// PersistentClient tells the controller to use a persistent Kubernetes client for this
    /// release (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_client: Option<bool>,
    /// DriftDetection holds the configuration for detecting and handling differences between the
    /// manifest in the Helm storage and the resources currently existing in the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_detection: Option<DriftDetection>,
    /// Install holds the configuration for Helm install actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Install>,
    /// Upgrade holds the configuration for Helm upgrade actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Upgrade>,
    /// Test holds the configuration for Helm test actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Test>,
    /// Rollback holds the configuration for Helm rollback actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Rollback>,
    /// Uninstall holds the configuration for Helm uninstall actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uninstall: Option<Uninstall>,
    /// ValuesFrom holds references to resources containing Helm values, merged in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values_from: Vec<ValuesReference>,
    /// Values holds the values for this Helm release.
    // Any JSON is accepted and stored, as in Flux; the controller requires an object
    // (`HelmRelease::values_map`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "preserve_unknown_value")]
    pub values: Option<serde_json::Value>,
    /// PostRenderers holds an array of Helm PostRenderers, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_renderers: Vec<PostRenderer>,
    /// PostRenderStrategy: whether hooks go through post-renderers (nohooks, combined, separate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["nohooks", "combined", "separate"]))]
    pub post_render_strategy: Option<String>,
    /// CommonMetadata specifies the common labels and annotations applied to all resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_metadata: Option<CommonMetadata>,
    /// HealthCheckExprs is a list of CEL healthcheck expressions for custom resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health_check_exprs: Vec<CustomHealthCheck>,
    /// WaitStrategy selects how to wait for resources to become ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_strategy: Option<WaitStrategy>,
}

/// HelmChartTemplate defines the template from which the controller will generate a HelmChart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct HelmChartTemplate {
    /// ObjectMeta holds the template for metadata like labels and annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<CommonMetadata>,
    /// Spec holds the template for the HelmChartSpec for this HelmRelease.
    pub spec: HelmChartTemplateSpec,
}

/// HelmChartTemplateSpec defines the template from which the controller will generate a
/// HelmChartSpec object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'", "message": "spec.chart.verify is only supported when spec.chart.sourceRef.kind is 'HelmRepository'"}
]))]
pub struct HelmChartTemplateSpec {
    /// The name or path the Helm chart is available at in the SourceRef.
    #[schemars(length(min = 1, max = 2048))]
    pub chart: String,
    /// Version semver expression, ignored for charts from GitRepository and Bucket sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "*"))]
    pub version: Option<String>,
    /// The name and namespace of the v1.Source the chart is available at.
    pub source_ref: CrossNamespaceObjectReference,
    /// Interval at which to check the v1.Source for updates; defaults to HelmReleaseSpec.Interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: Option<String>,
    /// Determines what enables the creation of a new artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["ChartVersion", "Revision"], "default" = "ChartVersion"))]
    pub reconcile_strategy: Option<String>,
    /// Alternative list of values files to use as the chart values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values_files: Vec<String>,
    /// Alternative values file to use as the default chart values (deprecated in favor of
    /// ValuesFiles; merged before them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_file: Option<String>,
    /// IgnoreMissingValuesFiles controls whether to silently ignore missing values files.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_missing_values_files: bool,
    /// Verify contains the secret name containing the trusted public keys used to verify the
    /// signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<HelmChartTemplateVerification>,
}

/// HelmChartTemplateVerification verifies the authenticity of an OCI Helm chart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartTemplateVerification {
    /// Provider specifies the technology used to sign the OCI Helm chart.
    #[schemars(extend("enum" = ["cosign", "notation"], "default" = "cosign"))]
    pub provider: String,
    /// SecretRef specifies the Kubernetes Secret containing the trusted public keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
}

/// CrossNamespaceObjectReference locates the chart source of a HelmChart template.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrossNamespaceObjectReference {
    /// APIVersion of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("enum" = ["HelmRepository", "GitRepository", "Bucket"]))]
    pub kind: String,
    /// Name of the referent.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
}

/// ChartReference locates an existing source artifact holding the chart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChartReference {
    /// APIVersion of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the referent.
    #[schemars(extend("enum" = ["OCIRepository", "HelmChart", "ExternalArtifact"]))]
    pub kind: String,
    /// Name of the referent.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the referent, defaults to the namespace of the HelmRelease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub namespace: Option<String>,
}

/// ValuesReference contains a reference to a resource containing Helm values.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValuesReference {
    /// Kind of the values referent, valid values are ('Secret', 'ConfigMap').
    #[schemars(extend("enum" = ["Secret", "ConfigMap"]))]
    pub kind: String,
    /// Name of the values referent, in the same namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// ValuesKey is the data key where the values.yaml or a specific value can be found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253), regex(pattern = r"^[\-._a-zA-Z0-9]+$"))]
    pub values_key: Option<String>,
    /// TargetPath is the YAML dot notation path the value should be merged at (Helm `--set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(max = 250),
        regex(pattern = r"^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$")
    )]
    pub target_path: Option<String>,
    /// Optional marks this ValuesReference as optional.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Literal marks the targetPath value as a literal (Helm `--set-literal`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub literal: bool,
}

impl ValuesReference {
    /// The values key, defaulting to `values.yaml`.
    pub fn values_key(&self) -> &str {
        self.values_key.as_deref().unwrap_or(DEFAULT_VALUES_KEY)
    }
}

/// HelmReleaseStatus defines the observed state of a HelmRelease.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseStatus {
    /// ObservedGeneration is the last observed generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// LastHandledReconcileAt holds the value of the most recent reconcile request value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
    /// LastHandledForceAt holds the value of the most recent force request value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_force_at: Option<String>,
    /// LastHandledResetAt holds the value of the most recent reset request value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reset_at: Option<String>,
    /// Conditions holds the conditions for the HelmRelease.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// HelmChart is the namespaced name of the HelmChart resource created by the controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_chart: Option<String>,
    /// StorageNamespace is the namespace of the Helm release storage for the current release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub storage_namespace: Option<String>,
    /// History holds the history of Helm releases performed for this HelmRelease, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ReleaseSnapshot>,
    /// LastAttemptedGeneration is the last generation the controller attempted to reconcile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_generation: Option<i64>,
    /// LastAppliedRevision is the revision of the last successfully applied source
    /// (deprecated: the revision is in the history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_revision: Option<String>,
    /// LastAttemptedRevision is the Source revision of the last reconciliation attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision: Option<String>,
    /// LastAttemptedRevisionDigest is the digest of the last reconciliation attempt (OCI only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision_digest: Option<String>,
    /// LastAttemptedValuesChecksum is the SHA1 checksum for the values of the last attempt
    /// (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_values_checksum: Option<String>,
    /// LastAttemptedConfigDigest is the digest for the config (better known as "values") of the
    /// last reconciliation attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_config_digest: Option<String>,
    /// LastAttemptedReleaseAction is the last release action performed (install or upgrade).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["install", "upgrade"]))]
    pub last_attempted_release_action: Option<String>,
    /// LastAttemptedReleaseActionDuration is the duration of the last release action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_release_action_duration: Option<String>,
    /// ObservedPostRenderersDigest is the digest for the post-renderers of the last successful
    /// reconciliation attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_post_renderers_digest: Option<String>,
    /// ObservedCommonMetadataDigest is the digest for the common metadata of the last successful
    /// reconciliation attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_common_metadata_digest: Option<String>,
    /// Failures is the reconciliation failure count against the latest desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<i64>,
    /// InstallFailures is the install failure count against the latest desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_failures: Option<i64>,
    /// UpgradeFailures is the upgrade failure count against the latest desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_failures: Option<i64>,
    /// Inventory contains the list of Kubernetes resource object references that have been
    /// applied for this release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<ResourceInventory>,
    /// LastReleaseRevision is the revision of the last successful Helm release (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_release_revision: Option<i64>,
}

/// Snapshot captures a point-in-time copy of the status information for a Helm release.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSnapshot {
    /// APIVersion is the API version of the Snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Digest is the checksum of the release object in storage.
    pub digest: String,
    /// Name is the name of the release.
    pub name: String,
    /// Namespace is the namespace the release is deployed to.
    pub namespace: String,
    /// Version is the version of the release object in storage.
    pub version: i64,
    /// Status is the current state of the release.
    pub status: String,
    /// ChartName is the chart name of the release object in storage.
    pub chart_name: String,
    /// ChartVersion is the chart version of the release object in storage.
    pub chart_version: String,
    /// AppVersion is the chart app version of the release object in storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// ConfigDigest is the checksum of the config (better known as "values") of the release.
    pub config_digest: String,
    /// FirstDeployed is when the release was first deployed.
    pub first_deployed: Time,
    /// LastDeployed is when the release was last deployed.
    pub last_deployed: Time,
    /// Deleted is when the release was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Time>,
    /// TestHooks is the list of test hooks for the release as observed to be run by the
    /// controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_hooks: Option<BTreeMap<String, TestHookStatus>>,
    /// OCIDigest is the digest of the OCI artifact associated with the release.
    #[serde(default, rename = "ociDigest", skip_serializing_if = "Option::is_none")]
    pub oci_digest: Option<String>,
    /// Action is the action that produced this release (install, upgrade, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// TestHookStatus holds the status information for a test hook as observed to be run by the
/// controller.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestHookStatus {
    /// LastStarted is the time the test hook was last started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_started: Option<Time>,
    /// LastCompleted is the time the test hook last completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_completed: Option<Time>,
    /// Phase the test hook was observed to be in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

crate::impl_conditions!(HelmRelease);

impl HelmRelease {
    /// The inline values as an object; `None` when unset or not an object.
    pub fn values_map(&self) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.spec
            .values
            .as_ref()
            .and_then(serde_json::Value::as_object)
    }

    /// The Helm release name: `spec.releaseName`, else `[targetNamespace-]name`, shortened to
    /// `<first 40 chars>-<first 12 hex of sha256>` by the controller when longer than 53.
    /// This returns the unshortened candidate; hashing is the controller's job.
    pub fn release_name_candidate(&self) -> String {
        if let Some(name) = self.spec.release_name.as_deref().filter(|n| !n.is_empty()) {
            return name.to_string();
        }
        let name = self.metadata.name.clone().unwrap_or_default();
        match self
            .spec
            .target_namespace
            .as_deref()
            .filter(|n| !n.is_empty())
        {
            Some(ns) => format!("{ns}-{name}"),
            None => name,
        }
    }
}
