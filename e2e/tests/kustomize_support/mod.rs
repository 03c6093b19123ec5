//! Helpers of the kustomize-controller scenarios: the in-process controller, a fake
//! source (a GitRepository whose status.artifact the test writes, served from a local
//! artifact server), and waiting on Kustomization conditions.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use flux_api::kustomize::Kustomization;
use flux_api::source::GitRepository;
use flux_artifact::storage::Storage;
use flux_testkit::{ControlPlane, test_namespace};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use sha2::Digest;

pub struct Harness {
    pub storage: Storage,
}

/// Starts the artifact server and kustomize-controller once per test binary, on their own
/// thread and runtime. `extra` flags are added to the controller's command line.
pub fn start_controllers(extra: &[&str]) -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let cp = ControlPlane::shared();
        let root: PathBuf = tempfile::Builder::new()
            .prefix("flux-kustomize-e2e-")
            .tempdir()
            .unwrap()
            .keep();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let storage = Storage::new(&root, addr).unwrap();
        let mut args = vec![
            "kustomize-controller".to_string(),
            format!("--kubeconfig={}", cp.kubeconfig_path().display()),
            "--metrics-addr=127.0.0.1:0".into(),
            "--health-addr=127.0.0.1:0".into(),
            "--log-encoding=console".into(),
            "--min-retry-delay=300ms".into(),
            "--max-retry-delay=3s".into(),
            "--requeue-dependency=2s".into(),
            "--concurrent=8".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args = <flux_kustomize_controller::Args as clap::Parser>::parse_from(args);
        std::thread::Builder::new()
            .name("kustomize-controller".into())
            .spawn(move || {
                let rt = tokio::runtime::Runtime::new().unwrap();
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    tokio::spawn(async move {
                        flux_artifact::server::serve(&root, listener, std::future::pending())
                            .await
                            .unwrap();
                    });
                    // Started without `run_controller` so that it can share the process
                    // (and its global logger) with source-controller.
                    let config = kube::Config::from_custom_kubeconfig(
                        cp.kubeconfig(),
                        &kube::config::KubeConfigOptions::default(),
                    )
                    .await
                    .unwrap();
                    let client = kube::Client::try_from(config.clone()).unwrap();
                    let ctx = flux_runtime::ControllerContext {
                        name: flux_kustomize_controller::CONTROLLER_NAME,
                        client,
                        metrics: flux_runtime::metrics::Metrics::default(),
                        shutdown: flux_runtime::shutdown::Shutdown::new(),
                    };
                    if let Err(e) = flux_kustomize_controller::start(
                        ctx,
                        config,
                        args.reconcile,
                        args.kustomize,
                    )
                    .await
                    {
                        eprintln!("kustomize-controller stopped: {e:#}");
                    }
                });
            })
            .unwrap();
        Harness { storage }
    })
}

pub struct Ctx {
    pub client: kube::Client,
    pub ns: String,
    pub ks: Api<Kustomization>,
}

pub async fn setup(prefix: &str) -> Ctx {
    start_controllers(&[]);
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, prefix).await;
    let ks = Api::namespaced(client.clone(), &ns);
    Ctx { client, ns, ks }
}

/// A Git-like revision for a set of files.
pub fn revision_of(files: &[(&str, &str)]) -> String {
    let mut h = sha2::Sha256::new();
    for (path, content) in files {
        h.update(path.as_bytes());
        h.update(content.as_bytes());
    }
    format!("main@sha1:{}", &hex::encode(h.finalize())[..40])
}

