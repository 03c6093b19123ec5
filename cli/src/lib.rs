//! The `flux-rs` command-line interface: Flux's commands and flags, driven by the same
//! engines the controllers use.

pub mod commands;

use clap::{Parser, Subcommand};

/// Command-line interface for flux-rs, a Flux-compatible GitOps toolkit.
#[derive(Debug, Parser)]
#[command(name = "flux-rs", version, about, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the client version.
    Version(commands::version::VersionArgs),
}

impl Cli {
    /// Runs the selected command.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Version(args) => args.run(),
        }
    }
}
