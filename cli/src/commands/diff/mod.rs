//! `flux-rs diff kustomization`: build locally, server-side dry-run apply every object as
//! kustomize-controller would, and compare with the cluster. Exit codes as Flux: 0 no
//! differences, 1 differences, 2 error.

pub mod compare;

use clap::Subcommand;

use super::build::kustomization::{BuildArgs, load_kustomization, local_build};
use crate::apply::{Applier, subject};
use crate::context::GlobalArgs;
use crate::error::{CliError, Result};

/// The field manager of kustomize-controller, so the dry run merges like the real apply.
pub const CONTROLLER_MANAGER: &str = "kustomize-controller";

/// `flux-rs diff` subcommands.
#[derive(Debug, Subcommand)]
pub enum DiffCommand {
    /// Diff a Kustomization's local build against the cluster.
    #[command(visible_alias = "ks")]
    Kustomization(BuildArgs),
}

impl DiffCommand {
    /// Runs the subcommand; any failure exits with 2.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let DiffCommand::Kustomization(args) = self;
        match diff(&args, g).await {
            Ok(true) => Err(CliError::DiffFound),
            Ok(false) => Ok(()),
            Err(e) => Err(CliError::DiffFailed(anyhow::anyhow!("{e}"))),
        }
    }
}

/// Prints the differences; returns whether there were any.
async fn diff(args: &BuildArgs, g: &GlobalArgs) -> Result<bool> {
    let ks = load_kustomization(args, g).await?;
    let objects = local_build(&ks, &args.path, args.strict_substitute)?;
    let mut applier = Applier::new(g.client().await?);
    let mut changed = false;
    let mut built_ids = Vec::new();
    for obj in &objects {
        built_ids.push(compare::inventory_id(obj));
        let live = applier.get(obj).await?;
        let Some(live) = live else {
            println!("► {} created", subject(obj));
            changed = true;
            continue;
        };
        let merged = applier.apply_as(obj, true, CONTROLLER_MANAGER).await?;
        let lines = compare::diff(&compare::normalize(&live), &compare::normalize(&merged));
        if !lines.is_empty() {
            println!("► {} drifted", subject(obj));
            for l in lines {
                println!("{l}");
            }
            changed = true;
        }
    }
    // Objects the Kustomization manages that the new build drops would be pruned.
    if ks["spec"]["prune"].as_bool() == Some(true)
        && let Some(entries) = ks["status"]["inventory"]["entries"].as_array()
    {
        for e in entries {
            let id = e["id"].as_str().unwrap_or("");
            if !built_ids.iter().any(|b| b == id)
                && let Some(stale) = compare::parse_inventory_id(id, e["v"].as_str().unwrap_or(""))
            {
                println!("► {} deleted", subject(&stale));
                changed = true;
            }
        }
    }
    Ok(changed)
}
