//! The install manifests: copies of `deploy/` embedded in the binary, rendered with the
//! kustomize engine for the selected components and namespace.

use std::path::Path;

use serde_json::{Value, json};

use crate::error::{CliError, Result, usage};

/// The controllers `install` deploys by default, in Flux's order.
pub const DEFAULT_COMPONENTS: &[&str] = &[
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
];

/// The optional controllers (`--components-extra`).
pub const EXTRA_COMPONENTS: &[&str] =
    &["image-reflector-controller", "image-automation-controller"];

/// The version written into labels and image tags.
pub const VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));

/// `deploy/` files (except the generated CRDs, which come from flux-api).
const FILES: &[(&str, &str)] = &[
    (
        "default/kustomization.yaml",
        include_str!("../../deploy/default/kustomization.yaml"),
    ),
    (
        "default/namespace.yaml",
        include_str!("../../deploy/default/namespace.yaml"),
    ),
    (
        "rbac/controller.yaml",
        include_str!("../../deploy/rbac/controller.yaml"),
    ),
    (
        "rbac/edit.yaml",
        include_str!("../../deploy/rbac/edit.yaml"),
    ),
    (
        "rbac/kustomization.yaml",
        include_str!("../../deploy/rbac/kustomization.yaml"),
    ),
    (
        "rbac/reconciler.yaml",
        include_str!("../../deploy/rbac/reconciler.yaml"),
    ),
    (
        "rbac/view.yaml",
        include_str!("../../deploy/rbac/view.yaml"),
    ),
    (
        "policies/allow-egress.yaml",
        include_str!("../../deploy/policies/allow-egress.yaml"),
    ),
    (
        "policies/allow-scraping.yaml",
        include_str!("../../deploy/policies/allow-scraping.yaml"),
    ),
    (
        "policies/allow-webhooks.yaml",
        include_str!("../../deploy/policies/allow-webhooks.yaml"),
    ),
    (
        "policies/kustomization.yaml",
        include_str!("../../deploy/policies/kustomization.yaml"),
    ),
    (
        "source-controller/deployment.yaml",
        include_str!("../../deploy/source-controller/deployment.yaml"),
    ),
    (
        "source-controller/kustomization.yaml",
        include_str!("../../deploy/source-controller/kustomization.yaml"),
    ),
    (
        "source-controller/service.yaml",
        include_str!("../../deploy/source-controller/service.yaml"),
    ),
    (
        "source-controller/serviceaccount.yaml",
        include_str!("../../deploy/source-controller/serviceaccount.yaml"),
    ),
    (
        "kustomize-controller/deployment.yaml",
        include_str!("../../deploy/kustomize-controller/deployment.yaml"),
    ),
    (
        "kustomize-controller/kustomization.yaml",
        include_str!("../../deploy/kustomize-controller/kustomization.yaml"),
    ),
    (
        "kustomize-controller/serviceaccount.yaml",
        include_str!("../../deploy/kustomize-controller/serviceaccount.yaml"),
    ),
    (
        "helm-controller/deployment.yaml",
        include_str!("../../deploy/helm-controller/deployment.yaml"),
    ),
    (
        "helm-controller/kustomization.yaml",
        include_str!("../../deploy/helm-controller/kustomization.yaml"),
    ),
    (
        "helm-controller/serviceaccount.yaml",
        include_str!("../../deploy/helm-controller/serviceaccount.yaml"),
    ),
    (
        "notification-controller/deployment.yaml",
        include_str!("../../deploy/notification-controller/deployment.yaml"),
    ),
    (
        "notification-controller/kustomization.yaml",
        include_str!("../../deploy/notification-controller/kustomization.yaml"),
    ),
    (
        "notification-controller/service.yaml",
        include_str!("../../deploy/notification-controller/service.yaml"),
    ),
    (
        "notification-controller/serviceaccount.yaml",
        include_str!("../../deploy/notification-controller/serviceaccount.yaml"),
    ),
    (
        "image-reflector-controller/deployment.yaml",
        include_str!("../../deploy/image-reflector-controller/deployment.yaml"),
    ),
    (
        "image-reflector-controller/kustomization.yaml",
        include_str!("../../deploy/image-reflector-controller/kustomization.yaml"),
    ),
    (
        "image-reflector-controller/serviceaccount.yaml",
        include_str!("../../deploy/image-reflector-controller/serviceaccount.yaml"),
    ),
    (
        "image-automation-controller/deployment.yaml",
        include_str!("../../deploy/image-automation-controller/deployment.yaml"),
    ),
    (
        "image-automation-controller/kustomization.yaml",
        include_str!("../../deploy/image-automation-controller/kustomization.yaml"),
    ),
    (
        "image-automation-controller/serviceaccount.yaml",
        include_str!("../../deploy/image-automation-controller/serviceaccount.yaml"),
    ),
];

