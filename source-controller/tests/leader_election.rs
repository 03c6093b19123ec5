//! Scenario: two replicas of the built `source-controller` binary with leader election.
//! Only the leader reconciles (artifacts carry its advertised address and land in its
//! storage); killing it hands the Lease and the work to the other replica.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flux_api::source::GitRepository;
use flux_testkit::git::GitServer;
use flux_testkit::{ControlPlane, test_namespace};
use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;

/// A controller process, killed on drop.
struct Replica {
    name: &'static str,
    child: Child,
    storage: tempfile::TempDir,
    log: PathBuf,
}

impl Replica {
    fn start(name: &'static str, namespace: &str, kubeconfig: &Path, logs: &Path) -> Replica {
        let storage = tempfile::tempdir().unwrap();
        let log = logs.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_source-controller"))
            .args([
                format!("--kubeconfig={}", kubeconfig.display()),
                format!("--storage-path={}", storage.path().display()),
                "--storage-addr=127.0.0.1:0".into(),
                format!("--storage-adv-addr={name}.example"),
                "--metrics-addr=127.0.0.1:0".into(),
                "--health-addr=127.0.0.1:0".into(),
                "--log-encoding=console".into(),
                "--watch-all-namespaces=false".into(),
                "--enable-leader-election".into(),
                "--leader-election-lease-duration=4s".into(),
                "--leader-election-renew-deadline=3s".into(),
                "--leader-election-retry-period=500ms".into(),
                "--min-retry-delay=300ms".into(),
                "--max-retry-delay=2s".into(),
            ])
            .env("RUNTIME_NAMESPACE", namespace)
            .env("HOSTNAME", name)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Replica {
            name,
            child,
            storage,
            log,
        }
    }

    fn stored_artifacts(&self) -> usize {
        fn count(dir: &Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let p = e.path();
                        match std::fs::symlink_metadata(&p) {
                            Ok(m) if m.is_dir() => count(&p),
                            // Artifacts, not the latest.tar.gz symlink or lock files.
                            Ok(m) => {
                                usize::from(m.is_file() && p.extension().is_some_and(|x| x == "gz"))
                            }
                            Err(_) => 0,
                        }
                    })
                    .sum()
            })
        }
        count(&self.storage.path().join("gitrepository"))
    }

    fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "replica {} exited; log: {}",
            self.name,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for(
    repos: &Api<GitRepository>,
    what: &str,
    pred: impl Fn(&GitRepository) -> bool,
) -> GitRepository {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let obj = repos.get("app").await.unwrap();
        if pred(&obj) {
            return obj;
        }
        assert!(
            Instant::now() < deadline,
            "app never {what}: {:?}",
            obj.status
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn artifact(obj: &GitRepository) -> Option<(String, String)> {
    let a = obj.status.as_ref()?.artifact.as_ref()?;
    Some((a.url.clone(), a.revision.clone()))
}

#[tokio::test]
async fn only_the_leader_reconciles_and_killing_it_hands_over() {
    let cp = ControlPlane::shared();
    let client = cp.client().await;
    let ns = test_namespace(&client, "src-leader").await;
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("app").await.unwrap();
    let first = repo
        .commit_files(&[("app.yaml", "v: 1\n")], "first")
        .await
        .unwrap();

    let logs = tempfile::tempdir().unwrap();
    let mut replicas = vec![
        Replica::start("replica-a", &ns, cp.kubeconfig_path(), logs.path()),
        Replica::start("replica-b", &ns, cp.kubeconfig_path(), logs.path()),
    ];

    let repos: Api<GitRepository> = Api::namespaced(client.clone(), &ns);
    let obj: GitRepository = serde_json::from_value(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "app"},
        "spec": {"url": repo.url(), "interval": "1h", "ref": {"branch": "main"}}
    }))
    .unwrap();
    repos.create(&PostParams::default(), &obj).await.unwrap();
    let obj = wait_for(&repos, "got an artifact", |o| artifact(o).is_some()).await;
    let (url, revision) = artifact(&obj).unwrap();
    assert_eq!(revision, format!("main@sha1:{first}"));

    let leases: Api<Lease> = Api::namespaced(client.clone(), &ns);
    let lease = leases
        .get("source-controller-leader-election")
        .await
        .unwrap();
    let holder = lease.spec.unwrap().holder_identity.unwrap();
    let leader_index = replicas
        .iter()
        .position(|r| url.starts_with(&format!("http://{}.example/", r.name)))
        .unwrap_or_else(|| panic!("artifact URL {url} names no replica"));
    let follower_index = 1 - leader_index;
    assert!(
        holder.starts_with(replicas[leader_index].name),
        "Lease holder {holder} is not the replica that reconciled ({url})"
    );
    // Give the follower time to (wrongly) act, then check it did nothing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    replicas[follower_index].assert_running();
    assert_eq!(replicas[leader_index].stored_artifacts(), 1);
    assert_eq!(
        replicas[follower_index].stored_artifacts(),
        0,
        "the follower reconciled"
    );

    // Kill the leader without releasing the Lease; the follower takes over once it expires.
    let mut leader = replicas.remove(leader_index);
    leader.child.kill().unwrap();
    leader.child.wait().unwrap();
    let follower = &mut replicas[0];
    let second = repo
        .commit_files(&[("app.yaml", "v: 2\n")], "second")
        .await
        .unwrap();
    let patch =
        json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "after-failover"}}});
    repos
        .patch("app", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    let prefix = format!("http://{}.example/", follower.name);
    let obj = wait_for(&repos, "reconciled by the new leader", |o| {
        artifact(o).is_some_and(|(u, r)| u.starts_with(&prefix) && r.ends_with(&second))
    })
    .await;
    follower.assert_running();
    assert_eq!(follower.stored_artifacts(), 1);
    let lease = leases
        .get("source-controller-leader-election")
        .await
        .unwrap();
    let holder = lease.spec.unwrap().holder_identity.unwrap();
    assert!(holder.starts_with(follower.name), "holder {holder}");
    assert_eq!(
        obj.status.unwrap().last_handled_reconcile_at.as_deref(),
        Some("after-failover")
    );
}
