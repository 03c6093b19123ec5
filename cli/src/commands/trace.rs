//! `flux-rs trace NAME --kind K --api-version V`: find the Kustomization or HelmRelease that
//! manages an object (from its `kustomize.toolkit.fluxcd.io/*` or `helm.toolkit.fluxcd.io/*`
//! labels, else by searching Kustomization inventories), then its source.

use clap::Args;
use flux_api::constants::{
    HELM_NAME_LABEL, HELM_NAMESPACE_LABEL, KUSTOMIZE_NAME_LABEL, KUSTOMIZE_NAMESPACE_LABEL,
};
use serde_json::{Value, json};

use super::diff::compare::inventory_id;
use super::reconcile::source_of;
use super::target;
use crate::apply::Applier;
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::kinds::{self, FluxKind};

/// Flags of `flux-rs trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The object's name.
    pub name: String,
    /// The object's kind, e.g. Deployment.
    #[arg(long)]
    pub kind: String,
    /// The object's API version, e.g. apps/v1.
    #[arg(long)]
    pub api_version: String,
}

fn field(out: &mut String, key: &str, value: &str) {
    if !value.is_empty() {
        out.push_str(&format!("{:<16}{value}\n", format!("{key}:")));
    }
}

fn status_lines(out: &mut String, obj: &Value) {
    let (ready, message) = target::ready_status(obj);
    let when = obj["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
        .and_then(|c| c["lastTransitionTime"].as_str())
        .unwrap_or("");
    let status = if ready == "True" {
        format!("Last reconciled at {when}")
    } else {
        format!("Reconciliation failed at {when}")
    };
    field(out, "Status", &status);
    field(out, "Message", &message);
}

/// Formats the trace report.
pub fn report(
    obj: &Value,
    manager: Option<(FluxKind, &Value)>,
    source: Option<(FluxKind, &Value)>,
) -> String {
    let mut out = String::new();
    let kind = obj["kind"].as_str().unwrap_or("").to_ascii_lowercase();
    field(
        &mut out,
        "Object",
        &format!("{kind}/{}", target::name_of(obj)),
    );
    field(&mut out, "Namespace", target::namespace_of(obj));
    let Some((mk, m)) = manager else {
        field(&mut out, "Status", "Not managed by Flux");
        return out;
    };
    field(&mut out, "Status", "Managed by Flux");
    out.push_str("---\n");
    field(&mut out, mk.kind, target::name_of(m));
    field(&mut out, "Namespace", target::namespace_of(m));
    field(
        &mut out,
        "Target",
        m["spec"]["targetNamespace"].as_str().unwrap_or(""),
    );
    field(&mut out, "Path", m["spec"]["path"].as_str().unwrap_or(""));
    let revision = m["status"]["lastAppliedRevision"]
        .as_str()
        .or(m["status"]["history"][0]["chartVersion"].as_str())
        .unwrap_or("");
    field(&mut out, "Revision", revision);
    status_lines(&mut out, m);
    if let Some((sk, s)) = source {
        out.push_str("---\n");
        field(&mut out, sk.kind, target::name_of(s));
        field(&mut out, "Namespace", target::namespace_of(s));
        field(&mut out, "URL", s["spec"]["url"].as_str().unwrap_or(""));
        for (label, key) in [("Branch", "branch"), ("Tag", "tag"), ("Semver", "semver")] {
            field(
                &mut out,
                label,
                s["spec"]["ref"][key].as_str().unwrap_or(""),
            );
        }
        field(
            &mut out,
            "Revision",
            s["status"]["artifact"]["revision"].as_str().unwrap_or(""),
        );
        status_lines(&mut out, s);
    }
    out
}

impl TraceArgs {
    /// Runs `flux-rs trace`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let client = g.client().await?;
        let mut applier = Applier::new(client.clone());
        let (_, namespaced) = applier.resolve(&self.api_version, &self.kind).await?;
        let mut stub = json!({"apiVersion": self.api_version, "kind": self.kind, "metadata": {"name": self.name}});
        if namespaced {
            stub["metadata"]["namespace"] = json!(g.namespace);
        }
        let obj = applier.get(&stub).await?.ok_or_else(|| {
            usage(format!(
                "{} '{}' not found in {} namespace",
                self.kind, self.name, g.namespace
            ))
        })?;
        let mut obj = obj;
        obj["apiVersion"] = json!(self.api_version);
        obj["kind"] = json!(self.kind);
        let labels = &obj["metadata"]["labels"];
        let manager = if let (Some(n), Some(ns)) = (
            labels[KUSTOMIZE_NAME_LABEL].as_str(),
            labels[KUSTOMIZE_NAMESPACE_LABEL].as_str(),
        ) {
            Some((
                kinds::KUSTOMIZATION,
                target::get(&client, &kinds::KUSTOMIZATION, ns, n).await?,
            ))
        } else if let (Some(n), Some(ns)) = (
            labels[HELM_NAME_LABEL].as_str(),
            labels[HELM_NAMESPACE_LABEL].as_str(),
        ) {
            Some((
                kinds::HELM_RELEASE,
                target::get(&client, &kinds::HELM_RELEASE, ns, n).await?,
            ))
        } else {
            // No labels: look for the object in every Kustomization's inventory.
            let id = inventory_id(&obj);
            let all = target::list(&client, &kinds::KUSTOMIZATION, None, None, None).await?;
            all.into_iter()
                .find(|k| {
                    k["status"]["inventory"]["entries"]
                        .as_array()
                        .is_some_and(|es| es.iter().any(|e| e["id"] == id.as_str()))
                })
                .map(|k| (kinds::KUSTOMIZATION, k))
        };
        let source = match &manager {
            Some((mk, m)) => match source_of(mk, m) {
                Some((sk, sns, sname)) => target::get(&client, &sk, &sns, &sname)
                    .await
                    .ok()
                    .map(|s| (sk, s)),
                None => None,
            },
            None => None,
        };
        print!(
            "{}",
            report(
                &obj,
                manager.as_ref().map(|(k, v)| (*k, v)),
                source.as_ref().map(|(k, v)| (*k, v))
            )
        );
        Ok(())
    }
}
