//! A real local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
//! and kwok (one fake Node), so that Deployments roll out and Pods report Running.
//!
//! Start order: etcd (`/health`) → kube-apiserver (`/readyz` over TLS with the test CA) →
//! controller manager, scheduler and kwok together → Node `kwok-node-0` → ready when the
//! `default` ServiceAccount exists and the Node is Ready. Every component logs to a file in the
//! control plane's temp directory; a failure names the component and its log.

mod args;
pub use args::KCM_QPS_ENV;
mod files;
mod shared;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Node, ServiceAccount};
use kube::Api;
use kube::api::{Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use tempfile::TempDir;

use crate::TestkitError;
use crate::process::{Supervisor, free_ports};
use crate::testbins::testbins_dir;

/// Name of the fake Node kwok manages.
pub const KWOK_NODE: &str = "kwok-node-0";
/// Annotation selector kwok uses to pick the Nodes it manages.
pub(crate) const KWOK_NODE_ANNOTATION_SELECTOR: &str = "kwok.x-k8s.io/node=fake";
/// Field manager used for objects the testkit applies.
pub const FIELD_MANAGER: &str = "flux-testkit";

/// kwok v0.8 has no built-in stages; these make the Node Ready and Pods Running.
const KWOK_STAGES: &str = include_str!("kwok-stages.yaml");

/// Upper bound for each start-up phase; only guards against hangs, it is not a performance bound.
const READY_TIMEOUT: Duration = Duration::from_secs(300);

/// A running local control plane. Its processes die with it, or with the test process.
pub struct ControlPlane {
    // Declared first so the processes stop before their directories are removed.
    supervisor: Supervisor,
    kubeconfig: Kubeconfig,
    kubeconfig_path: PathBuf,
    server: String,
    startup: Duration,
    _etcd_dir: TempDir,
    dir: TempDir,
}

impl std::fmt::Debug for ControlPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlPlane")
            .field("server", &self.server)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl ControlPlane {
    /// Starts a new control plane, building the binaries first if they are missing.
    ///
    /// A failed start is retried once, on fresh ports and directories: kwok v0.8.0
    /// sometimes dies at start-up with "concurrent map writes" in its CEL setup (a race in
    /// kwok itself, seen in CI). A second failure is returned.
    pub async fn start() -> Result<ControlPlane, TestkitError> {
        let bin = tokio::task::spawn_blocking(testbins_dir)
            .await
            .map_err(|e| TestkitError::Testbins(format!("locating binaries panicked: {e}")))??;
        match Self::start_with(&bin).await {
            Ok(cp) => Ok(cp),
            Err(first) => {
                eprintln!(
                    "flux-testkit: the control plane failed to start, retrying once: {first}"
                );
                Self::start_with(&bin).await
            }
        }
    }

    async fn start_with(bin: &Path) -> Result<ControlPlane, TestkitError> {
        let started = Instant::now();
        let dir = tempfile::Builder::new()
            .prefix("flux-testkit-cp-")
            .tempdir()
            .map_err(TestkitError::io("creating the control plane's temp dir"))?;
        // etcd is the slow part on disk; tmpfs makes it cheap.
        let shm = Path::new("/dev/shm");
        let etcd_parent = if shm.is_dir() { shm } else { dir.path() };
        let etcd_dir = tempfile::Builder::new()
            .prefix("flux-testkit-etcd-")
            .tempdir_in(etcd_parent)
            .map_err(TestkitError::io(format!(
                "creating etcd's data dir in {}",
                etcd_parent.display()
            )))?;
        let mut supervisor =
            Supervisor::new(dir.path().join("pids"), &[dir.path(), etcd_dir.path()])?;
        match boot(bin, dir.path(), etcd_dir.path(), &mut supervisor).await {
            Ok(booted) => Ok(ControlPlane {
                supervisor,
                kubeconfig: booted.kubeconfig,
                kubeconfig_path: booted.kubeconfig_path,
                server: booted.server,
                startup: started.elapsed(),
                _etcd_dir: etcd_dir,
                dir,
            }),
            Err(err) => {
                supervisor.shutdown();
                // Keep certificates and logs so the log named in the error can be read.
                let _ = dir.keep();
                Err(err)
            }
        }
    }

    /// The control plane shared by every test in this process; see [`shared`](Self::shared).
    pub fn shared() -> &'static ControlPlane {
        shared::shared()
    }

    /// Path of the admin kubeconfig (user in `system:masters`).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// The admin kubeconfig.
    pub fn kubeconfig(&self) -> Kubeconfig {
        self.kubeconfig.clone()
    }

    /// A new admin client. Each `#[tokio::test]` has its own runtime, so clients are not shared.
    ///
    /// # Panics
    /// If the generated kubeconfig cannot be turned into a client (a testkit bug).
    pub async fn client(&self) -> kube::Client {
        match self.try_client().await {
            Ok(c) => c,
            Err(e) => panic!("creating a client for the test control plane: {e}"),
        }
    }

    /// A new admin client, or the error.
    pub async fn try_client(&self) -> Result<kube::Client, TestkitError> {
        make_client(&self.kubeconfig).await
    }

    /// The API server URL, `https://127.0.0.1:<port>`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Directory holding the certificates, kubeconfigs and the component logs (`<name>.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// How long [`start`](Self::start) took from launching etcd to a Ready node (excluding
    /// locating or building the binaries).
    pub fn startup_duration(&self) -> Duration {
        self.startup
    }

    /// An error naming the first component that has exited (e.g. for a long-running cluster).
    pub fn check_alive(&mut self) -> Result<(), TestkitError> {
        self.supervisor.check_alive()
    }

    /// Stops every component now (also done on drop).
    pub fn stop(mut self) {
        self.supervisor.shutdown();
    }
}

