//! Connecting to the cluster: `--kubeconfig`, then `KUBECONFIG`, then the in-cluster
//! service account, as controller-runtime resolves it.

use std::path::PathBuf;

use clap::Args;
use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::RuntimeError;

/// The Kubernetes client flags shared by every controller.
#[derive(Debug, Clone, Args)]
pub struct ClientOptions {
    /// Path to a kubeconfig. Only required if out-of-cluster.
    #[arg(long = "kubeconfig", env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
}

impl ClientOptions {
    /// Loads the client configuration.
    pub async fn config(&self) -> Result<kube::Config, RuntimeError> {
        match &self.kubeconfig {
            Some(path) => {
                let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
                    RuntimeError::KubeConfig(format!("reading {}: {e}", path.display()))
                })?;
                kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                    .await
                    .map_err(|e| RuntimeError::KubeConfig(format!("{}: {e}", path.display())))
            }
            None => kube::Config::incluster()
                .map_err(|e| RuntimeError::KubeConfig(format!("in-cluster configuration: {e}"))),
        }
    }

    /// Builds a client and checks that the API server answers.
    pub async fn connect(&self) -> Result<kube::Client, RuntimeError> {
        let config = self.config().await?;
        let url = config.cluster_url.to_string();
        let client = kube::Client::try_from(config).map_err(|source| RuntimeError::Connect {
            url: url.clone(),
            source,
        })?;
        client
            .apiserver_version()
            .await
            .map_err(|source| RuntimeError::Connect { url, source })?;
        Ok(client)
    }
}
