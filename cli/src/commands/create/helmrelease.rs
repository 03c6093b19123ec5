//! `flux-rs create helmrelease`.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use super::kustomization::depends_on;
use super::{Common, Generated, duration, object, parse_source_ref, set};
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::{kinds, yaml};

/// Flags of `create helmrelease`.
#[derive(Debug, Args)]
pub struct HelmReleaseArgs {
    /// The HelmRelease's name.
    pub name: String,
    /// Chart source, as `<kind>/<name>[.<namespace>]` (HelmRepository, GitRepository, Bucket).
    #[arg(long)]
    pub source: Option<String>,
    /// Chart name (repository) or path (Git, Bucket).
    #[arg(long)]
    pub chart: Option<String>,
    /// Chart version semver range (HelmRepository only).
    #[arg(long)]
    pub chart_version: Option<String>,
    /// Chart reference, as `<kind>/<name>[.<namespace>]` (OCIRepository, HelmChart).
    #[arg(long)]
    pub chart_ref: Option<String>,
    /// Helm release name (default: `<target-namespace>-<name>`).
    #[arg(long)]
    pub release_name: Option<String>,
    /// Namespace to install into.
    #[arg(long)]
    pub target_namespace: Option<String>,
    /// Namespace of the Helm storage.
    #[arg(long)]
    pub storage_namespace: Option<String>,
    /// Create the target namespace if missing.
    #[arg(long)]
    pub create_target_namespace: bool,
    /// Local values files, merged in order and inlined (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub values: Vec<PathBuf>,
    /// Values from a ConfigMap or Secret, as `<kind>/<name>` (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub values_from: Vec<String>,
    /// HelmReleases that must be ready first, as `[<namespace>/]<name>` (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub depends_on: Vec<String>,
    /// ServiceAccount to impersonate.
    #[arg(long)]
    pub service_account: Option<String>,
    /// CRD policy on install and upgrade: Skip, Create or CreateReplace.
    #[arg(long)]
    pub crds: Option<String>,
    /// When to rebuild the chart: ChartVersion or Revision.
    #[arg(long)]
    pub reconcile_strategy: Option<String>,
    /// How often the chart is checked for new versions.
    #[arg(long)]
    pub chart_interval: Option<String>,
    /// Secret with a kubeconfig for a remote cluster.
    #[arg(long)]
    pub kubeconfig_secret_ref: Option<String>,
}

/// Deep-merges `src` into `dst` (maps merge, everything else is replaced), as Helm's values do.
pub fn merge_values(dst: &mut Value, src: Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in s {
                merge_values(d.entry(k).or_insert(Value::Null), v);
            }
        }
        (d, s) => *d = s,
    }
}

impl HelmReleaseArgs {
    /// Generates the HelmRelease.
    pub fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let mut spec = json!({});
        match (&self.chart_ref, &self.source, &self.chart) {
            (Some(r), None, None) => {
                spec["chartRef"] =
                    parse_source_ref("chart-ref", r, "", &["OCIRepository", "HelmChart"])?;
            }
            (None, Some(src), Some(chart)) => {
                let source = parse_source_ref(
                    "source",
                    src,
                    "",
                    &["HelmRepository", "GitRepository", "Bucket"],
                )?;
                let mut chart_spec = json!({"chart": chart, "sourceRef": source});
                set(&mut chart_spec, "version", self.chart_version.clone());
                if let Some(i) = &self.chart_interval {
                    chart_spec["interval"] = json!(duration("chart-interval", i)?);
                }
                set(
                    &mut chart_spec,
                    "reconcileStrategy",
                    self.reconcile_strategy.clone(),
                );
                spec["chart"] = json!({"spec": chart_spec});
            }
            _ => {
                return Err(usage(
                    "either --chart-ref, or --source with --chart, is required",
                ));
            }
        }
        if !self.depends_on.is_empty() {
            spec["dependsOn"] = json!(depends_on(&self.depends_on)?);
        }
        if let Some(crds) = &self.crds {
            if !["Skip", "Create", "CreateReplace"].contains(&crds.as_str()) {
                return Err(usage(format!(
                    "invalid --crds '{crds}': must be one of Skip, Create, CreateReplace"
                )));
            }
            spec["install"] = json!({"crds": crds});
            spec["upgrade"] = json!({"crds": crds});
        }
        if self.create_target_namespace {
            let install = spec["install"].as_object().cloned().unwrap_or_default();
            spec["install"] = Value::Object(install);
            spec["install"]["createNamespace"] = json!(true);
        }
        spec["interval"] = json!(duration("interval", &c.interval)?);
        if let Some(k) = &self.kubeconfig_secret_ref {
            spec["kubeConfig"] = json!({"secretRef": {"name": k}});
        }
        set(&mut spec, "releaseName", self.release_name);
        set(&mut spec, "serviceAccountName", self.service_account);
        set(&mut spec, "storageNamespace", self.storage_namespace);
        set(&mut spec, "targetNamespace", self.target_namespace);
        if !self.values.is_empty() {
            let mut values = json!({});
            for file in &self.values {
                for doc in yaml::read_file(file)? {
                    if !doc.is_object() {
                        return Err(usage(format!(
                            "{}: values must be a YAML map",
                            file.display()
                        )));
                    }
                    merge_values(&mut values, doc);
                }
            }
            spec["values"] = values;
        }
        if !self.values_from.is_empty() {
            let mut refs = Vec::new();
            for v in &self.values_from {
                let (kind, name) = v
                    .split_once('/')
                    .filter(|(k, _)| matches!(*k, "ConfigMap" | "Secret"))
                    .ok_or_else(|| usage(format!("invalid --values-from '{v}': expected ConfigMap/<name> or Secret/<name>")))?;
                refs.push(json!({"kind": kind, "name": name}));
            }
            spec["valuesFrom"] = json!(refs);
        }
        Ok(Generated {
            kind: kinds::HELM_RELEASE,
            object: object(&kinds::HELM_RELEASE, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}