/// What [`boot`] produces for the [`ControlPlane`].
struct Booted {
    kubeconfig: Kubeconfig,
    kubeconfig_path: PathBuf,
    server: String,
}

/// Writes the PKI and kubeconfigs into `dir`, starts every component and waits until the
/// control plane runs workloads.
async fn boot(
    bin: &Path,
    dir: &Path,
    etcd_dir: &Path,
    supervisor: &mut Supervisor,
) -> Result<Booted, TestkitError> {
    let pki = files::write_pki(dir)?;
    let ports = match free_ports(4)?.as_slice() {
        &[etcd_client, etcd_peer, apiserver, kwok] => args::Ports {
            etcd_client,
            etcd_peer,
            apiserver,
            kwok,
        },
        _ => {
            return Err(TestkitError::Io {
                context: "allocating loopback ports".into(),
                source: std::io::Error::other("expected four ports"),
            });
        }
    };
    let server = format!("https://127.0.0.1:{}", ports.apiserver);
    let kubeconfig_path = dir.join("admin.kubeconfig");
    let admin_yaml = files::kubeconfig_yaml(&server, &pki.serving_ca_pem, "admin", &pki.admin);
    files::write(&kubeconfig_path, &admin_yaml)?;
    let kcm_kubeconfig = dir.join("controller-manager.kubeconfig");
    files::write(
        &kcm_kubeconfig,
        &files::kubeconfig_yaml(
            &server,
            &pki.serving_ca_pem,
            "system:kube-controller-manager",
            &pki.controller_manager,
        ),
    )?;
    let scheduler_kubeconfig = dir.join("scheduler.kubeconfig");
    files::write(
        &scheduler_kubeconfig,
        &files::kubeconfig_yaml(
            &server,
            &pki.serving_ca_pem,
            "system:kube-scheduler",
            &pki.scheduler,
        ),
    )?;
    let kubeconfig = Kubeconfig::from_yaml(&admin_yaml)
        .map_err(|e| TestkitError::Kubeconfig(format!("parsing the generated kubeconfig: {e}")))?;

    let log = |name: &str| dir.join(format!("{name}.log"));
    supervisor.spawn("etcd", args::etcd(bin, etcd_dir, &ports), log("etcd"))?;
    let plain = http_client(None)?;
    let etcd_health = format!("http://127.0.0.1:{}/health", ports.etcd_client);
    wait_ready(supervisor, "etcd", || async {
        match plain.get(&etcd_health).send().await {
            Ok(r) => r
                .text()
                .await
                .is_ok_and(|t| t.contains("\"health\":\"true\"")),
            Err(_) => false,
        }
    })
    .await?;

    let cert_dir = dir.join("apiserver-certs");
    std::fs::create_dir_all(&cert_dir)
        .map_err(TestkitError::io(format!("creating {}", cert_dir.display())))?;
    supervisor.spawn(
        "kube-apiserver",
        args::apiserver(bin, &cert_dir, &pki, &ports),
        log("kube-apiserver"),
    )?;
    let tls = http_client(Some(&pki.serving_ca_pem))?;
    let readyz = format!("{server}/readyz");
    wait_ready(supervisor, "kube-apiserver", || async {
        match tls.get(&readyz).send().await {
            Ok(r) => r.status().is_success(),
            Err(_) => false,
        }
    })
    .await?;

    supervisor.spawn(
        "kube-controller-manager",
        args::controller_manager(bin, &kcm_kubeconfig, &pki),
        log("kube-controller-manager"),
    )?;
    supervisor.spawn(
        "kube-scheduler",
        args::scheduler(bin, &scheduler_kubeconfig),
        log("kube-scheduler"),
    )?;
    let stages = dir.join("kwok-stages.yaml");
    files::write(&stages, KWOK_STAGES)?;
    supervisor.spawn(
        "kwok",
        args::kwok(bin, &kubeconfig_path, &stages, dir, &ports),
        log("kwok"),
    )?;

    let client = make_client(&kubeconfig).await?;
    create_fake_node(&client).await?;
    let sa: Api<ServiceAccount> = Api::namespaced(client.clone(), "default");
    wait_ready(supervisor, "kube-controller-manager", || async {
        matches!(sa.get_opt("default").await, Ok(Some(_)))
    })
    .await?;
    let nodes: Api<Node> = Api::all(client.clone());
    wait_ready(supervisor, "kwok", || async {
        nodes
            .get_opt(KWOK_NODE)
            .await
            .ok()
            .flatten()
            .is_some_and(|n| node_ready(&n))
    })
    .await?;
    Ok(Booted {
        kubeconfig,
        kubeconfig_path,
        server,
    })
}