impl Ctx {
    /// Publishes `files` as the artifact of GitRepository `name` (created if missing) and
    /// returns the revision.
    pub async fn publish(&self, name: &str, files: &[(&str, &str)]) -> String {
        let harness = start_controllers(&[]);
        let repos: Api<GitRepository> = Api::namespaced(self.client.clone(), &self.ns);
        if repos.get_opt(name).await.unwrap().is_none() {
            let obj: GitRepository = serde_json::from_value(json!({
                "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                "metadata": {"name": name},
                "spec": {"url": "https://example.invalid/fleet.git", "interval": "1h", "ref": {"branch": "main"}}
            }))
            .unwrap();
            repos.create(&PostParams::default(), &obj).await.unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        let revision = revision_of(files);
        let hash = revision.rsplit(':').next().unwrap().to_string();
        let mut artifact = harness
            .storage
            .artifact_for(
                "gitrepository",
                &self.ns,
                name,
                &revision,
                &format!("{hash}.tar.gz"),
            )
            .unwrap();
        harness
            .storage
            .archive(&mut artifact, dir.path(), None)
            .unwrap();
        let status = json!({"status": {
            "artifact": artifact,
            "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded",
                "message": format!("stored artifact for revision '{revision}'"),
                "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}],
            "observedGeneration": 1
        }});
        repos
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
        revision
    }

    /// Creates a Kustomization from `spec` (sourceRef defaults to GitRepository `source`).
    pub async fn kustomization(&self, name: &str, mut spec: Value) -> Kustomization {
        if spec.get("sourceRef").is_none() {
            spec["sourceRef"] = json!({"kind": "GitRepository", "name": "source"});
        }
        if spec.get("prune").is_none() {
            spec["prune"] = json!(true);
        }
        if spec.get("interval").is_none() {
            spec["interval"] = json!("1h");
        }
        let obj: Kustomization = serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name}, "spec": spec
        }))
        .unwrap();
        self.ks.create(&PostParams::default(), &obj).await.unwrap()
    }

    pub async fn request_reconcile(&self, name: &str, token: &str) {
        flux_e2e::wait::request_reconcile(&self.ks, name, token).await
    }

    /// Polls until `pred` holds; the timeout only guards against hangs.
    pub async fn wait(
        &self,
        name: &str,
        what: &str,
        pred: impl Fn(&Kustomization) -> bool,
    ) -> Kustomization {
        flux_e2e::wait::wait_for(&self.ks, name, what, pred).await
    }

    /// Waits for Ready=True at `revision` for the current generation.
    pub async fn ready_at(&self, name: &str, revision: &str) -> Kustomization {
        self.wait(name, &format!("Ready at {revision}"), |o| {
            condition(o, "Ready").is_some_and(|c| c.0 == "True")
                && o.status.as_ref().and_then(|s| s.observed_generation) == o.metadata.generation
                && o.status
                    .as_ref()
                    .and_then(|s| s.last_applied_revision.as_deref())
                    == Some(revision)
        })
        .await
    }

    /// Waits for Ready=False with `reason`.
    pub async fn failing(&self, name: &str, reason: &str) -> Kustomization {
        self.wait(name, &format!("Ready=False/{reason}"), |o| {
            condition(o, "Ready").is_some_and(|c| c.0 == "False" && c.1 == reason)
        })
        .await
    }

    pub async fn config_map(&self, name: &str) -> Option<ConfigMap> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.ns);
        api.get_opt(name).await.unwrap()
    }

    pub async fn apply(&self, obj: Value) {
        let kind = obj["kind"].as_str().unwrap().to_string();
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let gvk = kube::api::GroupVersionKind::gvk(
            obj["apiVersion"]
                .as_str()
                .unwrap()
                .rsplit_once('/')
                .map_or("", |(g, _)| g),
            obj["apiVersion"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap(),
            &kind,
        );
        let (ar, _) = kube::discovery::pinned_kind(&self.client, &gvk)
            .await
            .unwrap();
        let api: Api<kube::api::DynamicObject> =
            Api::namespaced_with(self.client.clone(), &self.ns, &ar);
        api.patch(
            &name,
            &PatchParams::apply("e2e").force(),
            &Patch::Apply(&obj),
        )
        .await
        .unwrap();
    }
}

pub use flux_e2e::wait::condition;

pub fn inventory_ids(obj: &Kustomization) -> Vec<String> {
    obj.status
        .as_ref()
        .and_then(|s| s.inventory.as_ref())
        .map(|i| i.entries.iter().map(|e| e.id.clone()).collect())
        .unwrap_or_default()
}

/// A ConfigMap manifest.
pub fn cm(name: &str, data: &[(&str, &str)], annotations: &[(&str, &str)]) -> String {
    let data: BTreeMap<_, _> = data.iter().cloned().collect();
    let annotations: BTreeMap<_, _> = annotations.iter().cloned().collect();
    let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "annotations": annotations}, "data": data});
    serde_json::to_string(&obj).unwrap()
}