/// What to render.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Namespace to install into.
    pub namespace: String,
    /// Controllers to deploy.
    pub components: Vec<String>,
    /// Render the NetworkPolicies.
    pub network_policy: bool,
    /// Image registry, e.g. `ghcr.io/flux-rs`.
    pub registry: String,
    /// `--watch-all-namespaces`.
    pub watch_all_namespaces: bool,
    /// `--log-level`.
    pub log_level: String,
    /// Cluster DNS domain.
    pub cluster_domain: String,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            namespace: "flux-system".into(),
            components: DEFAULT_COMPONENTS.iter().map(|s| s.to_string()).collect(),
            network_policy: true,
            registry: "ghcr.io/flux-rs".into(),
            watch_all_namespaces: true,
            log_level: "info".into(),
            cluster_domain: "cluster.local".into(),
        }
    }
}

fn write(root: &Path, rel: &str, text: &str) -> Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Other(anyhow::anyhow!("creating {}: {e}", dir.display())))?;
    }
    std::fs::write(&path, text)
        .map_err(|e| CliError::Other(anyhow::anyhow!("writing {}: {e}", path.display())))
}

/// Renders the install manifests: Namespace, CRDs, RBAC, NetworkPolicies and the selected
/// controllers, in the order they must be applied.
pub fn render(opts: &InstallOptions) -> Result<Vec<Value>> {
    for c in &opts.components {
        if !DEFAULT_COMPONENTS.contains(&c.as_str()) && !EXTRA_COMPONENTS.contains(&c.as_str()) {
            return Err(usage(format!(
                "unknown component '{c}'; valid components: {}, {}",
                DEFAULT_COMPONENTS.join(", "),
                EXTRA_COMPONENTS.join(", ")
            )));
        }
    }
    let dir = tempfile::tempdir()
        .map_err(|e| CliError::Other(anyhow::anyhow!("creating a temporary directory: {e}")))?;
    let root = dir.path();
    for (rel, text) in FILES {
        write(root, rel, text)?;
    }
    let crds = flux_api::crd::all_crd_files();
    for f in &crds {
        let yaml = flux_api::crd::render_crd_yaml(&f.crd)
            .map_err(|e| CliError::Other(anyhow::anyhow!("rendering CRDs: {e}")))?;
        write(root, &format!("crds/{}", f.file_name), &yaml)?;
    }
    write(
        root,
        "crds/kustomization.yaml",
        &flux_api::crd::render_kustomization(&crds),
    )?;

    let mut resources = vec![
        "default/namespace.yaml".to_string(),
        "crds".into(),
        "rbac".into(),
    ];
    if opts.network_policy {
        resources.push("policies".into());
    }
    resources.extend(opts.components.iter().cloned());
    let kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "flux-system",
        "resources": resources,
        "labels": [{"pairs": {
            "app.kubernetes.io/part-of": "flux",
            "app.kubernetes.io/instance": opts.namespace,
            "app.kubernetes.io/version": VERSION,
        }}],
    });
    let text = serde_json::to_string(&kustomization).map_err(|e| CliError::Other(e.into()))?;
    write(root, "kustomization.yaml", &text)?;
    let build_opts = flux_kustomize::BuildOptions {
        load_restrictor: flux_kustomize::LoadRestrictor::RootOnly,
        reorder: flux_kustomize::Reorder::Legacy,
    };
    let mut objects = flux_kustomize::build(root, &build_opts)
        .map_err(|e| CliError::Other(anyhow::anyhow!("rendering the install manifests: {e}")))?;
    for obj in &mut objects {
        customize(obj, opts);
    }
    Ok(objects)
}

