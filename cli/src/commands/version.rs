//! `flux-rs version`: the client version and, unless `--client`, the controllers' images.

use clap::Args;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::ListParams;

use crate::context::GlobalArgs;
use crate::error::{CliError, Result};

/// Flags of `flux-rs version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Print only the client version (no cluster lookup).
    #[arg(long)]
    pub client: bool,
}

impl VersionArgs {
    /// Prints the versions.
    pub async fn run(&self, g: &GlobalArgs) -> Result<()> {
        println!("flux-rs: v{}", env!("CARGO_PKG_VERSION"));
        if self.client {
            return Ok(());
        }
        let client = g.client().await?;
        let api: Api<Deployment> = Api::namespaced(client, &g.namespace);
        let list = api
            .list(&ListParams::default().labels("app.kubernetes.io/part-of=flux"))
            .await
            .map_err(CliError::kube(format!(
                "listing Flux Deployments in {}",
                g.namespace
            )))?;
        for d in list.items {
            let name = d.metadata.name.clone().unwrap_or_default();
            let image = d
                .spec
                .and_then(|s| s.template.spec)
                .and_then(|s| s.containers.into_iter().next())
                .and_then(|c| c.image)
                .unwrap_or_default();
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or(&image);
            println!("{name}: {tag}");
        }
        Ok(())
    }
}
