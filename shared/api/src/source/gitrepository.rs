//! GitRepository: produces an artifact from a Git repository checkout.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::{Artifact, Condition, DURATION_PATTERN, LocalObjectReference, TIMEOUT_PATTERN};

/// Default Git operation timeout.
pub const DEFAULT_TIMEOUT: &str = "60s";
/// Branch checked out when `spec.ref` is empty.
pub const DEFAULT_BRANCH: &str = "master";
/// Provider `generic`.
pub const PROVIDER_GENERIC: &str = "generic";
/// Provider `aws` (CodeCommit).
pub const PROVIDER_AWS: &str = "aws";
/// Provider `azure` (Azure DevOps workload identity).
pub const PROVIDER_AZURE: &str = "azure";
/// Provider `github` (GitHub App).
pub const PROVIDER_GITHUB: &str = "github";
/// Verify the commit HEAD points to.
pub const VERIFY_MODE_HEAD: &str = "HEAD";
/// Legacy spelling of [`VERIFY_MODE_HEAD`].
pub const VERIFY_MODE_HEAD_LEGACY: &str = "head";
/// Verify the tag object.
pub const VERIFY_MODE_TAG: &str = "Tag";
/// Verify the tag object and the commit it points to.
pub const VERIFY_MODE_TAG_AND_HEAD: &str = "TagAndHEAD";

/// GitRepositorySpec specifies the required configuration to produce an Artifact for a Git
/// repository.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "source.toolkit.fluxcd.io",
    version = "v1",
    kind = "GitRepository",
    plural = "gitrepositories",
    namespaced,
    status = "GitRepositoryStatus",
    shortname = "gitrepo",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-sources",
    printcolumn = r#"{"name":"URL","type":"string","jsonPath":".spec.url"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Status","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].message"}"#,
    annotation("kustomize.toolkit.fluxcd.io/substitute", "disabled"),
    doc = "GitRepository is the Schema for the gitrepositories API.",
    derive = "Default",
    derive = "PartialEq",
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))", "message": "serviceAccountName can only be set when provider is 'azure' or 'aws'"}
]))]
pub struct GitRepositorySpec {
    /// URL specifies the Git repository URL, it can be an HTTP/S or SSH address.
    #[schemars(regex(pattern = r"^(http|https|ssh)://.*$"))]
    pub url: String,
    /// SecretRef specifies the Secret containing authentication credentials for the
    /// GitRepository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Provider used for authentication, can be 'aws', 'azure', 'github', 'generic'.
    /// When not specified, defaults to 'generic'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["generic", "aws", "azure", "github"]))]
    pub provider: Option<String>,
    /// ServiceAccountName is the name of the Kubernetes ServiceAccount used to authenticate to
    /// the GitRepository. Only supported for the 'azure' and 'aws' providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Interval at which the GitRepository URL is checked for updates.
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Timeout for Git operations like cloning, defaults to 60s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = TIMEOUT_PATTERN), extend("default" = "60s"))]
    pub timeout: Option<String>,
    /// Reference specifies the Git reference to resolve and monitor for changes, defaults to the
    /// 'master' branch.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<GitRepositoryRef>,
    /// Verification specifies the configuration to verify the Git commit signature(s).
    #[serde(default, rename = "verify", skip_serializing_if = "Option::is_none")]
    pub verification: Option<GitRepositoryVerification>,
    /// ProxySecretRef specifies the Secret containing the proxy configuration to use while
    /// communicating with the Git server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_secret_ref: Option<LocalObjectReference>,
    /// Ignore overrides the set of excluded patterns in the .sourceignore format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<String>,
    /// Suspend tells the controller to suspend the reconciliation of this GitRepository.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspend: bool,
    /// RecurseSubmodules enables the initialization of all submodules within the GitRepository.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recurse_submodules: bool,
    /// Include specifies a list of GitRepository resources which Artifacts should be included in
    /// the Artifact produced for this GitRepository.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<GitRepositoryInclude>,
    /// SparseCheckout specifies a list of directories to checkout when cloning the repository.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sparse_checkout: Vec<String>,
}

/// GitRepositoryInclude specifies a local reference to a GitRepository which Artifact
/// (sub-)contents must be included, and where they should be placed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitRepositoryInclude {
    /// GitRepositoryRef specifies the GitRepository which Artifact contents must be included.
    #[serde(rename = "repository")]
    pub git_repository_ref: LocalObjectReference,
    /// FromPath specifies the path to copy contents from, defaults to the root of the Artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_path: Option<String>,
    /// ToPath specifies the path to copy contents to, defaults to the name of the
    /// GitRepositoryRef.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_path: Option<String>,
}

impl GitRepositoryInclude {
    /// The destination path, falling back to the included repository's name.
    pub fn to_path(&self) -> &str {
        self.to_path
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or(&self.git_repository_ref.name)
    }
}

/// GitRepositoryRef specifies the Git reference to resolve and checkout.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct GitRepositoryRef {
    /// Branch to check out, defaults to 'master' if no other field is defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Tag to check out, takes precedence over Branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// SemVer tag expression to check out, takes precedence over Tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<String>,
    /// Name of the reference to check out; takes precedence over Branch, Tag and SemVer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Commit SHA to check out, takes precedence over all reference fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// GitRepositoryVerification specifies the Git commit signature verification strategy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitRepositoryVerification {
    /// Mode specifies which Git object(s) should be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["head", "HEAD", "Tag", "TagAndHEAD"], "default" = "HEAD"))]
    pub mode: Option<String>,
    /// SecretRef specifies the Secret containing the public keys of trusted Git authors.
    pub secret_ref: LocalObjectReference,
}

impl GitRepositoryVerification {
    /// The effective mode: `head` is normalised to `HEAD`, unknown or empty to `HEAD`.
    pub fn effective_mode(&self) -> &'static str {
        match self.mode.as_deref() {
            Some(VERIFY_MODE_TAG) => VERIFY_MODE_TAG,
            Some(VERIFY_MODE_TAG_AND_HEAD) => VERIFY_MODE_TAG_AND_HEAD,
            _ => VERIFY_MODE_HEAD,
        }
    }
}

/// GitRepositoryStatus records the observed state of a Git repository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitRepositoryStatus {
    /// ObservedGeneration is the last observed generation of the GitRepository object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Conditions holds the conditions for the GitRepository.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Artifact represents the last successful GitRepository reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
    /// IncludedArtifacts contains a list of the last successfully included Artifacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included_artifacts: Vec<Artifact>,
    /// ObservedIgnore is the observed exclusion patterns used for constructing the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_ignore: Option<String>,
    /// ObservedRecurseSubmodules is the observed submodules configuration.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub observed_recurse_submodules: bool,
    /// ObservedInclude is the observed list of GitRepository resources used to produce the
    /// current Artifact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_include: Vec<GitRepositoryInclude>,
    /// ObservedSparseCheckout is the observed list of directories used to produce the current
    /// Artifact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_sparse_checkout: Vec<String>,
    /// SourceVerificationMode is the last used verification mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_verification_mode: Option<String>,
    /// LastHandledReconcileAt holds the value of the most recent reconcile request value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
}

crate::impl_conditions!(GitRepository);

impl GitRepository {
    /// The authentication provider, defaulting to `generic`.
    pub fn provider(&self) -> &str {
        self.spec.provider.as_deref().unwrap_or(PROVIDER_GENERIC)
    }
}
