//! `flux-rs create ...`: generate a Flux object from flags, then print it (`--export`) or
//! apply it and wait for its first reconciliation.

pub mod helmrelease;
pub mod image;
pub mod kustomization;
pub mod notification;
pub mod secret;
pub mod source;

use clap::{Args, Subcommand};
use kube::api::{Patch, PatchParams, ValidationDirective};
use serde_json::{Map, Value, json};

use super::{target, wait};
use crate::apply::FIELD_MANAGER;
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::kinds::{FluxKind, KUSTOMIZATION};
use crate::{output, yaml};

/// Flags of `flux-rs create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// What to create.
    #[command(subcommand)]
    pub command: CreateCommand,
    /// Flags shared by every create command.
    #[command(flatten)]
    pub common: Common,
}

/// Flags shared by every `create` command.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Print the object as YAML instead of applying it.
    #[arg(long, global = true)]
    pub export: bool,
    /// How often the object is reconciled (a Go duration).
    #[arg(long, global = true, default_value = "1m")]
    pub interval: String,
    /// Labels to set, as `key=value` (repeatable, or comma-separated).
    #[arg(long = "label", global = true, value_delimiter = ',')]
    pub labels: Vec<String>,
    /// Apply without waiting for the first reconciliation (flux-rs addition).
    #[arg(long, global = true)]
    pub no_wait: bool,
}

/// The objects `create` can make.
#[derive(Debug, Subcommand)]
pub enum CreateCommand {
    /// Create or update a source.
    #[command(subcommand)]
    Source(source::SourceCommand),
    /// Create or update a Kustomization.
    #[command(visible_alias = "ks")]
    Kustomization(kustomization::KustomizationArgs),
    /// Create or update a HelmRelease.
    #[command(visible_alias = "hr")]
    Helmrelease(helmrelease::HelmReleaseArgs),
    /// Create or update an Alert.
    Alert(notification::AlertArgs),
    /// Create or update an alert Provider.
    #[command(name = "alert-provider")]
    AlertProvider(notification::ProviderArgs),
    /// Create or update a Receiver.
    Receiver(notification::ReceiverArgs),
    /// Create or update image automation objects.
    #[command(subcommand)]
    Image(image::ImageCommand),
}

impl CreateArgs {
    /// Runs `flux-rs create`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let c = &self.common;
        let generated = match self.command {
            CreateCommand::Source(s) => s.build(c, g)?,
            CreateCommand::Kustomization(a) => a.build(c, g)?,
            CreateCommand::Helmrelease(a) => a.build(c, g)?,
            CreateCommand::Alert(a) => a.build(c, g)?,
            CreateCommand::AlertProvider(a) => a.build(c, g)?,
            CreateCommand::Receiver(a) => a.build(c, g)?,
            CreateCommand::Image(i) => i.build(c, g)?,
        };
        finish(generated, c, g).await
    }
}

/// What a create command generated: the object, its kind, and Secrets to apply first.
#[derive(Debug)]
pub struct Generated {
    /// The Flux kind.
    pub kind: FluxKind,
    /// The Flux object.
    pub object: Value,
    /// Secrets holding credentials given on the command line.
    pub secrets: Vec<Value>,
}

fn label_for(kind: &FluxKind) -> String {
    if kind.noun.starts_with("source ") {
        format!("{} source", kind.kind)
    } else {
        kind.kind.to_string()
    }
}

/// Exports or applies a generated object, then waits for it like Flux.
pub async fn finish(generated: Generated, common: &Common, g: &GlobalArgs) -> Result<()> {
    let Generated {
        kind,
        object,
        secrets,
    } = generated;
    let label = label_for(&kind);
    if common.export {
        let mut docs = secrets;
        docs.push(object);
        print!("{}", yaml::export_stream(&docs));
        return Ok(());
    }
    output::generate(&format!("generating {label}"));
    let client = g.client().await?;
    let name = target::name_of(&object).to_string();
    for secret in &secrets {
        let secrets_api: kube::Api<k8s_openapi::api::core::v1::Secret> =
            kube::Api::namespaced(client.clone(), &g.namespace);
        let sname = target::name_of(secret).to_string();
        output::action("applying secret with repository credentials");
        secrets_api
            .patch(
                &sname,
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(secret),
            )
            .await
            .map_err(CliError::kube(format!(
                "applying Secret {}/{sname}",
                g.namespace
            )))?;
        output::success("authentication configured");
    }
    output::action(&format!("applying {label}"));
    apply_flux_object(&client, &kind, &g.namespace, &object).await?;
    output::success(&format!("{label} created"));
    if common.no_wait || !kind.reconcilable {
        return Ok(());
    }
    let obj =
        wait::until_reconciled(&client, &kind, &g.namespace, &name, None, g.timeout()?).await?;
    if kind == KUSTOMIZATION {
        output::success(&format!("Kustomization {name} is ready"));
    }
    wait::print_revision(&kind, &obj);
    Ok(())
}

