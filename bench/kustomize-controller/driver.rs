//! Benchmark driver for kustomize-controller (not a test; see `run.sh` next to it).
//!
//! Mirrors fluxcd/flux-benchmark's Kustomization scenario: one namespace, ServiceAccount
//! `flux` bound to ClusterRole `admin`, N sources and N Kustomizations (interval 60m,
//! retryInterval 2m, prune, wait, timeout 1m, targetNamespace, serviceAccountName flux,
//! postBuild.substitute INDEX/PODS/MCPU), each applying 4 objects. The sources are
//! GitRepositories whose artifact (the same tarball for all) the driver serves itself, so
//! only kustomize-controller is measured. The Service is headless because the test control
//! plane's Service CIDR cannot hold 1000 cluster IPs. Prints a Markdown table row.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common.rs"]
mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use flux_api::kustomize::Kustomization;
use flux_api::source::GitRepository;
use flux_artifact::storage::Storage;
use flux_testkit::{ControlPlane, test_namespace};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

use common::{PODINFO, apiserver_requests, report_requests, usage};

#[derive(Parser)]
struct Cli {
    /// The kustomize-controller binary to measure (a release build).
    #[arg(long)]
    controller: PathBuf,
    /// How many Kustomizations.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// `--concurrent` of the controller.
    #[arg(long, default_value_t = 20)]
    concurrent: usize,
    /// Diagnostic only, not Flux's scenario: Kustomizations without `wait`, so Ready does
    /// not wait for kube-controller-manager to report the Deployments.
    #[arg(long)]
    no_wait: bool,
}

/// kstatus's Current for a Deployment: the controller observed this generation and reports
/// the new ReplicaSet available.
fn deployment_current(d: &Deployment) -> bool {
    let Some(status) = &d.status else {
        return false;
    };
    let condition = |type_: &str, reason: Option<&str>| {
        status.conditions.iter().flatten().any(|c| {
            c.type_ == type_
                && c.status == "True"
                && reason.is_none_or(|r| c.reason.as_deref() == Some(r))
        })
    };
    status.observed_generation >= d.metadata.generation
        && condition("Progressing", Some("NewReplicaSetAvailable"))
        && condition("Available", None)
}

fn ready(o: &Kustomization) -> bool {
    o.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    })
}

