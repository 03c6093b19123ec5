//! `flux-rs suspend|resume <noun> [NAME|--all]`: flip `.spec.suspend`; resume also requests a
//! reconciliation and, with `--wait`, waits for it.

use clap::Args;
use flux_api::constants::RECONCILE_REQUEST_ANNOTATION;
use kube::api::{Patch, PatchParams};
use serde_json::json;

use super::reconcile::request_token;
use super::target::{self, Target};
use super::wait;
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::output;

/// Flags of `flux-rs suspend` and `flux-rs resume`.
#[derive(Debug, Args)]
pub struct SuspendArgs {
    /// What to suspend or resume.
    #[command(subcommand)]
    pub target: Target,
    /// Every object of the kind in the namespace.
    #[arg(long, global = true)]
    pub all: bool,
    /// resume: wait for the objects to be reconciled.
    #[arg(long, global = true)]
    pub wait: bool,
}

/// Runs `flux-rs suspend` (`suspend = true`) or `flux-rs resume`.
pub async fn run(args: SuspendArgs, g: &GlobalArgs, suspend: bool) -> Result<()> {
    let verb = if suspend { "suspend" } else { "resume" };
    let (kind, name) = args.target.single(verb)?;
    if !kind.suspendable {
        return Err(usage(format!("{} objects cannot be suspended", kind.kind)));
    }
    let client = g.client().await?;
    let objs = target::select(&client, &kind, &g.namespace, name, args.all, verb).await?;
    let api = target::api(&client, &kind, Some(&g.namespace));
    let noun = kind.noun.rsplit(' ').next().unwrap_or(kind.noun);
    let mut tokens = Vec::new();
    for obj in &objs {
        let name = target::name_of(obj);
        let (doing, done) = if suspend {
            ("suspending", "suspended")
        } else {
            ("resuming", "resumed")
        };
        output::action(&format!(
            "{doing} {noun} {name} in {} namespace",
            g.namespace
        ));
        let patch = if suspend {
            json!({"spec": {"suspend": true}})
        } else {
            let token = request_token();
            tokens.push((name.to_string(), token.clone()));
            json!({
                "metadata": {"annotations": {RECONCILE_REQUEST_ANNOTATION: token}},
                "spec": {"suspend": false}
            })
        };
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(CliError::kube(format!("patching {} {name}", kind.kind)))?;
        output::success(&format!("{noun} {done}"));
    }
    if !suspend && args.wait && kind.reconcilable {
        let timeout = g.timeout()?;
        for (name, token) in &tokens {
            let obj =
                wait::until_reconciled(&client, &kind, &g.namespace, name, Some(token), timeout)
                    .await?;
            wait::print_revision(&kind, &obj);
        }
    }
    Ok(())
}
