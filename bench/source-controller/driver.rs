//! Benchmark driver for source-controller (not a test; see `run.sh` next to it).
//!
//! 1. Starts the local control plane (flux-testkit: etcd, kube-apiserver, ...) with the
//!    CRDs, and a smart-HTTP Git server with one small repository.
//! 2. Starts the given `source-controller` binary as a child process.
//! 3. Creates `--count` GitRepositories on that one repository and measures the time
//!    until all are Ready, then the controller's peak RSS (`VmHWM`) and CPU seconds.
//! 4. Creates a large repository and compares `git clone --depth 1` (and the same plus
//!    `tar -czf`, the work the controller does) with a GitRepository becoming Ready.
//!
//! With `--scenario oci` it runs fluxcd/flux-benchmark's OCIRepository part instead (see
//! `oci.rs`): `--count` OCIRepositories on one artifact in a local registry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common.rs"]
mod common;
mod oci;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use flux_api::source::GitRepository;
use flux_testkit::git::GitServer;
use flux_testkit::{ControlPlane, test_namespace};
use kube::Api;
use kube::api::{ListParams, PostParams};
use serde_json::json;

use common::usage;

#[derive(Parser)]
struct Cli {
    /// The source-controller binary to measure (a release build).
    #[arg(long)]
    controller: PathBuf,
    /// How many GitRepositories to create on the small repository.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// Files in the large repository.
    #[arg(long, default_value_t = 4000)]
    large_files: usize,
    /// Bytes per file in the large repository.
    #[arg(long, default_value_t = 16384)]
    large_file_size: usize,
    /// `git` (GitRepositories, then the large repository) or `oci` (OCIRepositories).
    #[arg(long, default_value = "git")]
    scenario: String,
    /// `--concurrent` of the controller (default: Flux's 2 for `git`, flux-benchmark's 10
    /// for `oci`).
    #[arg(long)]
    concurrent: Option<usize>,
}

/// Starts the controller under test; its log goes to `<work>/controller.log`.
fn start_controller(
    cli: &Cli,
    cp: &ControlPlane,
    work: &std::path::Path,
    concurrent: usize,
) -> std::process::Child {
    Command::new(&cli.controller)
        .args([
            format!("--kubeconfig={}", cp.kubeconfig_path().display()),
            format!("--storage-path={}", work.join("data").display()),
            "--storage-addr=127.0.0.1:0".into(),
            "--metrics-addr=127.0.0.1:0".into(),
            "--health-addr=127.0.0.1:0".into(),
            "--log-level=error".into(),
            format!("--concurrent={concurrent}"),
            "--kube-api-qps=50".into(),
            "--kube-api-burst=300".into(),
        ])
        // As in a pod; Kubernetes Events need a reporting instance.
        .env("HOSTNAME", "source-controller-bench")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(work.join("controller.log")).unwrap())
        .spawn()
        .unwrap()
}

fn ready(o: &GitRepository) -> bool {
    o.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    })
}

async fn create(api: &Api<GitRepository>, name: &str, url: &str) {
    let obj: GitRepository = serde_json::from_value(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": name},
        "spec": {"url": url, "interval": "10m", "ref": {"branch": "main"}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &obj).await.unwrap();
}

/// Pseudo-random printable content so that compression does not make the repo trivial.
fn content(seed: usize, size: usize) -> String {
    let mut x = (seed as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1);
    let mut s = String::with_capacity(size);
    while s.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(&format!("{x:016x}"));
        if s.len() % 80 < 16 {
            s.push('\n');
        }
    }
    s.truncate(size);
    s
}

#[tokio::main]
async fn main() {
    flux_runtime::bootstrap::install_crypto_provider();
    let cli = Cli::parse();
    let cp = ControlPlane::shared();
    let client = cp.client().await;
    match cli.scenario.as_str() {
        "git" => {}
        "oci" => return oci::run(&cli, cp, &client).await,
        other => panic!("unknown --scenario {other}: git or oci"),
    }
    let ns = test_namespace(&client, "bench").await;
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("small").await.unwrap();
    let files: Vec<(String, String)> = (0..20)
        .map(|i| {
            (
                format!("deploy/app-{i}.yaml"),
                format!("kind: ConfigMap\nindex: {i}\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    repo.commit_files(&refs, "small").await.unwrap();

    let storage = tempfile::tempdir().unwrap();
    let log = storage.path().join("controller.log");
    let mut child = start_controller(&cli, cp, storage.path(), cli.concurrent.unwrap_or(2));
    let pid = child.id();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_hwm, _, _) = usage(pid);

    let api: Api<GitRepository> = Api::namespaced(client.clone(), &ns);
    let started = Instant::now();
    for i in 0..cli.count {
        create(&api, &format!("small-{i}"), repo.url()).await;
    }
    loop {
        let list = api.list(&ListParams::default()).await.unwrap();
        if list.items.iter().filter(|o| ready(o)).count() == cli.count {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "controller exited; log {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all_ready = started.elapsed();
    let (hwm, rss, cpu) = usage(pid);
    println!(
        "| {} GitRepositories on one repository: all Ready | {:.2} s |",
        cli.count,
        all_ready.as_secs_f64()
    );
    println!(
        "| controller peak RSS (VmHWM) after they are Ready | {:.1} MiB (idle before: {:.1} MiB, current RSS {:.1} MiB) |",
        hwm as f64 / 1024.0,
        idle_hwm as f64 / 1024.0,
        rss as f64 / 1024.0
    );
    println!("| controller CPU time (user+sys, start-up included) | {cpu:.2} s |");

    // The large repository.
    let large = server.create_repo("large").await.unwrap();
    let bodies: Vec<(String, String)> = (0..cli.large_files)
        .map(|i| {
            (
                format!("dir-{}/file-{i}.txt", i % 64),
                content(i, cli.large_file_size),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = bodies
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    large.commit_files(&refs, "large").await.unwrap();
    drop(bodies);
    let mb = (cli.large_files * cli.large_file_size) as f64 / (1024.0 * 1024.0);

    let clone_dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let out = Command::new("git")
        .args([
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--branch",
            "main",
            large.url(),
        ])
        .arg(clone_dir.path().join("c"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let git_clone = t.elapsed();

    // What the controller does after fetching: pack the tree (without .git) as tar.gz.
    let t = Instant::now();
    let out = Command::new("tar")
        .args(["--exclude=.git", "-czf"])
        .arg(clone_dir.path().join("large.tar.gz"))
        .arg("-C")
        .arg(clone_dir.path().join("c"))
        .arg(".")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let git_tar = git_clone + t.elapsed();

    let t = Instant::now();
    create(&api, "large", large.url()).await;
    loop {
        if ready(&api.get("large").await.unwrap()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let large_ready = t.elapsed();
    let (hwm_large, _, cpu_large) = usage(pid);
    println!(
        "| large repository ({} files, {mb:.0} MiB): `git clone --depth 1` | {:.2} s |",
        cli.large_files,
        git_clone.as_secs_f64()
    );
    println!(
        "| large repository: `git clone --depth 1` + `tar -czf` of the tree | {:.2} s |",
        git_tar.as_secs_f64()
    );
    println!(
        "| large repository: GitRepository created → Ready (fetch + tar.gz + digest) | {:.2} s |",
        large_ready.as_secs_f64()
    );
    println!(
        "| controller peak RSS after the large repository | {:.1} MiB (CPU total {cpu_large:.2} s) |",
        hwm_large as f64 / 1024.0
    );

    let _ = child.kill();
    let _ = child.wait();
}