#[tokio::main]
async fn main() {
    flux_runtime::bootstrap::install_crypto_provider();
    let cli = Cli::parse();
    let cp = ControlPlane::shared();
    let client = cp.client().await;
    let ns = test_namespace(&client, "kustomize-benchmark").await;

    // The artifact, served by the driver.
    let root = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let storage = Storage::new(root.path(), listener.local_addr().unwrap().to_string()).unwrap();
    let server_root = root.path().to_path_buf();
    tokio::spawn(async move {
        flux_artifact::server::serve(&server_root, listener, std::future::pending())
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("podinfo.yaml"), PODINFO).unwrap();
    let revision = "latest@sha256:0000000000000000000000000000000000000000000000000000000000000001";
    let mut artifact = storage
        .artifact_for("gitrepository", &ns, "podinfo", revision, "podinfo.tar.gz")
        .unwrap();
    storage.archive(&mut artifact, dir.path(), None).unwrap();

    // RBAC as in flux-benchmark: SA `flux` bound to ClusterRole admin.
    let apply = PatchParams::apply("bench").force();
    let sa: Api<k8s_openapi::api::core::v1::ServiceAccount> = Api::namespaced(client.clone(), &ns);
    sa.patch(
        "flux",
        &apply,
        &Patch::Apply(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "flux"}}),
        ),
    )
    .await
    .unwrap();
    let rb: Api<k8s_openapi::api::rbac::v1::RoleBinding> = Api::namespaced(client.clone(), &ns);
    rb.patch(
        "flux",
        &apply,
        &Patch::Apply(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "flux"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "flux", "namespace": ns}]})),
    )
    .await
    .unwrap();

    // N sources, all Ready with the same artifact.
    let sources: Api<GitRepository> = Api::namespaced(client.clone(), &ns);
    for i in 0..cli.count {
        let name = format!("podinfo-{i}");
        let obj: GitRepository = serde_json::from_value(json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name},
            "spec": {"url": "https://example.invalid/podinfo.git", "interval": "60m"}
        }))
        .unwrap();
        sources.create(&PostParams::default(), &obj).await.unwrap();
        let status = json!({"status": {"artifact": artifact, "observedGeneration": 1,
            "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok",
                "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}]}});
        sources
            .patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
    }

    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("controller.log");
    let mut child = Command::new(&cli.controller)
        .args([
            format!("--kubeconfig={}", cp.kubeconfig_path().display()),
            "--metrics-addr=127.0.0.1:0".into(),
            "--health-addr=127.0.0.1:0".into(),
            "--log-level=error".into(),
            format!("--concurrent={}", cli.concurrent),
            "--kube-api-qps=50".into(),
            "--kube-api-burst=300".into(),
        ])
        .env("TMPDIR", work.path())
        // As in a pod; the runtime's event recorder uses it as reportingInstance.
        .env("HOSTNAME", "kustomize-controller-bench")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_hwm, _, idle_cpu) = usage(pid);

    let requests_before = apiserver_requests(&client).await;
    let mut driver_requests = 1.0;
    let kss: Api<Kustomization> = Api::namespaced(client.clone(), &ns);
    let started = Instant::now();
    for i in 0..cli.count {
        let obj: Kustomization = serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": format!("podinfo-{i}")},
            "spec": {"interval": "60m", "retryInterval": "2m", "prune": true, "wait": !cli.no_wait, "timeout": "1m",
                "targetNamespace": ns, "serviceAccountName": "flux",
                "sourceRef": {"kind": "GitRepository", "name": format!("podinfo-{i}")},
                "postBuild": {"substitute": {"INDEX": i.to_string(), "PODS": "0", "MCPU": "100"}}}
        }))
        .unwrap();
        kss.create(&PostParams::default(), &obj).await.unwrap();
        driver_requests += 1.0;
    }
    // Deployments are polled too: kube-controller-manager's deployment controller must
    // report each one Current (kstatus) before its Kustomization can be Ready.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let mut deployments_current_at = None;
    let mut ready_at = None;
    let mut last_progress = Instant::now();
    loop {
        let list = kss.list(&ListParams::default()).await.unwrap();
        let deploys = deployments.list(&ListParams::default()).await.unwrap();
        driver_requests += 2.0;
        let ready_count = list.items.iter().filter(|o| ready(o)).count();
        let current = deploys
            .items
            .iter()
            .filter(|d| deployment_current(d))
            .count();
        if current == cli.count && deployments_current_at.is_none() {
            deployments_current_at = Some(started.elapsed());
        }
        if last_progress.elapsed() >= Duration::from_secs(20) {
            last_progress = Instant::now();
            eprintln!(
                "{:>6.1} s: {ready_count} Kustomizations Ready, {} Deployments applied, {current} Current",
                started.elapsed().as_secs_f64(),
                deploys.items.len()
            );
        }
        if ready_count == cli.count && ready_at.is_none() {
            ready_at = Some(started.elapsed());
        }
        // With --no-wait, go on until kube-controller-manager reports every Deployment.
        if ready_at.is_some() && (!cli.no_wait || deployments_current_at.is_some()) {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "controller exited; log {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let elapsed = ready_at.unwrap_or_else(|| started.elapsed());
    let (hwm, _, cpu) = usage(pid);
    let requests_after = apiserver_requests(&client).await;
    let requests = report_requests(&requests_before, &requests_after) - driver_requests;
    if let Some(at) = deployments_current_at {
        eprintln!(
            "all Deployments Current at {:.1} s, all Kustomizations Ready at {:.1} s",
            at.as_secs_f64(),
            elapsed.as_secs_f64()
        );
    }
    // client-go logs "Waited before sending request: <wait>" (its client-side rate limit)
    // at most every 10 s when a wait exceeds 1 s.
    let kcm_log = cp
        .kubeconfig_path()
        .parent()
        .unwrap()
        .join("kube-controller-manager.log");
    let throttled: Vec<String> = std::fs::read_to_string(&kcm_log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("Waited before sending request") || l.contains("throttling"))
        .map(|l| l.chars().take(200).collect())
        .collect();
    eprintln!(
        "kube-controller-manager client-side throttling log lines: {}",
        throttled.len()
    );
    for line in throttled.iter().rev().take(3) {
        eprintln!("  {line}");
    }
    println!(
        "| {} | {:.1} s | {:.1} MiB (idle {:.1} MiB) | {:.1} s | {:.0} ({:.1} per Kustomization) |",
        cli.count,
        elapsed.as_secs_f64(),
        hwm as f64 / 1024.0,
        idle_hwm as f64 / 1024.0,
        cpu - idle_cpu,
        requests,
        requests / cli.count as f64
    );
    let _ = child.kill();
    let _ = child.wait();
}
