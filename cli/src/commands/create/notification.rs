//! `flux-rs create alert|alert-provider|receiver`.

use clap::Args;
use serde_json::{Value, json};

use super::{Common, Generated, object, set};
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::kinds::{self, FluxKind};

/// Parses `<kind>/<name>[.<namespace>]` where the name may be `*`.
fn object_ref(flag: &str, value: &str) -> Result<Value> {
    let bad = || {
        usage(format!(
            "invalid --{flag} '{value}': expected <kind>/<name>[.<namespace>]"
        ))
    };
    let (kind, rest) = value.split_once('/').ok_or_else(bad)?;
    let (name, ns) = match rest.split_once('.') {
        Some((n, ns)) => (n, Some(ns)),
        None => (rest, None),
    };
    let kind = FluxKind::lookup(kind).map(|k| k.kind).ok_or_else(|| {
        usage(format!(
            "invalid --{flag} '{value}': '{kind}' is not a Flux kind"
        ))
    })?;
    if name.is_empty() {
        return Err(bad());
    }
    let mut r = json!({"kind": kind, "name": name});
    if let Some(ns) = ns {
        r["namespace"] = json!(ns);
    }
    Ok(r)
}

/// Flags of `create alert`.
#[derive(Debug, Args)]
pub struct AlertArgs {
    /// The Alert's name.
    pub name: String,
    /// The Provider to send alerts to.
    #[arg(long)]
    pub provider_ref: String,
    /// Objects whose events are sent, as `<kind>/<name>[.<namespace>]` (repeatable).
    #[arg(long, value_delimiter = ',', required = true)]
    pub event_source: Vec<String>,
    /// Minimum severity: info or error.
    #[arg(long)]
    pub event_severity: Option<String>,
}

impl AlertArgs {
    /// Generates the Alert.
    pub fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let sources: Vec<Value> = self
            .event_source
            .iter()
            .map(|s| object_ref("event-source", s))
            .collect::<Result<_>>()?;
        let mut spec = json!({"eventSources": sources});
        if let Some(sev) = &self.event_severity
            && !["info", "error"].contains(&sev.as_str())
        {
            return Err(usage(format!(
                "invalid --event-severity '{sev}': must be info or error"
            )));
        }
        set(&mut spec, "eventSeverity", self.event_severity);
        spec["providerRef"] = json!({"name": self.provider_ref});
        Ok(Generated {
            kind: kinds::ALERT,
            object: object(&kinds::ALERT, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}

/// Flags of `create alert-provider`.
#[derive(Debug, Args)]
pub struct ProviderArgs {
    /// The Provider's name.
    pub name: String,
    /// Provider type, e.g. slack, msteams, github, generic.
    #[arg(long = "type")]
    pub type_: String,
    /// Channel to post to.
    #[arg(long)]
    pub channel: Option<String>,
    /// Bot user name.
    #[arg(long)]
    pub username: Option<String>,
    /// Webhook or API address.
    #[arg(long)]
    pub address: Option<String>,
    /// Secret with the address or token.
    #[arg(long)]
    pub secret_ref: Option<String>,
}

impl ProviderArgs {
    /// Generates the Provider.
    pub fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let mut spec = json!({});
        set(&mut spec, "address", self.address);
        set(&mut spec, "channel", self.channel);
        if let Some(s) = self.secret_ref {
            spec["secretRef"] = json!({"name": s});
        }
        spec["type"] = json!(self.type_);
        set(&mut spec, "username", self.username);
        Ok(Generated {
            kind: kinds::PROVIDER,
            object: object(&kinds::PROVIDER, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}

/// Flags of `create receiver`.
#[derive(Debug, Args)]
pub struct ReceiverArgs {
    /// The Receiver's name.
    pub name: String,
    /// Receiver type, e.g. github, gitlab, generic.
    #[arg(long = "type")]
    pub type_: String,
    /// Secret with the webhook token.
    #[arg(long)]
    pub secret_ref: String,
    /// Events to accept (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub event: Vec<String>,
    /// Objects to reconcile, as `<kind>/<name>[.<namespace>]` (repeatable).
    #[arg(long, value_delimiter = ',', required = true)]
    pub resource: Vec<String>,
}

impl ReceiverArgs {
    /// Generates the Receiver.
    pub fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let resources: Vec<Value> = self
            .resource
            .iter()
            .map(|s| object_ref("resource", s))
            .collect::<Result<_>>()?;
        let mut spec = json!({});
        if !self.event.is_empty() {
            spec["events"] = json!(self.event);
        }
        spec["resources"] = json!(resources);
        spec["secretRef"] = json!({"name": self.secret_ref});
        spec["type"] = json!(self.type_);
        Ok(Generated {
            kind: kinds::RECEIVER,
            object: object(&kinds::RECEIVER, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}
