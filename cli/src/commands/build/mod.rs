//! `flux-rs build kustomization`: a local build with the controller's engine and transforms.

pub mod kustomization;

use clap::Subcommand;

use crate::context::GlobalArgs;
use crate::error::Result;

/// `flux-rs build` subcommands.
#[derive(Debug, Subcommand)]
pub enum BuildCommand {
    /// Build a Kustomization's path locally and print the objects.
    #[command(visible_alias = "ks")]
    Kustomization(kustomization::BuildArgs),
}

impl BuildCommand {
    /// Runs the subcommand.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let BuildCommand::Kustomization(args) = self;
        args.run(g).await
    }
}
