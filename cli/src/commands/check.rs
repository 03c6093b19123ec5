//! `flux-rs check`: prerequisites (`--pre`), or the installed controllers and CRDs.

use clap::Args;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::ListParams;

use super::install::{ComponentArgs, deployment_ready};
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::output;

/// The oldest Kubernetes minor version flux-rs supports.
pub const MIN_KUBERNETES_MINOR: u32 = 32;

/// Flags of `flux-rs check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only check the prerequisites.
    #[arg(long)]
    pub pre: bool,
    /// Components to check.
    #[command(flatten)]
    pub components: ComponentArgs,
}

impl CheckArgs {
    /// Runs `flux-rs check`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let client = g.client().await?;
        output::action("checking prerequisites");
        let version = client
            .apiserver_version()
            .await
            .map_err(CliError::kube("getting the Kubernetes version"))?;
        let minor: u32 = version.minor.trim_end_matches('+').parse().map_err(|_| {
            usage(format!(
                "unexpected Kubernetes minor version '{}'",
                version.minor
            ))
        })?;
        let shown = version.git_version.trim_start_matches('v').to_string();
        if version.major != "1" || minor < MIN_KUBERNETES_MINOR {
            output::failure(&format!("Kubernetes {shown} <1.{MIN_KUBERNETES_MINOR}.0"));
            return Err(usage("prerequisites checks failed"));
        }
        output::success(&format!(
            "Kubernetes {shown} >=1.{MIN_KUBERNETES_MINOR}.0-0"
        ));
        if self.pre {
            output::success("prerequisites checks passed");
            return Ok(());
        }
        let mut ok = true;
        output::action("checking controllers");
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), &g.namespace);
        for c in self.components.all() {
            match deployments
                .get_opt(&c)
                .await
                .map_err(CliError::kube(format!(
                    "getting Deployment {}/{c}",
                    g.namespace
                )))? {
                Some(d) if deployment_ready(&d) => {
                    output::success(&format!("{c}: deployment ready"));
                    let images = d
                        .spec
                        .and_then(|s| s.template.spec)
                        .map(|s| {
                            s.containers
                                .into_iter()
                                .filter_map(|c| c.image)
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    for image in images {
                        output::action(&image);
                    }
                }
                Some(_) => {
                    ok = false;
                    output::failure(&format!("{c}: deployment not ready"));
                }
                None => {
                    ok = false;
                    output::failure(&format!("{c}: deployment not found"));
                }
            }
        }
        output::action("checking crds");
        let crds: Api<CustomResourceDefinition> = Api::all(client);
        let list = crds
            .list(&ListParams::default())
            .await
            .map_err(CliError::kube("listing CRDs"))?;
        let mut found = 0;
        for crd in list
            .items
            .iter()
            .filter(|c| c.spec.group.ends_with(".toolkit.fluxcd.io"))
        {
            found += 1;
            let name = crd.metadata.name.clone().unwrap_or_default();
            let storage = crd
                .spec
                .versions
                .iter()
                .find(|v| v.storage)
                .map(|v| v.name.clone())
                .unwrap_or_default();
            output::success(&format!("{name}/{storage}"));
        }
        if found == 0 {
            ok = false;
            output::failure("no Flux CRDs found");
        }
        if ok {
            output::success("all checks passed");
            Ok(())
        } else {
            Err(usage("check failed"))
        }
    }
}