/// Applies the namespace, registry and controller flags to one rendered object.
fn customize(obj: &mut Value, opts: &InstallOptions) {
    let ns = opts.namespace.as_str();
    let kind = obj["kind"].as_str().unwrap_or("").to_string();
    if kind == "Namespace" {
        obj["metadata"]["name"] = json!(ns);
    } else if obj["metadata"]["namespace"].is_string() {
        obj["metadata"]["namespace"] = json!(ns);
    }
    if matches!(kind.as_str(), "ClusterRole" | "ClusterRoleBinding") {
        if let Some(name) = obj["metadata"]["name"].as_str()
            && let Some(base) = name.strip_suffix("-flux-system")
        {
            obj["metadata"]["name"] = json!(format!("{base}-{ns}"));
        }
        if let Some(role) = obj["roleRef"]["name"].as_str()
            && let Some(base) = role.strip_suffix("-flux-system")
        {
            obj["roleRef"]["name"] = json!(format!("{base}-{ns}"));
        }
        if let Some(subjects) = obj.get_mut("subjects").and_then(Value::as_array_mut) {
            for s in subjects {
                s["namespace"] = json!(ns);
            }
        }
    }
    if kind == "Deployment"
        && let Some(containers) = obj
            .pointer_mut("/spec/template/spec/containers")
            .and_then(Value::as_array_mut)
    {
        for c in containers {
            if let Some(image) = c["image"].as_str()
                && let Some((_, tail)) = image.rsplit_once('/')
            {
                c["image"] = json!(format!("{}/{tail}", opts.registry.trim_end_matches('/')));
            }
            if let Some(args) = c.get_mut("args").and_then(Value::as_array_mut) {
                for a in args {
                    let Some(s) = a.as_str() else { continue };
                    let replaced = if s.starts_with("--watch-all-namespaces=") {
                        format!("--watch-all-namespaces={}", opts.watch_all_namespaces)
                    } else if s.starts_with("--log-level=") {
                        format!("--log-level={}", opts.log_level)
                    } else {
                        s.replace(
                            ".svc.cluster.local.",
                            &format!(".svc.{}.", opts.cluster_domain),
                        )
                    };
                    *a = json!(replaced);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_default_components_with_namespace_and_rbac_names() {
        let opts = InstallOptions {
            namespace: "gitops".into(),
            ..InstallOptions::default()
        };
        let objs = render(&opts).unwrap();
        let names: Vec<String> = objs
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect();
        assert!(names.contains(&"Namespace/gitops".to_string()), "{names:?}");
        assert!(
            names.contains(&"ClusterRole/crd-controller-gitops".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"ClusterRoleBinding/cluster-reconciler-gitops".to_string()));
        assert!(names.contains(&"Deployment/source-controller".to_string()));
        assert!(!names.contains(&"Deployment/image-reflector-controller".to_string()));
        assert!(names.contains(&"NetworkPolicy/allow-webhooks".to_string()));
        assert_eq!(
            names
                .iter()
                .filter(|n| n.starts_with("CustomResourceDefinition/"))
                .count(),
            14
        );
        let dep = objs.iter().find(|o| o["kind"] == "Deployment").unwrap();
        assert_eq!(dep["metadata"]["namespace"], "gitops");
        assert_eq!(
            dep["metadata"]["labels"]["app.kubernetes.io/instance"],
            "gitops"
        );
    }

    #[test]
    fn unknown_components_are_refused() {
        let opts = InstallOptions {
            components: vec!["nope-controller".into()],
            ..InstallOptions::default()
        };
        let err = render(&opts).unwrap_err().to_string();
        assert!(err.contains("unknown component 'nope-controller'"), "{err}");
    }
}
