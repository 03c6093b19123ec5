//! `flux-rs version`.

use clap::Args;

/// Flags of `flux-rs version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Print only the client version (no cluster lookup).
    #[arg(long)]
    pub client: bool,
}

impl VersionArgs {
    /// Prints the version.
    pub fn run(&self) -> anyhow::Result<()> {
        println!("flux-rs: v{}", env!("CARGO_PKG_VERSION"));
        Ok(())
    }
}
