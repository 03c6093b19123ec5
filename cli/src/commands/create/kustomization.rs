//! `flux-rs create kustomization`.

use clap::Args;
use serde_json::json;

use super::{Common, Generated, duration, object, parse_source_ref, set};
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::kinds;

/// Flags of `create kustomization`.
#[derive(Debug, Args)]
pub struct KustomizationArgs {
    /// The Kustomization's name.
    pub name: String,
    /// Source, as `[<kind>/]<name>[.<namespace>]` (GitRepository, OCIRepository, Bucket).
    #[arg(long)]
    pub source: String,
    /// Path to the directory containing a kustomization.yaml or plain manifests.
    #[arg(long, default_value = "./")]
    pub path: String,
    /// Garbage-collect objects removed from the source.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    pub prune: bool,
    /// Wait for every applied object to become ready.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    pub wait: bool,
    /// Workloads to health check, as `<kind>/<name>.<namespace>` (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub health_check: Vec<String>,
    /// Timeout of health checks and apply (a Go duration).
    #[arg(long)]
    pub health_check_timeout: Option<String>,
    /// Kustomizations that must be ready first, as `[<namespace>/]<name>` (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub depends_on: Vec<String>,
    /// ServiceAccount to impersonate.
    #[arg(long)]
    pub service_account: Option<String>,
    /// Namespace to set on every namespaced object.
    #[arg(long)]
    pub target_namespace: Option<String>,
    /// Decryption provider (sops).
    #[arg(long)]
    pub decryption_provider: Option<String>,
    /// Secret with the decryption keys.
    #[arg(long)]
    pub decryption_secret: Option<String>,
    /// Interval between retries after a failure (a Go duration).
    #[arg(long)]
    pub retry_interval: Option<String>,
    /// Secret with a kubeconfig for a remote cluster.
    #[arg(long)]
    pub kubeconfig_secret_ref: Option<String>,
}

/// Parses `[<namespace>/]<name>` dependencies.
pub fn depends_on(values: &[String]) -> Result<Vec<serde_json::Value>> {
    values
        .iter()
        .map(|d| {
            let (ns, name) = match d.split_once('/') {
                Some((ns, n)) => (Some(ns), n),
                None => (None, d.as_str()),
            };
            super::validate_name(name)
                .map_err(|e| usage(format!("invalid --depends-on '{d}': {e}")))?;
            let mut r = json!({"name": name});
            if let Some(ns) = ns {
                r["namespace"] = json!(ns);
            }
            Ok(r)
        })
        .collect()
}

impl KustomizationArgs {
    /// Generates the Kustomization.
    pub fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let source = parse_source_ref(
            "source",
            &self.source,
            "GitRepository",
            &["GitRepository", "OCIRepository", "Bucket"],
        )?;
        let path = if self.path.starts_with("./") || self.path == "." || self.path.starts_with('/')
        {
            self.path.clone()
        } else {
            format!("./{}", self.path)
        };
        if path.split('/').any(|p| p == "..") {
            return Err(usage(format!(
                "invalid --path '{}': '..' is not allowed",
                self.path
            )));
        }
        let mut spec = json!({
            "interval": duration("interval", &c.interval)?,
            "path": path,
            "prune": self.prune,
            "sourceRef": source,
        });
        if !self.depends_on.is_empty() {
            spec["dependsOn"] = json!(depends_on(&self.depends_on)?);
        }
        if !self.health_check.is_empty() {
            let mut checks = Vec::new();
            for h in &self.health_check {
                let bad = || {
                    usage(format!(
                        "invalid --health-check '{h}': expected <kind>/<name>.<namespace>"
                    ))
                };
                let (kind, rest) = h.split_once('/').ok_or_else(bad)?;
                let (name, ns) = rest.split_once('.').ok_or_else(bad)?;
                let api_version = match kind {
                    "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => "apps/v1",
                    "HelmRelease" => "helm.toolkit.fluxcd.io/v2",
                    "Kustomization" => "kustomize.toolkit.fluxcd.io/v1",
                    _ => "v1",
                };
                checks.push(
                    json!({"apiVersion": api_version, "kind": kind, "name": name, "namespace": ns}),
                );
            }
            spec["healthChecks"] = json!(checks);
        }
        if let Some(d) = &self.decryption_provider {
            if d != "sops" {
                return Err(usage(format!(
                    "invalid --decryption-provider '{d}': only 'sops' is supported"
                )));
            }
            let mut dec = json!({"provider": d});
            if let Some(s) = &self.decryption_secret {
                dec["secretRef"] = json!({"name": s});
            }
            spec["decryption"] = dec;
        }
        if let Some(k) = &self.kubeconfig_secret_ref {
            spec["kubeConfig"] = json!({"secretRef": {"name": k}});
        }
        if let Some(r) = &self.retry_interval {
            spec["retryInterval"] = json!(duration("retry-interval", r)?);
        }
        set(&mut spec, "serviceAccountName", self.service_account);
        set(&mut spec, "targetNamespace", self.target_namespace);
        if let Some(t) = &self.health_check_timeout {
            spec["timeout"] = json!(duration("health-check-timeout", t)?);
        }
        if self.wait {
            spec["wait"] = json!(true);
        }
        Ok(Generated {
            kind: kinds::KUSTOMIZATION,
            object: object(&kinds::KUSTOMIZATION, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}
