//! Connecting to the cluster: `--kubeconfig`, then `KUBECONFIG`, then the in-cluster
//! service account, as controller-runtime resolves it; client-side rate limiting with
//! `--kube-api-qps` and `--kube-api-burst`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tower::limit::RateLimitLayer;

use crate::RuntimeError;

/// The Kubernetes client flags shared by every controller.
#[derive(Debug, Clone, Args)]
pub struct ClientOptions {
    /// Path to a kubeconfig. Only required if out-of-cluster.
    #[arg(long = "kubeconfig", env = "KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// The maximum queries-per-second of requests sent to the Kubernetes API.
    #[arg(long = "kube-api-qps", default_value_t = 50.0)]
    pub qps: f32,
    /// The maximum burst queries-per-second of requests sent to the Kubernetes API.
    #[arg(long = "kube-api-burst", default_value_t = 300)]
    pub burst: u32,
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

    /// Builds a rate-limited client and checks that the API server answers.
    pub async fn connect(&self) -> Result<kube::Client, RuntimeError> {
        let config = self.config().await?;
        let url = config.cluster_url.to_string();
        let connect_error = |source| RuntimeError::Connect {
            url: url.clone(),
            source,
        };
        let builder = ClientBuilder::try_from(config).map_err(connect_error)?;
        let (burst, window) = rate_window(self.qps, self.burst);
        let client = builder
            .with_layer(&RateLimitLayer::new(burst, window))
            .build();
        client.apiserver_version().await.map_err(connect_error)?;
        Ok(client)
    }
}

/// A fixed window that allows `burst` requests and averages `qps`: the window lasts
/// burst/qps seconds.
fn rate_window(qps: f32, burst: u32) -> (u64, Duration) {
    let burst = u64::from(burst.max(1));
    let qps = if qps.is_finite() && qps > 0.0 {
        f64::from(qps)
    } else {
        50.0
    };
    (burst, Duration::from_secs_f64(burst as f64 / qps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_window_averages_qps() {
        assert_eq!(rate_window(50.0, 300), (300, Duration::from_secs(6)));
        assert_eq!(rate_window(0.0, 0), (1, Duration::from_millis(20)));
    }
}
