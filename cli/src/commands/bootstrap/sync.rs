//! The files bootstrap writes under `<path>/flux-system/`: `gotk-sync.yaml` (GitRepository and
//! Kustomization `flux-system`) and `kustomization.yaml`.

use serde_json::{Value, json};

/// What the sync manifests point at.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Name of both objects and of the auth Secret.
    pub name: String,
    /// Namespace of both objects.
    pub namespace: String,
    /// Repository URL the cluster pulls from.
    pub url: String,
    /// Branch.
    pub branch: String,
    /// Path of the cluster directory in the repository (no leading `./`).
    pub path: String,
    /// GitRepository interval (Go format).
    pub interval: String,
    /// Secret with the Git credentials, if any.
    pub secret: Option<String>,
}

/// The GitRepository and Kustomization `flux-system`, as Flux generates them.
pub fn sync_objects(o: &SyncOptions) -> Vec<Value> {
    let mut git_spec = json!({
        "interval": o.interval,
        "ref": {"branch": o.branch},
        "url": o.url,
    });
    if let Some(s) = &o.secret {
        git_spec["secretRef"] = json!({"name": s});
    }
    let path = if o.path.is_empty() {
        "./".to_string()
    } else {
        format!(
            "./{}",
            o.path.trim_start_matches("./").trim_end_matches('/')
        )
    };
    vec![
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": o.name, "namespace": o.namespace},
            "spec": git_spec,
        }),
        json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": o.name, "namespace": o.namespace},
            "spec": {
                "interval": "10m0s",
                "path": path,
                "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": o.name},
            },
        }),
    ]
}

/// The `kustomization.yaml` next to the two manifests.
pub const KUSTOMIZATION: &str = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- gotk-components.yaml
- gotk-sync.yaml
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_points_at_the_cluster_path() {
        let objs = sync_objects(&SyncOptions {
            name: "flux-system".into(),
            namespace: "flux-system".into(),
            url: "https://git.example/org/fleet".into(),
            branch: "main".into(),
            path: "clusters/dev/".into(),
            interval: "1m0s".into(),
            secret: Some("flux-system".into()),
        });
        assert_eq!(objs[0]["spec"]["secretRef"]["name"], "flux-system");
        assert_eq!(objs[1]["spec"]["path"], "./clusters/dev");
        assert_eq!(objs[1]["spec"]["interval"], "10m0s");
        assert_eq!(objs[1]["spec"]["prune"], true);
    }
}
