//! The `<noun> [name]` grammar shared by get, export, delete, reconcile, suspend and resume:
//! `source git NAME`, `kustomization NAME`, `image policy NAME`, `all`...

use clap::{Args, Subcommand};
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use crate::error::{CliError, Result, usage};
use crate::kinds::{self, FluxKind};

/// An optional object name.
#[derive(Debug, Clone, Args)]
pub struct Named {
    /// The object's name (omit to address every object, where the command allows it).
    pub name: Option<String>,
}

/// Which kind(s) a command addresses.
#[derive(Debug, Clone, Subcommand)]
pub enum Target {
    /// Sources (git, oci, helm, chart, bucket).
    #[command(subcommand, visible_alias = "sources")]
    Source(SourceTarget),
    /// Kustomizations.
    #[command(visible_aliases = ["kustomizations", "ks"])]
    Kustomization(Named),
    /// HelmReleases.
    #[command(visible_aliases = ["helmreleases", "hr"])]
    Helmrelease(Named),
    /// Alerts.
    #[command(visible_alias = "alerts")]
    Alert(Named),
    /// Alert providers.
    #[command(name = "alert-provider", visible_alias = "alert-providers")]
    AlertProvider(Named),
    /// Receivers.
    #[command(visible_alias = "receivers")]
    Receiver(Named),
    /// Image automation objects (repository, policy, update).
    #[command(subcommand, visible_alias = "images")]
    Image(ImageTarget),
    /// Every Flux kind.
    All(Named),
}

/// Source kinds.
#[derive(Debug, Clone, Subcommand)]
pub enum SourceTarget {
    /// GitRepository sources.
    Git(Named),
    /// OCIRepository sources.
    Oci(Named),
    /// HelmRepository sources.
    Helm(Named),
    /// HelmChart sources.
    Chart(Named),
    /// Bucket sources.
    Bucket(Named),
    /// Every source kind.
    All(Named),
}

/// Image automation kinds.
#[derive(Debug, Clone, Subcommand)]
pub enum ImageTarget {
    /// ImageRepositories.
    Repository(Named),
    /// ImagePolicies.
    Policy(Named),
    /// ImageUpdateAutomations.
    Update(Named),
    /// Every image kind.
    All(Named),
}

impl Target {
    /// The kinds addressed and the optional name.
    pub fn resolve(&self) -> (Vec<FluxKind>, Option<&str>) {
        fn one(k: FluxKind, n: &Named) -> (Vec<FluxKind>, Option<&str>) {
            (vec![k], n.name.as_deref())
        }
        match self {
            Target::Source(s) => match s {
                SourceTarget::Git(n) => one(kinds::GIT_REPOSITORY, n),
                SourceTarget::Oci(n) => one(kinds::OCI_REPOSITORY, n),
                SourceTarget::Helm(n) => one(kinds::HELM_REPOSITORY, n),
                SourceTarget::Chart(n) => one(kinds::HELM_CHART, n),
                SourceTarget::Bucket(n) => one(kinds::BUCKET, n),
                SourceTarget::All(n) => (kinds::SOURCES.to_vec(), n.name.as_deref()),
            },
            Target::Kustomization(n) => one(kinds::KUSTOMIZATION, n),
            Target::Helmrelease(n) => one(kinds::HELM_RELEASE, n),
            Target::Alert(n) => one(kinds::ALERT, n),
            Target::AlertProvider(n) => one(kinds::PROVIDER, n),
            Target::Receiver(n) => one(kinds::RECEIVER, n),
            Target::Image(i) => match i {
                ImageTarget::Repository(n) => one(kinds::IMAGE_REPOSITORY, n),
                ImageTarget::Policy(n) => one(kinds::IMAGE_POLICY, n),
                ImageTarget::Update(n) => one(kinds::IMAGE_UPDATE, n),
                ImageTarget::All(n) => (kinds::IMAGES.to_vec(), n.name.as_deref()),
            },
            Target::All(n) => (kinds::ALL.to_vec(), n.name.as_deref()),
        }
    }

