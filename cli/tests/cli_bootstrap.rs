//! e2e: `flux-rs bootstrap git` against the local Git server and control plane. Over HTTP, with
//! source-controller and kustomize-controller running in-process, it produces a self-managing
//! flux-system Kustomization that becomes Ready; over SSH it pushes and applies the manifests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{flux, get_json};
use flux_cli::kinds;
use flux_testkit::git::{GitServer, SshGitServer};
use flux_testkit::{ControlPlane, test_namespace};
use k8s_openapi::api::core::v1::Secret;

/// Controller processes, killed when dropped.
struct Controllers(Vec<std::process::Child>);

impl Drop for Controllers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Starts source-controller and kustomize-controller as local processes pointed at the
/// cluster. The binaries come from this test's target directory (`e2e/scripts/test.sh` builds
/// them with `cargo build --workspace --bins` first).
fn start_controllers(log_dir: &Path) -> Controllers {
    let bin_dir = common::binary().parent().unwrap().to_path_buf();
    let kubeconfig = format!(
        "--kubeconfig={}",
        ControlPlane::shared().kubeconfig_path().display()
    );
    let storage = log_dir.join("storage");
    let storage_arg = format!("--storage-path={}", storage.display());
    let common = [
        kubeconfig.as_str(),
        "--metrics-addr=127.0.0.1:0",
        "--health-addr=127.0.0.1:0",
        "--log-encoding=console",
        "--min-retry-delay=300ms",
        "--max-retry-delay=3s",
    ];
    let mut children = Vec::new();
    for (name, extra) in [
        (
            "source-controller",
            vec![storage_arg.as_str(), "--storage-addr=127.0.0.1:0"],
        ),
        ("kustomize-controller", vec!["--requeue-dependency=2s"]),
    ] {
        let bin = bin_dir.join(name);
        assert!(
            bin.is_file(),
            "{} not found: build it first with `cargo build --bins`",
            bin.display()
        );
        let log = std::fs::File::create(log_dir.join(format!("{name}.log"))).unwrap();
        let child = Command::new(&bin)
            .args(common)
            .args(extra)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        children.push(child);
    }
    Controllers(children)
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Checks out the bare repository (through the file system) and returns the work tree.
fn checkout(bare: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(
        dir.path(),
        &[
            "clone",
            "--quiet",
            "--branch",
            "main",
            bare.to_str().unwrap(),
            "work",
        ],
    );
    dir
}

#[tokio::test]
async fn bootstrap_git_over_http_becomes_self_managing_and_ready() {
    let logs = tempfile::Builder::new()
        .prefix("flux-rs-cli-bootstrap-")
        .tempdir()
        .unwrap()
        .keep();
    let _controllers = start_controllers(&logs);
    eprintln!("controller logs in {}", logs.display());
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-bootstrap").await;
    let server = GitServer::builder()
        .basic_auth("flux", "s3cr3t")
        .start()
        .await
        .unwrap();
    let repo = server.create_repo("fleet").await.unwrap();
    repo.commit_files(&[("README.md", "fleet\n")], "initial")
        .await
        .unwrap();

    // Plain HTTP needs an explicit opt-in.
    let err = flux(&["bootstrap", "git", "--url", repo.url(), "-n", &ns])
        .await
        .fails(1)
        .to_string();
    assert!(err.contains("--allow-insecure-http"), "{err}");
    // A wrong password is a clear git error, not a panic.
    let err = flux(&[
        "bootstrap",
        "git",
        "--url",
        repo.url(),
        "--allow-insecure-http",
        "-u",
        "flux",
        "-p",
        "wrong",
        "-n",
        &ns,
    ])
    .await
    .fails(1)
    .to_string();
    assert!(err.contains("git clone failed"), "{err}");

    let components = "--components=source-controller,kustomize-controller";
    let bootstrap = [
        "bootstrap",
        "git",
        "--url",
        repo.url(),
        "--allow-insecure-http",
        "-u",
        "flux",
        "-p",
        "s3cr3t",
        "--path=clusters/dev",
        "--author-email=flux@example.com",
        components,
        "-n",
        &ns,
        "--timeout=5m",
    ];
    let run = flux(&bootstrap).await;
    run.ok();
    let err = &run.stderr;
    for line in [
        "✔ committed component manifests",
        "✔ sync manifests pushed",
        "✔ Kustomization reconciliation completed",
        "✔ all components are healthy",
    ] {
        assert!(err.contains(line), "missing '{line}' in:\n{err}");
    }

    // The repository holds the three files, as Flux writes them.
    let work = checkout(repo.bare_path());
    let root = work.path().join("work/clusters/dev/flux-system");
    let components_yaml = std::fs::read_to_string(root.join("gotk-components.yaml")).unwrap();
    let expected = flux(&["install", "--export", components, "-n", &ns])
        .await
        .ok()
        .to_string();
    assert_eq!(components_yaml, expected);
    let sync = flux_cli::yaml::read_file(&root.join("gotk-sync.yaml")).unwrap();
    assert_eq!(sync[0]["kind"], "GitRepository");
    assert_eq!(sync[0]["spec"]["url"], repo.url());
    assert_eq!(sync[0]["spec"]["ref"]["branch"], "main");
    assert_eq!(sync[0]["spec"]["secretRef"]["name"], "flux-system");
    assert_eq!(sync[1]["kind"], "Kustomization");
    assert_eq!(sync[1]["spec"]["path"], "./clusters/dev");
    assert_eq!(sync[1]["spec"]["prune"], true);
    let kustomization = std::fs::read_to_string(root.join("kustomization.yaml")).unwrap();
    assert!(
        kustomization.contains("- gotk-components.yaml\n- gotk-sync.yaml\n"),
        "{kustomization}"
    );
    let log = git(&work.path().join("work"), &["log", "--format=%an <%ae>|%s"]);
    let subjects: Vec<&str> = log.lines().take(2).collect();
    assert_eq!(
        subjects,
        vec![
            "Flux <flux@example.com>|Add Flux sync manifests",
            "Flux <flux@example.com>|Add Flux v0.1.0 component manifests"
        ],
        "{log}"
    );
    assert!(log.lines().nth(2).unwrap().ends_with("|initial"), "{log}");

    // The cluster: auth Secret, and a self-managing Kustomization that is Ready at HEAD.
    let secrets: kube::Api<Secret> = kube::Api::namespaced(client.clone(), &ns);
    let data = secrets.get("flux-system").await.unwrap().data.unwrap();
    assert_eq!(data["username"].0, b"flux");
    assert_eq!(data["password"].0, b"s3cr3t");
    // The testkit's own work clone does not see our push; read the bare repository.
    let head = git(repo.bare_path(), &["rev-parse", "main"]);
    let ks = get_json(&client, &ns, &kinds::KUSTOMIZATION, "flux-system").await;
    assert_eq!(
        ks["status"]["lastAppliedRevision"],
        format!("main@sha1:{head}")
    );
    let entries = ks["status"]["inventory"]["entries"].as_array().unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    // It manages itself and the controllers.
    assert!(
        ids.contains(
            &format!("{ns}_flux-system_kustomize.toolkit.fluxcd.io_Kustomization").as_str()
        ),
        "{ids:?}"
    );
    assert!(
        ids.contains(&format!("{ns}_source-controller_apps_Deployment").as_str()),
        "{ids:?}"
    );
    let table = flux(&["get", "ks", "flux-system", "-n", &ns])
        .await
        .ok()
        .to_string();
    assert!(table.lines().nth(1).unwrap().contains("\tTrue "), "{table}");

    // With real controllers: reconcile --with-source and create wait for them.
    let run = flux(&[
        "reconcile",
        "ks",
        "flux-system",
        "--with-source",
        "-n",
        &ns,
        "--timeout=3m",
    ])
    .await;
    run.ok();
    assert!(
        run.stderr
            .contains(&format!("✔ fetched revision main@sha1:{head}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("✔ applied revision main@sha1:{head}")),
        "{}",
        run.stderr
    );
    let run = flux(&[
        "create",
        "source",
        "git",
        "fleet",
        "--url",
        repo.url(),
        "--branch=main",
        "--secret-ref=flux-system",
        "-n",
        &ns,
        "--timeout=3m",
    ])
    .await;
    run.ok();
    assert!(
        run.stderr
            .contains("✔ GitRepository reconciliation completed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("✔ fetched revision main@sha1:{head}")),
        "{}",
        run.stderr
    );

    // Bootstrapping again changes nothing in Git.
    let run = flux(&bootstrap).await;
    run.ok();
    assert!(
        run.stderr.contains("component manifests are up to date"),
        "{}",
        run.stderr
    );
    assert_eq!(git(repo.bare_path(), &["rev-parse", "main"]), head);
}

#[tokio::test]
async fn bootstrap_git_over_ssh_pushes_and_applies() {
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, "cli-bootstrap-ssh").await;
    let server = SshGitServer::start().await.unwrap();
    let repo = server.create_repo("fleet").await.unwrap();
    let url = server.repo_url("fleet");
    let key = server.identity_path();
    let run = flux(&[
        "bootstrap",
        "git",
        "--url",
        &url,
        "--private-key-file",
        key.to_str().unwrap(),
        "--branch=prod",
        "--components=source-controller",
        "--no-wait",
        "-n",
        &ns,
        "--timeout=5m",
    ])
    .await;
    run.ok();
    let work = tempfile::tempdir().unwrap();
    git(
        work.path(),
        &[
            "clone",
            "--quiet",
            "--branch",
            "prod",
            repo.bare_path().to_str().unwrap(),
            "w",
        ],
    );
    let root = work.path().join("w/flux-system");
    for f in [
        "gotk-components.yaml",
        "gotk-sync.yaml",
        "kustomization.yaml",
    ] {
        assert!(root.join(f).is_file(), "{f} was not pushed");
    }
    let git_repo = get_json(&client, &ns, &kinds::GIT_REPOSITORY, "flux-system").await;
    assert_eq!(git_repo["spec"]["url"], url.as_str());
    assert_eq!(git_repo["spec"]["ref"]["branch"], "prod");
    let ks = get_json(&client, &ns, &kinds::KUSTOMIZATION, "flux-system").await;
    assert_eq!(ks["spec"]["path"], "./");
    let secrets: kube::Api<Secret> = kube::Api::namespaced(client.clone(), &ns);
    let data = secrets.get("flux-system").await.unwrap().data.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&data["identity"].0),
        server.identity()
    );
    assert!(
        String::from_utf8_lossy(&data["known_hosts"].0).contains("127.0.0.1"),
        "known_hosts was not scanned"
    );
}
