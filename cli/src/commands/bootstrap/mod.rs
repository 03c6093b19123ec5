//! `flux-rs bootstrap git`: commit the install and sync manifests to a Git repository, install
//! the components, create the auth Secret and the self-managing `flux-system` objects.

pub mod git;
pub mod repo;
pub mod sync;

use clap::Subcommand;

use crate::context::GlobalArgs;
use crate::error::Result;

/// `flux-rs bootstrap` subcommands.
#[derive(Debug, Subcommand)]
pub enum BootstrapCommand {
    /// Bootstrap with any Git server over HTTP(S) or SSH.
    Git(git::BootstrapGitArgs),
}

impl BootstrapCommand {
    /// Runs the subcommand.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let BootstrapCommand::Git(args) = self;
        args.run(g).await
    }
}
