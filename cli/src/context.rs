//! Flags shared by every command and the Kubernetes client built from them.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::error::{CliError, Result, usage};

/// The namespace Flux is installed in unless `-n` says otherwise.
pub const DEFAULT_NAMESPACE: &str = "flux-system";

/// `$FLUX_SYSTEM_NAMESPACE`, else `flux-system`.
pub fn default_namespace() -> String {
    std::env::var("FLUX_SYSTEM_NAMESPACE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}

/// Flags accepted by every command (`--kubeconfig`, `--context`, `-n`, `--timeout`).
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).
    // No clap `env`: an env value would win over the flag given after a subcommand.
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The namespace scope for this operation (default: $FLUX_SYSTEM_NAMESPACE or flux-system).
    #[arg(short = 'n', long, global = true, default_value_t = default_namespace())]
    pub namespace: String,
    /// Timeout for this operation (a Go duration).
    #[arg(long, global = true, default_value = "5m")]
    pub timeout: String,
    /// Whether `-n` was given on the command line (set by [`crate::Cli::parse_args`]).
    #[arg(skip)]
    pub namespace_explicit: bool,
    /// Print generated objects and extra details.
    #[arg(long, global = true)]
    pub verbose: bool,
}

impl GlobalArgs {
    /// The parsed `--timeout`.
    pub fn timeout(&self) -> Result<Duration> {
        flux_api::meta::parse_duration(&self.timeout)
            .map_err(|e| usage(format!("invalid --timeout: {e}")))
    }

    /// A client for the selected kubeconfig and context.
    pub async fn client(&self) -> Result<kube::Client> {
        let options = KubeConfigOptions {
            context: self.context.clone(),
            ..KubeConfigOptions::default()
        };
        let config = match &self.kubeconfig {
            Some(path) if !path.as_os_str().is_empty() => {
                // KUBECONFIG may list several files separated by ':'; merge them like kubectl.
                let mut merged: Option<Kubeconfig> = None;
                for part in std::env::split_paths(path) {
                    let kc = Kubeconfig::read_from(&part).map_err(|e| {
                        usage(format!("reading kubeconfig {}: {e}", part.display()))
                    })?;
                    merged = Some(match merged {
                        None => kc,
                        Some(m) => m.merge(kc).map_err(|e| {
                            usage(format!("merging kubeconfig {}: {e}", part.display()))
                        })?,
                    });
                }
                let kc = merged.ok_or_else(|| usage("--kubeconfig is empty"))?;
                kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| usage(format!("loading kubeconfig {}: {e}", path.display())))?
            }
            _ => kube::Config::from_kubeconfig(&options)
                .await
                .map_err(|e| usage(format!("loading kubeconfig: {e}")))?,
        };
        kube::Client::try_from(config)
            .map_err(|e| CliError::Other(anyhow::anyhow!("creating the Kubernetes client: {e}")))
    }
}
