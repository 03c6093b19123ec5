//! `flux-rs reconcile <noun> NAME`: set `reconcile.fluxcd.io/requestedAt`, then wait for the
//! controller to handle it (`--with-source` reconciles the referenced source first).

use chrono::{SecondsFormat, Utc};
use clap::Args;
use flux_api::constants::RECONCILE_REQUEST_ANNOTATION;
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};

use super::target::{self, Target};
use super::wait;
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::kinds::FluxKind;
use crate::output;

/// Flags of `flux-rs reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// What to reconcile.
    #[command(subcommand)]
    pub target: Target,
    /// Reconcile the object's source first (Kustomization, HelmRelease).
    #[arg(long, global = true)]
    pub with_source: bool,
}

/// Go's RFC3339Nano formatting of now (trailing zeros of the fraction dropped).
pub fn request_token() -> String {
    let s = Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true);
    match s.split_once('.') {
        Some((secs, frac)) => {
            let digits = frac.trim_end_matches('Z').trim_end_matches('0');
            if digits.is_empty() {
                format!("{secs}Z")
            } else {
                format!("{secs}.{digits}Z")
            }
        }
        None => s,
    }
}

/// Annotates `kind/name` with a fresh request token and returns the token.
pub async fn annotate(
    client: &kube::Client,
    kind: &FluxKind,
    namespace: &str,
    name: &str,
) -> Result<String> {
    let token = request_token();
    let patch = json!({"metadata": {"annotations": {RECONCILE_REQUEST_ANNOTATION: token}}});
    target::api(client, kind, Some(namespace))
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(CliError::kube(format!(
            "annotating {} {namespace}/{name}",
            kind.kind
        )))?;
    Ok(token)
}

/// Annotates and waits, printing Flux's messages.
pub async fn reconcile_one(
    client: &kube::Client,
    kind: &FluxKind,
    namespace: &str,
    name: &str,
    timeout: std::time::Duration,
) -> Result<Value> {
    let obj = target::get(client, kind, namespace, name).await?;
    if obj["spec"]["suspend"].as_bool() == Some(true) {
        return Err(usage("resource is suspended"));
    }
    output::action(&format!(
        "annotating {} {name} in {namespace} namespace",
        kind.kind
    ));
    let token = annotate(client, kind, namespace, name).await?;
    output::success(&format!("{} annotated", kind.kind));
    if !kind.reconcilable {
        return Ok(obj);
    }
    let obj = wait::until_reconciled(client, kind, namespace, name, Some(&token), timeout).await?;
    wait::print_revision(kind, &obj);
    Ok(obj)
}

/// The source an applier references: (kind, namespace, name).
pub fn source_of(kind: &FluxKind, obj: &Value) -> Option<(FluxKind, String, String)> {
    let own_ns = target::namespace_of(obj).to_string();
    let r = match kind.kind {
        "Kustomization" => &obj["spec"]["sourceRef"],
        "HelmRelease" => {
            if obj["spec"]["chartRef"].is_object() {
                &obj["spec"]["chartRef"]
            } else {
                &obj["spec"]["chart"]["spec"]["sourceRef"]
            }
        }
        _ => return None,
    };
    let k = FluxKind::lookup(r["kind"].as_str()?)?;
    let ns = r["namespace"].as_str().unwrap_or(&own_ns).to_string();
    Some((k, ns, r["name"].as_str()?.to_string()))
}

/// Runs `flux-rs reconcile`.
pub async fn run(args: ReconcileArgs, g: &GlobalArgs) -> Result<()> {
    let (kind, name) = args.target.single("reconcile")?;
    let name = name.ok_or_else(|| usage(format!("{} name is required", kind.kind)))?;
    let client = g.client().await?;
    let timeout = g.timeout()?;
    if args.with_source {
        let obj = target::get(&client, &kind, &g.namespace, name).await?;
        match source_of(&kind, &obj) {
            Some((sk, sns, sname)) => {
                reconcile_one(&client, &sk, &sns, &sname, timeout).await?;
            }
            _ => {
                return Err(usage(format!(
                    "--with-source is not supported for {}",
                    kind.kind
                )));
            }
        }
    }
    reconcile_one(&client, &kind, &g.namespace, name, timeout).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_rfc3339_utc() {
        let t = request_token();
        assert!(t.ends_with('Z'), "{t}");
        assert!(chrono::DateTime::parse_from_rfc3339(&t).is_ok(), "{t}");
    }
}
