//! The Helm action configuration blocks of a HelmRelease: install, upgrade, test, rollback,
//! uninstall, drift detection and post-renderers.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::{DURATION_PATTERN, IgnoreRule, Image, Patch, Selector};

/// CRD policy `Skip`.
pub const CRDS_SKIP: &str = "Skip";
/// CRD policy `Create` (install default).
pub const CRDS_CREATE: &str = "Create";
/// CRD policy `CreateReplace`.
pub const CRDS_CREATE_REPLACE: &str = "CreateReplace";
/// Strategy `RemediateOnFailure` (default).
pub const STRATEGY_REMEDIATE_ON_FAILURE: &str = "RemediateOnFailure";
/// Strategy `RetryOnFailure`.
pub const STRATEGY_RETRY_ON_FAILURE: &str = "RetryOnFailure";
/// Upgrade remediation strategy `rollback` (default).
pub const REMEDIATION_ROLLBACK: &str = "rollback";
/// Upgrade remediation strategy `uninstall`.
pub const REMEDIATION_UNINSTALL: &str = "uninstall";
/// Drift detection mode `enabled`.
pub const DRIFT_MODE_ENABLED: &str = "enabled";
/// Drift detection mode `warn`.
pub const DRIFT_MODE_WARN: &str = "warn";
/// Drift detection mode `disabled` (controller default).
pub const DRIFT_MODE_DISABLED: &str = "disabled";

/// Install holds the configuration for Helm install actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Install {
    /// Timeout is the time to wait for any individual Kubernetes operation during the install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// Remediation holds the remediation configuration for when the install fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<InstallRemediation>,
    /// Strategy defines the install strategy to use for this HelmRelease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<ActionStrategy>,
    /// DisableWait disables the waiting for resources to be ready after a Helm install.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait: bool,
    /// DisableWaitForJobs disables waiting for jobs to complete after a Helm install.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait_for_jobs: bool,
    /// DisableHooks prevents hooks from running during the install.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_hooks: bool,
    /// DisableOpenAPIValidation prevents validating rendered templates against the OpenAPI schema.
    #[serde(
        default,
        rename = "disableOpenAPIValidation",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub disable_openapi_validation: bool,
    /// DisableSchemaValidation prevents validating the values against the JSON Schema.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_schema_validation: bool,
    /// DisableTakeOwnership disables taking ownership of existing resources during the install.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_take_ownership: bool,
    /// Replace tells the Helm install action to re-use the 'ReleaseName', but only if that name
    /// is a deleted release which remains in the history.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replace: bool,
    /// SkipCRDs tells the Helm install action to not install any CRDs (deprecated, use CRDs).
    #[serde(
        default,
        rename = "skipCRDs",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub skip_crds: bool,
    /// CRDs upgrade policy: Skip, Create (default) or CreateReplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["Skip", "Create", "CreateReplace"]))]
    pub crds: Option<String>,
    /// CreateNamespace tells the Helm install action to create the target namespace.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_namespace: bool,
    /// ServerSideApply enables server-side apply for resources during install (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_apply: Option<bool>,
}

/// InstallRemediation holds the configuration for Helm install remediation.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallRemediation {
    /// Retries is the number of retries that should be attempted on failures; negative means
    /// infinite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    /// IgnoreTestFailures tells the controller to skip remediation when the Helm tests fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_test_failures: Option<bool>,
    /// RemediateLastFailure tells the controller to remediate the last failure, when no retries
    /// remain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediate_last_failure: Option<bool>,
}

/// The strategy of an install or upgrade action.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!has(self.retryInterval) || self.name != 'RemediateOnFailure'", "message": ".retryInterval cannot be set when .name is 'RemediateOnFailure'"}
]))]
pub struct ActionStrategy {
    /// Name of the strategy.
    #[schemars(extend("enum" = ["RemediateOnFailure", "RetryOnFailure"]))]
    pub name: String,
    /// RetryInterval is the interval at which to retry a failed action (RetryOnFailure only,
    /// default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub retry_interval: Option<String>,
}

/// Upgrade holds the configuration for Helm upgrade actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Upgrade {
    /// Timeout is the time to wait for any individual Kubernetes operation during the upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// Remediation holds the remediation configuration for when the upgrade fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<UpgradeRemediation>,
    /// Strategy defines the upgrade strategy to use for this HelmRelease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<ActionStrategy>,
    /// DisableWait disables the waiting for resources to be ready after a Helm upgrade.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait: bool,
    /// DisableWaitForJobs disables waiting for jobs to complete after a Helm upgrade.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait_for_jobs: bool,
    /// DisableHooks prevents hooks from running during the upgrade.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_hooks: bool,
    /// DisableOpenAPIValidation prevents validating rendered templates against the OpenAPI schema.
    #[serde(
        default,
        rename = "disableOpenAPIValidation",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub disable_openapi_validation: bool,
    /// DisableSchemaValidation prevents validating the values against the JSON Schema.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_schema_validation: bool,
    /// DisableTakeOwnership disables taking ownership of existing resources during the upgrade.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_take_ownership: bool,
    /// Force forces resource updates through a replacement strategy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
    /// PreserveValues will make Helm reuse the last release's values and merge in overrides.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preserve_values: bool,
    /// CleanupOnFail allows deletion of new resources created during the upgrade when it fails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cleanup_on_fail: bool,
    /// CRDs upgrade policy: Skip (default), Create or CreateReplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["Skip", "Create", "CreateReplace"]))]
    pub crds: Option<String>,
    /// ServerSideApply: enabled, disabled or auto (default, follows the release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["enabled", "disabled", "auto"]))]
    pub server_side_apply: Option<String>,
    /// ChartNameChangeStrategy: Reinstall (default) or InPlaceUpdate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["Reinstall", "InPlaceUpdate"]))]
    pub chart_name_change_strategy: Option<String>,
}

