//! kustomize-controller's own flags, named and defaulted as Flux's.

use clap::Args;

/// Flags specific to kustomize-controller.
#[derive(Debug, Clone, Args)]
pub struct KustomizeOptions {
    /// The number of concurrent server-side apply operations.
    #[arg(long = "concurrent-ssa", default_value_t = 4)]
    pub concurrent_ssa: usize,
    /// The maximum number of retries when failing to fetch artifacts over HTTP.
    #[arg(long = "http-retry", default_value_t = 9)]
    pub http_retry: u32,
    /// When set to true, references between custom resources are allowed only if the
    /// reference and the referee are in the same namespace.
    #[arg(long = "no-cross-namespace-refs", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub no_cross_namespace_refs: bool,
    /// Disallow remote bases usage in Kustomize overlays (remote bases are never fetched
    /// by this build).
    #[arg(long = "no-remote-bases", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub no_remote_bases: bool,
    /// Default service account used for impersonation.
    #[arg(long = "default-service-account", default_value = "")]
    pub default_service_account: String,
    /// Default service account used for secret-less remote cluster access (not supported).
    #[arg(long = "default-kubeconfig-service-account", default_value = "")]
    pub default_kubeconfig_service_account: String,
    /// Default service account used for cloud KMS decryption (not supported).
    #[arg(long = "default-decryption-service-account", default_value = "")]
    pub default_decryption_service_account: String,
    /// Kinds applied in their own stage, after cluster definitions and classes.
    #[arg(long = "custom-apply-stage-kinds", value_delimiter = ',')]
    pub custom_apply_stage_kinds: Vec<String>,
    /// Field managers whose fields are overridden (accepted for compatibility).
    #[arg(long = "override-manager")]
    pub override_manager: Vec<String>,
    /// Allow kubeconfigs with exec plugins (refused by this build).
    #[arg(long = "insecure-kubeconfig-exec", default_value_t = false)]
    pub insecure_kubeconfig_exec: bool,
    /// Allow kubeconfigs that skip TLS verification.
    #[arg(long = "insecure-kubeconfig-tls", default_value_t = false)]
    pub insecure_kubeconfig_tls: bool,
    /// The name of a Secret in the runtime namespace with age keys for all Kustomizations.
    #[arg(long = "sops-age-secret", default_value = "")]
    pub sops_age_secret: String,
    /// Feature gates, `Name=true,...`.
    #[arg(long = "feature-gates", default_value = "")]
    pub feature_gates: String,
    /// Secrets and ConfigMaps with these labels trigger a reconcile of their dependents.
    #[arg(
        long = "watch-configs-label-selector",
        default_value = "reconcile.fluxcd.io/watch=Enabled"
    )]
    pub watch_configs_label_selector: String,
}

impl KustomizeOptions {
    /// Whether `StrictPostBuildSubstitutions` is on (the default).
    pub fn strict_substitutions(&self) -> bool {
        !self.feature_gates.split(',').any(|g| {
            g.trim()
                .eq_ignore_ascii_case("StrictPostBuildSubstitutions=false")
        })
    }
}

impl Default for KustomizeOptions {
    fn default() -> Self {
        KustomizeOptions {
            concurrent_ssa: 4,
            http_retry: 9,
            no_cross_namespace_refs: false,
            no_remote_bases: false,
            default_service_account: String::new(),
            default_kubeconfig_service_account: String::new(),
            default_decryption_service_account: String::new(),
            custom_apply_stage_kinds: Vec::new(),
            override_manager: Vec::new(),
            insecure_kubeconfig_exec: false,
            insecure_kubeconfig_tls: false,
            sops_age_secret: String::new(),
            feature_gates: String::new(),
            watch_configs_label_selector: "reconcile.fluxcd.io/watch=Enabled".to_string(),
        }
    }
}
