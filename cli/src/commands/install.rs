//! `flux-rs install`: render the components and apply them (or print them with `--export`),
//! then wait for the controllers' Deployments.

use std::time::{Duration, Instant};

use clap::Args;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use serde_json::Value;

use crate::apply::{Applier, subject};
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::manifests::{self, InstallOptions};
use crate::{output, yaml};

/// Flags shared by `install` and `bootstrap`.
#[derive(Debug, Clone, Args)]
pub struct ComponentArgs {
    /// The toolkit components to install.
    #[arg(long, value_delimiter = ',', default_values_t = manifests::DEFAULT_COMPONENTS.iter().map(|s| s.to_string()))]
    pub components: Vec<String>,
    /// Extra components: image-reflector-controller, image-automation-controller.
    #[arg(long, value_delimiter = ',')]
    pub components_extra: Vec<String>,
    /// Container registry of the controller images.
    #[arg(long, default_value = "ghcr.io/flux-rs")]
    pub registry: String,
    /// Deny ingress from other namespaces with NetworkPolicies.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub network_policy: bool,
    /// Watch objects in every namespace (false: only the install namespace).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub watch_all_namespaces: bool,
    /// The controllers' log level: debug, info or error.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// The cluster DNS domain.
    #[arg(long, default_value = "cluster.local")]
    pub cluster_domain: String,
}

impl ComponentArgs {
    /// The render options for `namespace`.
    pub fn options(&self, namespace: &str) -> Result<InstallOptions> {
        if !["debug", "info", "error", "trace"].contains(&self.log_level.as_str()) {
            return Err(usage(format!(
                "invalid --log-level '{}': must be one of debug, info, error",
                self.log_level
            )));
        }
        let mut components = self.components.clone();
        for extra in &self.components_extra {
            if !manifests::EXTRA_COMPONENTS.contains(&extra.as_str()) {
                return Err(usage(format!(
                    "unknown extra component '{extra}'; valid: {}",
                    manifests::EXTRA_COMPONENTS.join(", ")
                )));
            }
            components.push(extra.clone());
        }
        Ok(InstallOptions {
            namespace: namespace.to_string(),
            components,
            network_policy: self.network_policy,
            registry: self.registry.clone(),
            watch_all_namespaces: self.watch_all_namespaces,
            log_level: self.log_level.clone(),
            cluster_domain: self.cluster_domain.clone(),
        })
    }

    /// Every selected component.
    pub fn all(&self) -> Vec<String> {
        let mut c = self.components.clone();
        c.extend(self.components_extra.iter().cloned());
        c
    }
}

/// Flags of `flux-rs install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Component selection and controller flags.
    #[command(flatten)]
    pub components: ComponentArgs,
    /// Print the manifests instead of applying them.
    #[arg(long)]
    pub export: bool,
}

/// The header Flux writes above exported install manifests.
pub fn export_header(opts: &InstallOptions) -> String {
    format!(
        "---\n# flux-rs version: {}\n# Components: {}\n",
        manifests::VERSION,
        opts.components.join(",")
    )
}

impl InstallArgs {
    /// Runs `flux-rs install`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let opts = self.components.options(&g.namespace)?;
        let objects = manifests::render(&opts)?;
        if self.export {
            print!("{}{}", export_header(&opts), yaml::export_stream(&objects));
            return Ok(());
        }
        output::generate("generating manifests");
        output::success("manifests build completed");
        output::action(&format!(
            "installing components in {} namespace",
            g.namespace
        ));
        let mut applier = Applier::new(g.client().await?);
        apply_all(&mut applier, &objects, false, g.verbose).await?;
        output::success("install completed");
        output::waiting("verifying installation");
        wait_deployments(
            applier.client(),
            &g.namespace,
            &opts.components,
            g.timeout()?,
        )
        .await?;
        output::success("install finished");
        Ok(())
    }
}

/// Applies objects in Flux's stages: CRDs and Namespaces first (waiting for the CRDs to be
/// established), then everything else.
pub async fn apply_all(
    applier: &mut Applier,
    objects: &[Value],
    dry_run: bool,
    verbose: bool,
) -> Result<()> {
    let is_first = |o: &Value| {
        matches!(
            o["kind"].as_str(),
            Some("CustomResourceDefinition" | "Namespace")
        )
    };
    let (first, rest): (Vec<&Value>, Vec<&Value>) = objects.iter().partition(|o| is_first(o));
    for obj in &first {
        applier.apply(obj, dry_run).await?;
        if verbose {
            output::success(&format!("{} applied", subject(obj)));
        }
    }
    if !dry_run {
        let crds: Api<CustomResourceDefinition> = Api::all(applier.client().clone());
        for obj in first
            .iter()
            .filter(|o| o["kind"] == "CustomResourceDefinition")
        {
            let name = obj["metadata"]["name"].as_str().unwrap_or("");
            wait_established(&crds, name).await?;
        }
    }
    for obj in &rest {
        applier.apply(obj, dry_run).await?;
        if verbose {
            output::success(&format!("{} applied", subject(obj)));
        }
    }
    Ok(())
}

async fn wait_established(crds: &Api<CustomResourceDefinition>, name: &str) -> Result<()> {
    let start = Instant::now();
    loop {
        let crd = crds
            .get_opt(name)
            .await
            .map_err(CliError::kube(format!("getting CRD {name}")))?;
        let established = crd
            .and_then(|c| c.status)
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(60) {
            return Err(usage(format!("CRD {name} was not established within 60s")));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Whether a Deployment reports Available=True for its current generation.
pub fn deployment_ready(d: &Deployment) -> bool {
    let generation = d.metadata.generation.unwrap_or(0);
    d.status.as_ref().is_some_and(|s| {
        s.observed_generation.unwrap_or(0) >= generation
            && s.conditions.as_ref().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.type_ == "Available" && c.status == "True")
            })
    })
}

/// Waits for the components' Deployments to be ready, printing one line per component.
pub async fn wait_deployments(
    client: &kube::Client,
    namespace: &str,
    components: &[String],
    timeout: Duration,
) -> Result<()> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let bar = output::spinner("waiting for the controllers");
    let start = Instant::now();
    let mut pending: Vec<&String> = components.iter().collect();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for c in pending {
            let d = api.get_opt(c).await.map_err(CliError::kube(format!(
                "getting Deployment {namespace}/{c}"
            )))?;
            if d.as_ref().is_some_and(deployment_ready) {
                bar.suspend(|| output::success(&format!("{c}: deployment ready")));
            } else {
                still.push(c);
            }
        }
        pending = still;
        if !pending.is_empty() {
            if start.elapsed() >= timeout {
                bar.finish_and_clear();
                for c in &pending {
                    output::failure(&format!("{c}: deployment not ready"));
                }
                return Err(usage("timeout waiting for the controllers to be ready"));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    bar.finish_and_clear();
    Ok(())
}