/// UpgradeRemediation holds the configuration for Helm upgrade remediation.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeRemediation {
    /// Retries is the number of retries that should be attempted on failures; negative means
    /// infinite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    /// IgnoreTestFailures tells the controller to skip remediation when the Helm tests fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_test_failures: Option<bool>,
    /// RemediateLastFailure tells the controller to remediate the last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediate_last_failure: Option<bool>,
    /// Strategy to use for failure remediation: rollback (default) or uninstall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["rollback", "uninstall"]))]
    pub strategy: Option<String>,
}

/// Test holds the configuration for Helm test actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Test {
    /// Enable enables Helm test actions for this HelmRelease after an install or upgrade.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable: bool,
    /// Timeout is the time to wait for any individual Kubernetes operation during the test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// IgnoreFailures tells the controller to skip remediation when the Helm tests fail.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_failures: bool,
    /// Filters is a list of tests to run or exclude from running.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<TestFilter>,
}

/// TestFilter holds the configuration for individual Helm test filters.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct TestFilter {
    /// Name is the name of the test.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Exclude specifies whether the named test should be excluded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclude: bool,
}

/// Rollback holds the configuration for Helm rollback actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    /// Timeout is the time to wait for any individual Kubernetes operation during the rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// DisableWait disables the waiting for resources to be ready after a Helm rollback.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait: bool,
    /// DisableWaitForJobs disables waiting for jobs to complete after a Helm rollback.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait_for_jobs: bool,
    /// DisableHooks prevents hooks from running during the rollback.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_hooks: bool,
    /// Recreate performs pod restarts (no-op since Helm 4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recreate: bool,
    /// Force forces resource updates through a replacement strategy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
    /// CleanupOnFail allows deletion of new resources created during the rollback when it fails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cleanup_on_fail: bool,
    /// ServerSideApply: enabled, disabled or auto.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["enabled", "disabled", "auto"]))]
    pub server_side_apply: Option<String>,
}

/// Uninstall holds the configuration for Helm uninstall actions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Uninstall {
    /// Timeout is the time to wait for any individual Kubernetes operation during the uninstall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// DisableHooks prevents hooks from running during the uninstall.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_hooks: bool,
    /// KeepHistory tells Helm to remove all associated resources and mark the release as deleted,
    /// but retain the release history.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_history: bool,
    /// DisableWait disables waiting for all the resources to be deleted after a Helm uninstall.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_wait: bool,
    /// DeletionPropagation specifies the deletion propagation policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["background", "foreground", "orphan"], "default" = "background"))]
    pub deletion_propagation: Option<String>,
}

/// DriftDetection defines the strategy for performing differential analysis against the
/// cluster state.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct DriftDetection {
    /// Mode defines how differences should be handled between the Helm manifest and the cluster
    /// state: enabled, warn or disabled (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["enabled", "warn", "disabled"]))]
    pub mode: Option<String>,
    /// Ignore contains a list of rules for specifying which changes to ignore during diffing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<IgnoreRule>,
}

/// PostRenderer contains a Helm PostRenderer specification.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct PostRenderer {
    /// Kustomization to apply as PostRenderer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<KustomizePostRenderer>,
}

/// Kustomize Helm PostRenderer specification.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KustomizePostRenderer {
    /// Strategic merge and JSON patches, defined as inline YAML objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
    /// Strategic merge patches, defined as inline YAML objects (deprecated, use Patches).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "preserve_unknown_items")]
    pub patches_strategic_merge: Vec<serde_json::Value>,
    /// JSON 6902 patches, defined as inline YAML objects (deprecated, use Patches).
    #[serde(
        default,
        rename = "patchesJson6902",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub patches_json6902: Vec<Json6902Patch>,
    /// Images is a list of (image name, new name, new tag or digest) for changing image names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
}

fn preserve_unknown_items(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": { "x-kubernetes-preserve-unknown-fields": true }
    })
}

/// A JSON6902 patch and the target it applies to (deprecated post-renderer form).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct Json6902Patch {
    /// Patch contains the JSON6902 patch document with an array of operation objects.
    pub patch: Vec<Json6902Operation>,
    /// Target points to the resources that the patch document should be applied to.
    pub target: Selector,
}

/// A JSON6902 operation object (RFC 6902 section 4).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct Json6902Operation {
    /// Op indicates the operation to perform.
    #[schemars(extend("enum" = ["test", "remove", "add", "replace", "move", "copy"]))]
    pub op: String,
    /// Path contains the JSON-pointer value that references a location within the target
    /// document where the operation is performed.
    pub path: String,
    /// From contains a JSON-pointer value that references a location within the target
    /// document (move and copy only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Value contains a valid JSON structure (add, replace and test only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::meta::preserve_unknown_value")]
    pub value: Option<serde_json::Value>,
}

/// WaitStrategy selects how the controller waits for resources to become ready.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct WaitStrategy {
    /// Name of the wait strategy: poller (kstatus, default) or legacy (Helm's own).
    #[schemars(extend("enum" = ["poller", "legacy"]))]
    pub name: String,
}
