//! The client a Kustomization applies with: the controller's own, one impersonating
//! `serviceAccountName` (`system:serviceaccount:<ns>:<sa>`), or one built from the
//! `kubeConfig` Secret for a remote cluster.

use flux_api::constants::RECONCILIATION_FAILED_REASON;
use flux_api::kustomize::Kustomization;
use flux_runtime::reconcile::ReconcileError;
use k8s_openapi::api::core::v1::Secret;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, ResourceExt};

use super::KustomizationReconciler;

impl KustomizationReconciler {
    /// The client for applying, pruning and health checking this Kustomization.
    pub(super) async fn client_for(
        &self,
        controller_client: &kube::Client,
        ks: &Kustomization,
    ) -> Result<kube::Client, ReconcileError> {
        let ns = ks.namespace().unwrap_or_default();
        let sa = ks
            .spec
            .service_account_name
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| {
                Some(self.options.default_service_account.clone()).filter(|s| !s.is_empty())
            });
        if let Some(kc) = &ks.spec.kube_config {
            let config = self.remote_config(controller_client, &ns, kc).await?;
            return build(config, sa.as_deref().map(|sa| (ns.as_str(), sa)));
        }
        let Some(sa) = sa else {
            return Ok(controller_client.clone());
        };
        let key = format!("{ns}/{sa}");
        if let Ok(cache) = self.clients.lock()
            && let Some(c) = cache.get(&key)
        {
            return Ok(c.clone());
        }
        let client = build(self.base_config.clone(), Some((&ns, &sa)))?;
        if let Ok(mut cache) = self.clients.lock() {
            cache.insert(key, client.clone());
        }
        Ok(client)
    }

    async fn remote_config(
        &self,
        client: &kube::Client,
        ns: &str,
        kc: &flux_api::meta::KubeConfigReference,
    ) -> Result<kube::Config, ReconcileError> {
        let fail = |m: String| ReconcileError::transient(RECONCILIATION_FAILED_REASON, m);
        let Some(secret_ref) = &kc.secret_ref else {
            return Err(ReconcileError::stalling(
                RECONCILIATION_FAILED_REASON,
                "spec.kubeConfig.configMapRef (secret-less access) is not supported by this build",
            ));
        };
        let secrets: Api<Secret> = Api::namespaced(client.clone(), ns);
        let secret = secrets.get(&secret_ref.name).await.map_err(|e| {
            fail(format!(
                "failed to get kubeconfig Secret '{ns}/{}': {e}",
                secret_ref.name
            ))
        })?;
        let data = secret.data.unwrap_or_default();
        let bytes = match &secret_ref.key {
            Some(k) => data.get(k),
            None => data.get("value").or_else(|| data.get("value.yaml")),
        }
        .ok_or_else(|| {
            fail(format!(
                "kubeconfig Secret '{ns}/{}' has no key '{}'",
                secret_ref.name,
                secret_ref.key.as_deref().unwrap_or("value")
            ))
        })?;
        let text = String::from_utf8_lossy(&bytes.0);
        let kubeconfig = Kubeconfig::from_yaml(&text).map_err(|e| {
            fail(format!(
                "invalid kubeconfig in Secret '{ns}/{}': {e}",
                secret_ref.name
            ))
        })?;
        let exec = kubeconfig
            .auth_infos
            .iter()
            .any(|a| a.auth_info.as_ref().is_some_and(|i| i.exec.is_some()));
        if exec && !self.options.insecure_kubeconfig_exec {
            return Err(ReconcileError::stalling(
                RECONCILIATION_FAILED_REASON,
                format!(
                    "kubeconfig in Secret '{ns}/{}' uses an exec plugin, which is refused without --insecure-kubeconfig-exec",
                    secret_ref.name
                ),
            ));
        }
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|e| {
                    fail(format!(
                        "kubeconfig in Secret '{ns}/{}': {e}",
                        secret_ref.name
                    ))
                })?;
        if config.accept_invalid_certs && !self.options.insecure_kubeconfig_tls {
            return Err(ReconcileError::stalling(
                RECONCILIATION_FAILED_REASON,
                format!(
                    "kubeconfig in Secret '{ns}/{}' skips TLS verification, which is refused without --insecure-kubeconfig-tls",
                    secret_ref.name
                ),
            ));
        }
        Ok(config)
    }
}

fn build(
    mut config: kube::Config,
    impersonate: Option<(&str, &str)>,
) -> Result<kube::Client, ReconcileError> {
    if let Some((ns, sa)) = impersonate {
        let user = format!("system:serviceaccount:{ns}:{sa}");
        let value = http::HeaderValue::from_str(&user).map_err(|e| {
            ReconcileError::stalling(
                RECONCILIATION_FAILED_REASON,
                format!("invalid service account name '{sa}': {e}"),
            )
        })?;
        config
            .headers
            .push((http::HeaderName::from_static("impersonate-user"), value));
    }
    kube::Client::try_from(config).map_err(|e| {
        ReconcileError::transient(
            RECONCILIATION_FAILED_REASON,
            format!("failed to build the Kubernetes client: {e}"),
        )
    })
}