    /// The single kind addressed, for commands that do not accept `all`.
    pub fn single(&self, verb: &str) -> Result<(FluxKind, Option<&str>)> {
        let (kinds, name) = self.resolve();
        match kinds.as_slice() {
            [k] => Ok((*k, name)),
            _ => Err(usage(format!(
                "{verb} does not accept 'all'; name one kind"
            ))),
        }
    }
}

/// The dynamic API for `kind` in `namespace` (all namespaces when `None`).
pub fn api(client: &kube::Client, kind: &FluxKind, namespace: Option<&str>) -> Api<DynamicObject> {
    let ar = kind.api_resource();
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// Lists objects of `kind` as JSON values, optionally filtered by name and label selector.
pub async fn list(
    client: &kube::Client,
    kind: &FluxKind,
    namespace: Option<&str>,
    name: Option<&str>,
    label_selector: Option<&str>,
) -> Result<Vec<Value>> {
    let mut params = ListParams::default();
    if let Some(n) = name {
        params = params.fields(&format!("metadata.name={n}"));
    }
    if let Some(l) = label_selector {
        params = params.labels(l);
    }
    let list = api(client, kind, namespace)
        .list(&params)
        .await
        .map_err(CliError::kube(format!("listing {} objects", kind.kind)))?;
    let mut out = Vec::with_capacity(list.items.len());
    for item in list.items {
        let mut v = serde_json::to_value(item).map_err(|e| CliError::Other(e.into()))?;
        // Lists do not carry apiVersion/kind per item.
        v["apiVersion"] = Value::String(kind.api_version());
        v["kind"] = Value::String(kind.kind.to_string());
        out.push(v);
    }
    Ok(out)
}

/// Gets one object, with a Flux-style "not found" error.
pub async fn get(
    client: &kube::Client,
    kind: &FluxKind,
    namespace: &str,
    name: &str,
) -> Result<Value> {
    let obj = api(client, kind, Some(namespace))
        .get_opt(name)
        .await
        .map_err(CliError::kube(format!("getting {} {name}", kind.kind)))?
        .ok_or_else(|| usage(format!("{} '{namespace}/{name}' not found", kind.kind)))?;
    let mut v = serde_json::to_value(obj).map_err(|e| CliError::Other(e.into()))?;
    v["apiVersion"] = Value::String(kind.api_version());
    v["kind"] = Value::String(kind.kind.to_string());
    Ok(v)
}

/// The objects a mutating verb works on: the named one, or every one with `--all`.
pub async fn select(
    client: &kube::Client,
    kind: &FluxKind,
    namespace: &str,
    name: Option<&str>,
    all: bool,
    verb: &str,
) -> Result<Vec<Value>> {
    match (name, all) {
        (Some(n), false) => Ok(vec![get(client, kind, namespace, n).await?]),
        (None, true) => list(client, kind, Some(namespace), None, None).await,
        (Some(_), true) => Err(usage(format!("{verb}: give a name or --all, not both"))),
        (None, false) => Err(usage(format!(
            "{verb}: {} name is required (or --all)",
            kind.kind
        ))),
    }
}

/// `metadata.name` of an object.
pub fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

/// `metadata.namespace` of an object.
pub fn namespace_of(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or("")
}

/// The Ready condition's status and message, as Flux's `statusAndMessage`.
pub fn ready_status(obj: &Value) -> (String, String) {
    let conditions = obj["status"]["conditions"].as_array();
    match conditions.and_then(|cs| cs.iter().find(|c| c["type"] == "Ready")) {
        Some(c) => (
            c["status"].as_str().unwrap_or("Unknown").to_string(),
            c["message"].as_str().unwrap_or("").to_string(),
        ),
        None => ("False".to_string(), "waiting to be reconciled".to_string()),
    }
}
