//! Helpers for tests against a control plane: CRD installation and per-test namespaces.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::Value;

use crate::TestkitError;
use crate::controlplane::FIELD_MANAGER;

/// How long a CRD may take to become Established; a hang guard only.
const ESTABLISH_TIMEOUT: Duration = Duration::from_secs(60);

/// Server-side applies every CustomResourceDefinition in the `*.yaml`/`*.yml` files of `dir`
/// (multi-document files allowed; documents of other kinds, such as a `kustomization.yaml`,
/// are skipped) and waits until each is Established. Fails if `dir` holds no CRD at all.
pub async fn install_crds(client: &kube::Client, dir: &Path) -> Result<(), TestkitError> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let mut applied: Vec<(PathBuf, String)> = Vec::new();
    for file in yaml_files(dir)? {
        for doc in read_documents(&file)? {
            let manifest_err = |message: String| TestkitError::Manifest {
                file: file.clone(),
                message,
            };
            // Other documents (deploy/crds/kustomization.yaml) are not for the API server.
            if doc.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
                continue;
            }
            let name = doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .ok_or_else(|| manifest_err("CRD without metadata.name".into()))?
                .to_owned();
            api.patch(&name, &params, &Patch::Apply(&doc))
                .await
                .map_err(|e| manifest_err(format!("applying CRD {name}: {e}")))?;
            applied.push((file.clone(), name));
        }
    }
    if applied.is_empty() {
        return Err(TestkitError::Manifest {
            file: dir.to_owned(),
            message: "no CustomResourceDefinition found".into(),
        });
    }
    let deadline = Instant::now() + ESTABLISH_TIMEOUT;
    for (file, name) in applied {
        loop {
            let crd = api
                .get(&name)
                .await
                .map_err(TestkitError::kube(format!("reading CRD {name}")))?;
            if crd_established(&crd) {
                break;
            }
            if Instant::now() >= deadline {
                return Err(TestkitError::Manifest {
                    file,
                    message: format!(
                        "CRD {name} not Established after {}s; conditions: {}",
                        ESTABLISH_TIMEOUT.as_secs(),
                        serde_json::to_string(&crd.status).unwrap_or_default()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// Whether the CRD has condition `Established=True`.
pub fn crd_established(crd: &CustomResourceDefinition) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        })
}

/// The `*.yaml`/`*.yml` files directly in `dir`, sorted by name.
pub fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, TestkitError> {
    let entries =
        std::fs::read_dir(dir).map_err(TestkitError::io(format!("listing {}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(TestkitError::io(format!("listing {}", dir.display())))?
            .path();
        if path.is_file() && path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The non-empty YAML documents of `file` as JSON values.
pub fn read_documents(file: &Path) -> Result<Vec<Value>, TestkitError> {
    let text = std::fs::read_to_string(file)
        .map_err(TestkitError::io(format!("reading {}", file.display())))?;
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(&text).map_err(|e| TestkitError::Manifest {
            file: file.to_owned(),
            message: format!("invalid YAML: {e}"),
        })?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// Creates a namespace named `<prefix>-<random>`, waits for its `default` ServiceAccount (Pods
/// cannot be created before it exists) and returns the name.
///
/// # Panics
/// If the namespace cannot be created; this is test-only code.
pub async fn test_namespace(client: &kube::Client, prefix: &str) -> String {
    match try_test_namespace(client, prefix).await {
        Ok(name) => name,
        Err(e) => panic!("creating a test namespace with prefix {prefix:?}: {e}"),
    }
}

/// [`test_namespace`] returning the error instead of panicking.
pub async fn try_test_namespace(
    client: &kube::Client,
    prefix: &str,
) -> Result<String, TestkitError> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(serde_json::json!({
        "metadata": {
            "generateName": format!("{}-", dns_label_prefix(prefix)),
            "labels": {"app.kubernetes.io/managed-by": FIELD_MANAGER},
        }
    }))
    .map_err(|e| TestkitError::Internal(format!("building a Namespace: {e}")))?;
    let created = namespaces
        .create(&PostParams::default(), &ns)
        .await
        .map_err(TestkitError::kube(format!(
            "creating a namespace {prefix}-*"
        )))?;
    let name = created
        .metadata
        .name
        .ok_or_else(|| TestkitError::Internal("created namespace has no name".into()))?;
    let sas: Api<ServiceAccount> = Api::namespaced(client.clone(), &name);
    let deadline = Instant::now() + ESTABLISH_TIMEOUT;
    while !matches!(sas.get_opt("default").await, Ok(Some(_))) {
        if Instant::now() >= deadline {
            return Err(TestkitError::Timeout {
                what: format!("ServiceAccount default in namespace {name}"),
                secs: ESTABLISH_TIMEOUT.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(name)
}

/// `prefix` made into the start of a DNS-1123 label (lowercase alphanumerics and '-').
fn dns_label_prefix(prefix: &str) -> String {
    let cleaned: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(50)
        .collect();
    let trimmed = cleaned.trim_matches('-');
    if trimmed.is_empty() {
        "test".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::dns_label_prefix;

    #[test]
    fn namespace_prefix_is_a_dns_label() {
        assert_eq!(dns_label_prefix("My_Test"), "my-test");
        assert_eq!(dns_label_prefix("--"), "test");
        assert_eq!(dns_label_prefix(&"a".repeat(80)).len(), 50);
    }
}
