//! `flux-rs delete <noun> NAME`: delete a Flux object, after a confirmation unless `--silent`.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use kube::api::DeleteParams;

use super::target::{self, Target};
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::output;

/// Flags of `flux-rs delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// What to delete.
    #[command(subcommand)]
    pub target: Target,
    /// Delete without asking for confirmation.
    #[arg(short = 's', long, global = true)]
    pub silent: bool,
}

fn confirm(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(usage(format!(
            "{question}? cannot ask without a terminal; use --silent to delete without confirmation"
        )));
    }
    eprint!("{question} [y/N]: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| usage(format!("reading the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// Runs `flux-rs delete`.
pub async fn run(args: DeleteArgs, g: &GlobalArgs) -> Result<()> {
    let (kind, name) = args.target.single("delete")?;
    let name = name.ok_or_else(|| usage(format!("{} name is required", kind.kind)))?;
    let noun = kind.noun.rsplit(' ').next().unwrap_or(kind.noun);
    let client = g.client().await?;
    // Fail early with Flux's "not found" message.
    target::get(&client, &kind, &g.namespace, name).await?;
    if !args.silent && !confirm(&format!("Are you sure you want to delete this {noun}"))? {
        return Err(usage("aborting"));
    }
    output::action(&format!(
        "deleting {noun} {name} in {} namespace",
        g.namespace
    ));
    target::api(&client, &kind, Some(&g.namespace))
        .delete(name, &DeleteParams::background())
        .await
        .map_err(CliError::kube(format!("deleting {} {name}", kind.kind)))?;
    output::success(&format!("{noun} deleted"));
    Ok(())
}
