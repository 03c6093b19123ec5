//! `flux-rs uninstall`: remove Flux objects' finalizers, then delete the controllers, RBAC,
//! NetworkPolicies, CRDs and (unless `--keep-namespace`) the namespace.

use clap::Args;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::target;
use crate::apply::{Applier, subject};
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::kinds;
use crate::manifests::{self, InstallOptions};
use crate::output;

/// Flags of `flux-rs uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Keep the namespace after uninstalling.
    #[arg(long)]
    pub keep_namespace: bool,
    /// Only print what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete without asking for confirmation.
    #[arg(short = 's', long)]
    pub silent: bool,
}

impl UninstallArgs {
    /// Runs `flux-rs uninstall`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        if !self.silent && !self.dry_run {
            return Err(usage(
                "uninstall deletes Flux and its custom resource definitions; confirm with --silent",
            ));
        }
        let mut components: Vec<String> = manifests::DEFAULT_COMPONENTS
            .iter()
            .map(|s| s.to_string())
            .collect();
        components.extend(manifests::EXTRA_COMPONENTS.iter().map(|s| s.to_string()));
        let opts = InstallOptions {
            namespace: g.namespace.clone(),
            components,
            ..InstallOptions::default()
        };
        let objects = manifests::render(&opts)?;
        let client = g.client().await?;
        output::action("deleting finalizers from Flux objects");
        for kind in kinds::ALL {
            let objs = match target::list(&client, kind, None, None, None).await {
                Ok(o) => o,
                Err(_) => continue, // CRD already gone
            };
            for obj in objs {
                let (ns, name) = (target::namespace_of(&obj), target::name_of(&obj));
                if self.dry_run {
                    output::success(&format!(
                        "{}/{ns}/{name} finalizers deleted (dry run)",
                        kind.kind
                    ));
                    continue;
                }
                target::api(&client, kind, Some(ns))
                    .patch(
                        name,
                        &PatchParams::default(),
                        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
                    )
                    .await
                    .map_err(CliError::kube(format!(
                        "removing finalizers of {}/{ns}/{name}",
                        kind.kind
                    )))?;
                output::success(&format!("{}/{ns}/{name} finalizers deleted", kind.kind));
            }
        }
        output::action(&format!("deleting components in {} namespace", g.namespace));
        let mut applier = Applier::new(client);
        for obj in objects.iter().rev() {
            if obj["kind"] == "Namespace" && self.keep_namespace {
                continue;
            }
            if self.dry_run {
                output::success(&format!("{} deleted (dry run)", subject(obj)));
            } else if applier.delete(obj).await? {
                output::success(&format!("{} deleted", subject(obj)));
            }
        }
        output::success("uninstall finished");
        Ok(())
    }
}
