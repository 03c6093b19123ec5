//! `flux-rs completion <shell>`: shell completion scripts from the command definitions.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::Cli;
use crate::error::Result;

/// Flags of `flux-rs completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    pub shell: Shell,
}

impl CompletionArgs {
    /// Prints the completion script.
    pub fn run(self) -> Result<()> {
        let mut cmd = Cli::command();
        clap_complete::generate(self.shell, &mut cmd, "flux-rs", &mut std::io::stdout());
        Ok(())
    }
}