/// Server-side applies a Flux object with strict field validation (unknown fields are errors).
pub async fn apply_flux_object(
    client: &kube::Client,
    kind: &FluxKind,
    namespace: &str,
    object: &Value,
) -> Result<Value> {
    let name = target::name_of(object).to_string();
    let mut params = PatchParams::apply(FIELD_MANAGER).force();
    params.field_validation = Some(ValidationDirective::Strict);
    let applied = target::api(client, kind, Some(namespace))
        .patch(&name, &params, &Patch::Apply(object))
        .await
        .map_err(CliError::kube(format!(
            "applying {} {namespace}/{name}",
            kind.kind
        )))?;
    serde_json::to_value(applied).map_err(|e| CliError::Other(e.into()))
}

/// A Flux object skeleton: apiVersion, kind, metadata (name, namespace, labels) and `spec`.
pub fn object(
    kind: &FluxKind,
    name: &str,
    common: &Common,
    g: &GlobalArgs,
    spec: Value,
) -> Result<Value> {
    validate_name(name)?;
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    meta.insert("namespace".into(), json!(g.namespace));
    let labels = parse_labels(&common.labels)?;
    if !labels.is_empty() {
        meta.insert("labels".into(), Value::Object(labels));
    }
    Ok(json!({
        "apiVersion": kind.api_version(),
        "kind": kind.kind,
        "metadata": meta,
        "spec": spec,
    }))
}

/// Checks a Kubernetes object name (RFC 1123 subdomain, at most 253 characters).
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(usage(format!(
            "invalid name '{name}': must consist of lower case alphanumeric characters, '-' or '.', and start and end with an alphanumeric character"
        )))
    }
}

/// Parses `key=value` labels.
pub fn parse_labels(labels: &[String]) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for l in labels {
        let (k, v) = l
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| usage(format!("invalid label '{l}': expected key=value")))?;
        out.insert(k.to_string(), json!(v));
    }
    Ok(out)
}

/// Parses a Go duration flag and prints it back the way Go does (`1m` → `1m0s`).
pub fn duration(flag: &str, value: &str) -> Result<String> {
    let d = flux_api::meta::parse_duration(value)
        .map_err(|e| usage(format!("invalid --{flag}: {e}")))?;
    Ok(go_duration(d))
}

/// Formats a duration like Go's `time.Duration.String`.
pub fn go_duration(d: std::time::Duration) -> String {
    let total_ns = d.as_nanos();
    if total_ns == 0 {
        return "0s".into();
    }
    if total_ns < 1_000_000_000 {
        let (unit, div) = if total_ns < 1_000 {
            ("ns", 1)
        } else if total_ns < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{}{unit}", trim_fraction(total_ns, div));
    }
    let secs = d.as_secs();
    let (h, m) = (secs / 3600, (secs % 3600) / 60);
    let s = trim_fraction(total_ns % 60_000_000_000, 1_000_000_000);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

fn trim_fraction(value: u128, div: u128) -> String {
    let whole = value / div;
    let frac = value % div;
    if frac == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Parses Flux's `[<kind>/]<name>[.<namespace>]` reference; `default_kind` when no kind is
/// given; `allowed` lists the accepted kinds.
pub fn parse_source_ref(
    flag: &str,
    value: &str,
    default_kind: &str,
    allowed: &[&str],
) -> Result<Value> {
    let (kind, rest) = match value.split_once('/') {
        Some((k, r)) => (k, r),
        None => (default_kind, value),
    };
    let kind = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(kind))
        .ok_or_else(|| {
            usage(format!(
                "invalid --{flag} '{value}': kind must be one of {}",
                allowed.join(", ")
            ))
        })?;
    let (name, namespace) = match rest.split_once('.') {
        Some((n, ns)) => (n, Some(ns)),
        None => (rest, None),
    };
    validate_name(name).map_err(|e| usage(format!("invalid --{flag} '{value}': {e}")))?;
    let mut r = json!({"kind": kind, "name": name});
    if let Some(ns) = namespace {
        r["namespace"] = json!(ns);
    }
    Ok(r)
}

/// Inserts `key: value` into `map` when `value` is `Some` and not empty.
pub fn set(map: &mut Value, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        let v = v.into();
        let empty = v.as_str().is_some_and(str::is_empty);
        if !empty {
            map[key] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(Duration::from_secs(60)), "1m0s");
        assert_eq!(go_duration(Duration::from_secs(30)), "30s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration(Duration::from_secs(5400)), "1h30m0s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn source_refs_parse_kind_name_and_namespace() {
        let r = parse_source_ref("source", "podinfo", "GitRepository", &["GitRepository"]).unwrap();
        assert_eq!(r, json!({"kind": "GitRepository", "name": "podinfo"}));
        let r = parse_source_ref(
            "source",
            "ocirepository/podinfo.apps",
            "GitRepository",
            &["GitRepository", "OCIRepository"],
        )
        .unwrap();
        assert_eq!(
            r,
            json!({"kind": "OCIRepository", "name": "podinfo", "namespace": "apps"})
        );
        assert!(parse_source_ref("source", "Foo/x", "GitRepository", &["GitRepository"]).is_err());
    }

    #[test]
    fn names_are_validated() {
        assert!(validate_name("podinfo-1").is_ok());
        assert!(validate_name("Podinfo").is_err());
        assert!(validate_name("-x").is_err());
    }
}
