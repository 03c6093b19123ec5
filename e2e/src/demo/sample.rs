//! The sample application the demo commits to Git: a Deployment, a Service and a
//! ConfigMap in a base, with staging and production overlays.

/// Files of the first commit, as (path, contents).
pub fn initial_files() -> Vec<(&'static str, String)> {
    vec![
        (
            "apps/podinfo/base/kustomization.yaml",
            BASE_KUSTOMIZATION.to_string(),
        ),
        ("apps/podinfo/base/deployment.yaml", deployment("6.7.0")),
        ("apps/podinfo/base/service.yaml", SERVICE.to_string()),
        (
            "apps/podinfo/base/configmap.yaml",
            configmap("Hello from flux-rs"),
        ),
        (
            "apps/podinfo/staging/kustomization.yaml",
            overlay("staging", 1),
        ),
        ("apps/podinfo/staging/namespace.yaml", namespace("staging")),
        (
            "apps/podinfo/production/namespace.yaml",
            namespace("production"),
        ),
        (
            "apps/podinfo/production/kustomization.yaml",
            overlay("production", 2),
        ),
        ("README.md", "# podinfo, deployed by flux-rs\n".to_string()),
    ]
}

/// The files of the second commit: a new image tag and a new greeting.
pub fn update_files() -> Vec<(&'static str, String)> {
    vec![
        ("apps/podinfo/base/deployment.yaml", deployment("6.7.1")),
        (
            "apps/podinfo/base/configmap.yaml",
            configmap("Hello again, from the second commit"),
        ),
    ]
}

const BASE_KUSTOMIZATION: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - configmap.yaml
labels:
  - pairs:
      app.kubernetes.io/name: podinfo
    includeSelectors: false
";

const SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: podinfo
spec:
  selector:
    app: podinfo
  ports:
    - name: http
      port: 9898
      targetPort: http
";

fn deployment(tag: &str) -> String {
    format!(
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:{tag}
          ports:
            - name: http
              containerPort: 9898
          envFrom:
            - configMapRef:
                name: podinfo-config
"
    )
}

fn configmap(greeting: &str) -> String {
    format!(
        "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-config
data:
  PODINFO_UI_MESSAGE: \"{greeting}\"
"
    )
}

fn namespace(env: &str) -> String {
    format!(
        "\
apiVersion: v1
kind: Namespace
metadata:
  name: podinfo-{env}
"
    )
}

fn overlay(env: &str, replicas: u32) -> String {
    format!(
        "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: podinfo-{env}
resources:
  - namespace.yaml
  - ../base
replicas:
  - name: podinfo
    count: {replicas}
commonAnnotations:
  environment: {env}
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlays_reference_the_base_and_set_their_namespace() {
        let files = initial_files();
        let production = &files
            .iter()
            .find(|(p, _)| p.ends_with("production/kustomization.yaml"))
            .unwrap()
            .1;
        assert!(production.contains("namespace: podinfo-production"));
        assert!(production.contains("../base"));
        assert!(update_files().iter().any(|(_, c)| c.contains("6.7.1")));
    }
}
