//! Command lines of the control-plane components (envtest-style, see test-infra.md §5).

use std::path::Path;
use std::process::Command;

use super::files::Pki;

/// Loopback ports chosen for one control plane.
pub(crate) struct Ports {
    pub(crate) etcd_client: u16,
    pub(crate) etcd_peer: u16,
    pub(crate) apiserver: u16,
    pub(crate) kwok: u16,
}

/// Controllers that need a cloud provider; the rest of `*` runs.
const CLOUD_CONTROLLERS: &str =
    "-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller";

pub(crate) fn etcd(bin: &Path, data_dir: &Path, ports: &Ports) -> Command {
    let client = format!("http://127.0.0.1:{}", ports.etcd_client);
    let peer = format!("http://127.0.0.1:{}", ports.etcd_peer);
    let mut cmd = Command::new(bin.join("etcd"));
    cmd.arg("--name=default")
        .arg(format!("--data-dir={}", data_dir.display()))
        .arg(format!("--listen-client-urls={client}"))
        .arg(format!("--advertise-client-urls={client}"))
        .arg(format!("--listen-peer-urls={peer}"))
        .arg(format!("--initial-advertise-peer-urls={peer}"))
        .arg(format!("--initial-cluster=default={peer}"))
        .arg("--unsafe-no-fsync=true")
        .arg("--log-level=warn");
    cmd
}

pub(crate) fn apiserver(bin: &Path, cert_dir: &Path, pki: &Pki, ports: &Ports) -> Command {
    let mut cmd = Command::new(bin.join("kube-apiserver"));
    cmd.arg(format!(
        "--etcd-servers=http://127.0.0.1:{}",
        ports.etcd_client
    ))
    .arg(format!("--cert-dir={}", cert_dir.display()))
    .arg(format!("--tls-cert-file={}", pki.serving_cert.display()))
    .arg(format!(
        "--tls-private-key-file={}",
        pki.serving_key.display()
    ))
    .arg(format!("--client-ca-file={}", pki.client_ca.display()))
    .arg(format!("--secure-port={}", ports.apiserver))
    .arg("--bind-address=127.0.0.1")
    .arg("--service-cluster-ip-range=10.0.0.0/24")
    .arg(format!(
        "--service-account-issuer=https://127.0.0.1:{}",
        ports.apiserver
    ))
    .arg(format!(
        "--service-account-key-file={}",
        pki.sa_pub.display()
    ))
    .arg(format!(
        "--service-account-signing-key-file={}",
        pki.sa_key.display()
    ))
    .arg("--authorization-mode=RBAC")
    .arg("--allow-privileged=true")
    .arg("--profiling=false");
    cmd
}

pub(crate) fn controller_manager(bin: &Path, kubeconfig: &Path, pki: &Pki) -> Command {
    let mut cmd = Command::new(bin.join("kube-controller-manager"));
    cmd.arg(format!("--kubeconfig={}", kubeconfig.display()))
        .arg(format!("--controllers=*,{CLOUD_CONTROLLERS}"))
        .arg("--use-service-account-credentials=false")
        .arg(format!(
            "--service-account-private-key-file={}",
            pki.sa_key.display()
        ))
        .arg(format!("--root-ca-file={}", pki.serving_ca.display()))
        .arg("--leader-elect=false")
        .arg("--secure-port=0")
        .arg("--profiling=false");
    // Its client rate limit (default 20 QPS, burst 30) bounds how fast Deployments roll out;
    // benchmarks may raise it to measure the controllers rather than this limit.
    if let Some(qps) = std::env::var(KCM_QPS_ENV)
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|q| *q > 0)
    {
        cmd.arg(format!("--kube-api-qps={qps}"))
            .arg(format!("--kube-api-burst={}", qps.saturating_mul(2)));
    }
    cmd
}

/// Environment variable setting kube-controller-manager's `--kube-api-qps` (burst twice
/// that); unset, it keeps Kubernetes' default of 20 QPS, burst 30.
pub const KCM_QPS_ENV: &str = "FLUX_RS_KCM_KUBE_API_QPS";

pub(crate) fn scheduler(bin: &Path, kubeconfig: &Path) -> Command {
    let mut cmd = Command::new(bin.join("kube-scheduler"));
    cmd.arg(format!("--kubeconfig={}", kubeconfig.display()))
        .arg("--leader-elect=false")
        .arg("--secure-port=0")
        .arg("--profiling=false");
    cmd
}

pub(crate) fn kwok(
    bin: &Path,
    kubeconfig: &Path,
    stages: &Path,
    home: &Path,
    ports: &Ports,
) -> Command {
    let mut cmd = Command::new(bin.join("kwok"));
    cmd.arg(format!("--kubeconfig={}", kubeconfig.display()))
        .arg(format!("--config={}", stages.display()))
        .arg("--manage-all-nodes=false")
        .arg(format!(
            "--manage-nodes-with-annotation-selector={}",
            super::KWOK_NODE_ANNOTATION_SELECTOR
        ))
        .arg("--cidr=10.244.0.0/16")
        .arg("--node-ip=127.0.0.1")
        .arg(format!("--node-port={}", ports.kwok))
        .arg(format!("--server-address=127.0.0.1:{}", ports.kwok))
        // kwok reads ~/.kwok/kwok.yaml; keep a developer's own configuration out.
        .env("HOME", home)
        .env_remove("KUBECONFIG");
    cmd
}
