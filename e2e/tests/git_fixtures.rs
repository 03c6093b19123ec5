//! Scenario: the git fixtures serve real repositories to the plain git CLI over HTTP with basic
//! auth, with a bearer token, over HTTPS with the test CA (and a client certificate), and over
//! SSH with a key and a strictly checked host key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use flux_testkit::git::{GitServer, SshGitServer, TestRepo};

/// Runs git with an isolated configuration and no prompts.
fn git(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "/bin/false")
        .env("SSH_ASKPASS", "/bin/false");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Clones `url` into a fresh directory and returns (dir, HEAD sha).
fn clone_ok(url: &str, extra: &[&str], env: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = extra.to_vec();
    args.extend(["clone", "--quiet", url, "checkout"]);
    assert_ok(&git(dir.path(), &args, env), &format!("git clone {url}"));
    let head = git(&dir.path().join("checkout"), &["rev-parse", "HEAD"], &[]);
    assert_ok(&head, "git rev-parse");
    let sha = String::from_utf8(head.stdout).unwrap().trim().to_owned();
    (dir, sha)
}

fn clone_fails(url: &str, extra: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut args = extra.to_vec();
    args.extend(["clone", "--quiet", url, "checkout"]);
    let out = git(dir.path(), &args, env);
    assert!(!out.status.success(), "git clone {url} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn with_credentials(url: &str, user: &str, password: &str) -> String {
    url.replacen("://", &format!("://{user}:{password}@"), 1)
}

async fn seeded(repo: &TestRepo) -> String {
    repo.commit_files(
        &[
            ("deploy/app.yaml", "kind: ConfigMap\n"),
            ("README.md", "hello\n"),
        ],
        "initial",
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn http_basic_auth_clone_push_and_refusal() {
    let server = GitServer::builder()
        .basic_auth("flux", "s3cr3t")
        .start()
        .await
        .unwrap();
    let repo = server.create_repo("podinfo").await.unwrap();
    let sha = seeded(&repo).await;

    let url = with_credentials(repo.url(), "flux", "s3cr3t");
    let (dir, head) = clone_ok(&url, &[], &[]);
    assert_eq!(head, sha);
    let checkout = dir.path().join("checkout");
    assert_eq!(
        std::fs::read_to_string(checkout.join("deploy/app.yaml")).unwrap(),
        "kind: ConfigMap\n"
    );

    // Pushing through the server (receive-pack) works for an authenticated user.
    std::fs::write(checkout.join("pushed.txt"), "via http\n").unwrap();
    assert_ok(&git(&checkout, &["add", "pushed.txt"], &[]), "git add");
    let ident = [
        ("GIT_AUTHOR_NAME", "t"),
        ("GIT_AUTHOR_EMAIL", "t@example.invalid"),
        ("GIT_COMMITTER_NAME", "t"),
        ("GIT_COMMITTER_EMAIL", "t@example.invalid"),
    ];
    assert_ok(
        &git(&checkout, &["commit", "-qm", "push"], &ident),
        "git commit",
    );
    assert_ok(
        &git(&checkout, &["push", "-q", "origin", "main"], &[]),
        "git push",
    );
    let pushed = String::from_utf8(git(&checkout, &["rev-parse", "HEAD"], &[]).stdout).unwrap();
    let remote = git(&checkout, &["ls-remote", &url, "refs/heads/main"], &[]);
    assert_ok(&remote, "git ls-remote");
    assert!(
        String::from_utf8(remote.stdout)
            .unwrap()
            .starts_with(pushed.trim())
    );

    let err = clone_fails(&with_credentials(repo.url(), "flux", "wrong"), &[], &[]);
    assert!(
        err.contains("401") || err.contains("Authentication failed"),
        "{err}"
    );
    clone_fails(repo.url(), &[], &[]);
}

#[tokio::test]
async fn http_bearer_token() {
    let server = GitServer::builder()
        .bearer_token("t0ken")
        .start()
        .await
        .unwrap();
    let repo = server.create_repo("bearer").await.unwrap();
    let sha = seeded(&repo).await;

    let (_dir, head) = clone_ok(
        repo.url(),
        &["-c", "http.extraHeader=Authorization: Bearer t0ken"],
        &[],
    );
    assert_eq!(head, sha);
    clone_fails(
        repo.url(),
        &["-c", "http.extraHeader=Authorization: Bearer other"],
        &[],
    );
    clone_fails(repo.url(), &[], &[]);
}

#[tokio::test]
async fn https_with_test_ca_and_client_certificate() {
    let server = GitServer::builder().tls().start().await.unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let repo = server.create_repo("tls").await.unwrap();
    let sha = seeded(&repo).await;
    let pem_dir = tempfile::tempdir().unwrap();
    let ca = pem_dir.path().join("ca.crt");
    std::fs::write(&ca, server.ca_pem().unwrap()).unwrap();
    let ca = ca.to_str().unwrap();

    let (_dir, head) = clone_ok(repo.url(), &[], &[("GIT_SSL_CAINFO", ca)]);
    assert_eq!(head, sha);
    // Without the test CA the server certificate is not trusted.
    let err = clone_fails(repo.url(), &[], &[]);
    assert!(err.to_lowercase().contains("certificate"), "{err}");

    let mtls = GitServer::builder()
        .require_client_cert()
        .start()
        .await
        .unwrap();
    let repo = mtls.create_repo("mtls").await.unwrap();
    let sha = seeded(&repo).await;
    let ca2 = pem_dir.path().join("ca2.crt");
    let cert = pem_dir.path().join("client.crt");
    let key = pem_dir.path().join("client.key");
    std::fs::write(&ca2, mtls.ca_pem().unwrap()).unwrap();
    std::fs::write(&cert, &mtls.client_cert().unwrap().cert_pem).unwrap();
    std::fs::write(&key, &mtls.client_cert().unwrap().key_pem).unwrap();
    let env = [("GIT_SSL_CAINFO", ca2.to_str().unwrap())];
    let ssl_cert = format!("http.sslCert={}", cert.display());
    let ssl_key = format!("http.sslKey={}", key.display());
    let (_dir, head) = clone_ok(repo.url(), &["-c", &ssl_cert, "-c", &ssl_key], &env);
    assert_eq!(head, sha);
    clone_fails(repo.url(), &[], &env);
}

#[tokio::test]
async fn ssh_with_key_and_strict_host_checking() {
    let server = SshGitServer::start().await.unwrap();
    let repo = server.create_repo("ssh-repo").await.unwrap();
    let sha = seeded(&repo).await;
    assert!(
        server
            .known_hosts()
            .starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", server.port()))
    );
    assert!(server.identity().contains("BEGIN OPENSSH PRIVATE KEY"));
    assert!(server.identity_pub().starts_with("ssh-ed25519 "));

    let ssh = server.git_ssh_command();
    assert!(ssh.contains("StrictHostKeyChecking=yes"), "{ssh}");
    let (_dir, head) = clone_ok(repo.url(), &[], &[("GIT_SSH_COMMAND", &ssh)]);
    assert_eq!(head, sha);

    // An unknown host key is refused under StrictHostKeyChecking=yes.
    let empty = tempfile::NamedTempFile::new().unwrap();
    let strict = format!(
        "ssh -i {} -o IdentitiesOnly=yes -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
        server.identity_path().display(),
        empty.path().display()
    );
    let err = clone_fails(repo.url(), &[], &[("GIT_SSH_COMMAND", &strict)]);
    assert!(err.contains("Host key verification failed"), "{err}");

    // A key that is not authorised is refused.
    let other = tempfile::tempdir().unwrap();
    let other_key = other.path().join("id");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other_key)
        .status()
        .unwrap();
    assert!(status.success());
    let wrong = format!(
        "ssh -i {} -o IdentitiesOnly=yes -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
        other_key.display(),
        server.known_hosts_path().display()
    );
    let err = clone_fails(repo.url(), &[], &[("GIT_SSH_COMMAND", &wrong)]);
    assert!(err.contains("Permission denied"), "{err}");
}

#[tokio::test]
async fn test_repo_tags_branches_and_deletes() {
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("org/helpers").await.unwrap();
    let first = seeded(&repo).await;
    assert_eq!(repo.tag("v1.0.0").await.unwrap(), first);
    assert_eq!(repo.head().await.unwrap(), first);

    let on_branch = repo.branch("feature").await.unwrap();
    assert_eq!(on_branch, first);
    let feature = repo
        .commit_files(&[("feature.txt", "new\n")], "feature work")
        .await
        .unwrap();
    assert_ne!(feature, first);
    repo.checkout("main").await.unwrap();
    let deleted = repo.delete_file("README.md", "drop readme").await.unwrap();

    let (dir, head) = clone_ok(repo.url(), &[], &[]);
    assert_eq!(head, deleted);
    let checkout = dir.path().join("checkout");
    assert!(!checkout.join("README.md").exists());
    assert!(checkout.join("deploy/app.yaml").exists());
    assert!(!checkout.join("feature.txt").exists());

    let refs = String::from_utf8(git(&checkout, &["ls-remote", repo.url()], &[]).stdout).unwrap();
    assert!(
        refs.contains(&format!("{feature}\trefs/heads/feature")),
        "{refs}"
    );
    assert!(
        refs.contains(&format!("{first}\trefs/tags/v1.0.0")),
        "{refs}"
    );
    assert!(
        refs.contains(&format!("{deleted}\trefs/heads/main")),
        "{refs}"
    );
}

#[tokio::test]
async fn shallow_clone_and_fetch_of_one_commit() {
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("shallow").await.unwrap();
    let first = seeded(&repo).await;
    let second = repo
        .commit_files(&[("deploy/app.yaml", "kind: Secret\n")], "second")
        .await
        .unwrap();

    let (dir, head) = clone_ok(repo.url(), &[], &[]);
    assert_eq!(head, second);
    let depth_dir = tempfile::tempdir().unwrap();
    assert_ok(
        &git(
            depth_dir.path(),
            &["clone", "--quiet", "--depth", "1", repo.url(), "c"],
            &[],
        ),
        "git clone --depth 1",
    );
    let count = git(
        &depth_dir.path().join("c"),
        &["rev-list", "--count", "HEAD"],
        &[],
    );
    assert_eq!(String::from_utf8(count.stdout).unwrap().trim(), "1");

    // Fetching an older commit by SHA, as for GitRepository spec.ref.commit.
    let by_sha = dir.path().join("by-sha");
    std::fs::create_dir(&by_sha).unwrap();
    assert_ok(&git(&by_sha, &["init", "--quiet"], &[]), "git init");
    assert_ok(
        &git(
            &by_sha,
            &["fetch", "--quiet", "--depth", "1", repo.url(), &first],
            &[],
        ),
        "git fetch <sha>",
    );
    let fetched = git(&by_sha, &["rev-parse", "FETCH_HEAD"], &[]);
    assert_eq!(String::from_utf8(fetched.stdout).unwrap().trim(), first);
}