async fn make_client(kubeconfig: &Kubeconfig) -> Result<kube::Client, TestkitError> {
    let config =
        kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &KubeConfigOptions::default())
            .await
            .map_err(|e| TestkitError::Kubeconfig(e.to_string()))?;
    kube::Client::try_from(config).map_err(TestkitError::kube("building a client"))
}

fn http_client(ca_pem: Option<&str>) -> Result<reqwest::Client, TestkitError> {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5));
    if let Some(pem) = ca_pem {
        let ca = reqwest::Certificate::from_pem(pem.as_bytes())
            .map_err(|e| TestkitError::Tls(format!("loading the serving CA: {e}")))?;
        builder = builder.tls_certs_only([ca]);
    }
    builder
        .build()
        .map_err(|e| TestkitError::Tls(format!("building a health-check client: {e}")))
}

/// Polls `ready` until it returns true; fails if any process exits or after [`READY_TIMEOUT`],
/// blaming `component`.
async fn wait_ready<F, Fut>(
    supervisor: &mut Supervisor,
    component: &str,
    mut ready: F,
) -> Result<(), TestkitError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        supervisor.check_alive()?;
        if ready().await {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(supervisor.start_error(
                component,
                format!("not ready after {}s", READY_TIMEOUT.as_secs()),
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create_fake_node(client: &kube::Client) -> Result<(), TestkitError> {
    let nodes: Api<Node> = Api::all(client.clone());
    let node: Node = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": KWOK_NODE,
            "annotations": {
                "kwok.x-k8s.io/node": "fake",
                "node.alpha.kubernetes.io/ttl": "0",
            },
            "labels": {
                "kubernetes.io/hostname": KWOK_NODE,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
    }))
    .map_err(|e| TestkitError::Internal(format!("building Node {KWOK_NODE}: {e}")))?;
    let params = PatchParams::apply(FIELD_MANAGER).force();
    nodes
        .patch(KWOK_NODE, &params, &Patch::Apply(&node))
        .await
        .map_err(TestkitError::kube(format!("creating Node {KWOK_NODE}")))?;
    let status = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Node",
        "status": {
            "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
            "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"},
        },
    });
    nodes
        .patch_status(KWOK_NODE, &params, &Patch::Apply(&status))
        .await
        .map_err(TestkitError::kube(format!(
            "setting the capacity of Node {KWOK_NODE}"
        )))?;
    Ok(())
}

fn node_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}
