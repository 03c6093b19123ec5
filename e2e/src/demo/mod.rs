//! The main job: a local control plane with source-controller and kustomize-controller
//! reconciling a sample Git repository, then a new commit rolling out.
//!
//! Steps: start the control plane (CRDs installed); serve a Git repository over HTTP with
//! the sample app; start the controllers; apply a GitRepository and a Kustomization; wait
//! until both are Ready and the Deployment is Available; commit a change and wait until
//! it is applied and rolled out.

mod processes;
mod sample;
mod wait;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use flux_api::kustomize::Kustomization;
use flux_api::source::GitRepository;
use flux_testkit::ControlPlane;
use flux_testkit::git::GitServer;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use processes::Controller;

const NAMESPACE: &str = "flux-system";
const APP: &str = "podinfo";

/// Command line of `demo`.
#[derive(Debug, Parser)]
#[command(
    name = "demo",
    about = "flux-rs reconciling a sample Git repository on a local control plane"
)]
pub struct Cli {
    /// Exit when the demo is done instead of staying in the foreground.
    #[arg(long)]
    exit: bool,
    /// Which overlay the Kustomization applies.
    #[arg(long, default_value = "production", value_parser = ["staging", "production"])]
    overlay: String,
}

/// Runs the demo and maps errors to a readable message and a non-zero exit.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("✗ starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("✗ {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn step(message: &str) {
    println!("► {message}");
}

fn done(message: &str) {
    println!("✔ {message}");
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let bin_dir = std::env::current_exe()?
        .parent()
        .map(PathBuf::from)
        .context("locating the controller binaries next to the demo binary")?;

    step(
        "starting a local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)",
    );
    let started = Instant::now();
    let cp = ControlPlane::start()
        .await
        .context("starting the control plane")?;
    let client = cp.client().await;
    flux_testkit::install_crds(&client, &flux_testkit::repo_root().join("deploy/crds"))
        .await
        .context("installing the CRDs")?;
    done(&format!(
        "control plane ready in {:.1}s; kubeconfig: {}",
        started.elapsed().as_secs_f64(),
        cp.kubeconfig_path().display()
    ));

    step(
        "creating the sample Git repository (Deployment, Service, ConfigMap; staging and production overlays)",
    );
    let git = GitServer::start()
        .await
        .context("starting the Git server")?;
    let repo = git.create_repo(APP).await?;
    let files = sample::initial_files();
    let first = repo
        .commit_files(
            &as_refs(&files),
            "Add podinfo with staging and production overlays",
        )
        .await?;
    done(&format!(
        "pushed commit {} to {}",
        short(&first),
        repo.url()
    ));

    step("starting source-controller and kustomize-controller");
    // Outside the control plane's directory, so the logs survive the demo.
    let work = std::env::temp_dir().join("flux-rs-demo");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let storage_port = processes::free_port()?;
    let mut controllers = vec![
        Controller::start(
            &bin_dir,
            "source-controller",
            cp.kubeconfig_path(),
            &work,
            &[
                format!("--storage-path={}", work.join("storage").display()),
                format!("--storage-addr=127.0.0.1:{storage_port}"),
                format!("--storage-adv-addr=127.0.0.1:{storage_port}"),
            ],
        )?,
        Controller::start(
            &bin_dir,
            "kustomize-controller",
            cp.kubeconfig_path(),
            &work,
            &[],
        )?,
    ];
    for c in &controllers {
        done(&format!("{} running, log: {}", c.name, c.log.display()));
    }

    let kustomization = format!("{APP}-{}", cli.overlay);
    step(&format!(
        "applying GitRepository {NAMESPACE}/{APP} and Kustomization {NAMESPACE}/{kustomization} (path ./apps/podinfo/{})",
        cli.overlay
    ));
    apply_sources(&client, repo.url(), &kustomization, &cli.overlay).await?;

    let sources: Api<GitRepository> = Api::namespaced(client.clone(), NAMESPACE);
    let kustomizations: Api<Kustomization> = Api::namespaced(client.clone(), NAMESPACE);
    let target_ns = format!("podinfo-{}", cli.overlay);
    let revision = format!("main@sha1:{first}");
    wait::rollout(
        &sources,
        &kustomizations,
        &client,
        &mut controllers,
        APP,
        &kustomization,
        &target_ns,
        &revision,
        "6.7.0",
    )
    .await?;

    step("committing a new version: podinfo 6.7.1 and a new greeting");
    let second = repo
        .commit_files(
            &as_refs(&sample::update_files()),
            "Upgrade podinfo to 6.7.1",
        )
        .await?;
    done(&format!("pushed commit {}", short(&second)));
    step("asking source-controller to fetch now (what a webhook receiver does)");
    request_reconcile(&sources, APP).await?;
    let revision = format!("main@sha1:{second}");
    wait::rollout(
        &sources,
        &kustomizations,
        &client,
        &mut controllers,
        APP,
        &kustomization,
        &target_ns,
        &revision,
        "6.7.1",
    )
    .await?;

    println!();
    done("the cluster matches Git: the new commit rolled out");
    println!(
        "  kubectl --kubeconfig {} get gitrepositories,kustomizations -A",
        cp.kubeconfig_path().display()
    );
    if cli.exit {
        return Ok(());
    }
    println!("  Press Ctrl-C to stop everything.");
    tokio::signal::ctrl_c().await?;
    drop(controllers);
    Ok(())
}

fn as_refs<'a>(files: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    files.iter().map(|(p, c)| (*p, c.as_str())).collect()
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

async fn apply_sources(
    client: &kube::Client,
    url: &str,
    kustomization: &str,
    overlay: &str,
) -> anyhow::Result<()> {
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    let params = PatchParams::apply("flux-rs-demo").force();
    namespaces
        .patch(
            NAMESPACE,
            &params,
            &Patch::Apply(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}),
            ),
        )
        .await
        .context("creating namespace flux-system")?;
    let sources: Api<GitRepository> = Api::namespaced(client.clone(), NAMESPACE);
    let source = json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": APP, "namespace": NAMESPACE},
        "spec": {"url": url, "interval": "1m", "ref": {"branch": "main"}}
    });
    sources
        .patch(APP, &params, &Patch::Apply(source))
        .await
        .context("applying the GitRepository")?;
    let kustomizations: Api<Kustomization> = Api::namespaced(client.clone(), NAMESPACE);
    let ks = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": kustomization, "namespace": NAMESPACE},
        "spec": {
            "interval": "5m", "path": format!("./apps/podinfo/{overlay}"), "prune": true, "wait": true,
            "timeout": "3m", "sourceRef": {"kind": "GitRepository", "name": APP}
        }
    });
    kustomizations
        .patch(kustomization, &params, &Patch::Apply(ks))
        .await
        .context("applying the Kustomization")?;
    Ok(())
}

async fn request_reconcile(sources: &Api<GitRepository>, name: &str) -> anyhow::Result<()> {
    let token = k8s_openapi::jiff::Timestamp::now().to_string();
    let patch = json!({"metadata": {"annotations": {flux_api::constants::RECONCILE_REQUEST_ANNOTATION: token}}});
    sources
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// How long each wait may take before the demo gives up and points at the logs.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(180);
