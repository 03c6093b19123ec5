//! Scenario: source-controller reconciles GitRepositories against the real control plane
//! and the Git fixtures. One controller runs in-process for the whole test binary,
//! watching all namespaces; every test works in its own namespace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "source_gitrepository/support.rs"]
mod support;

use std::time::{Duration, Instant};

use flux_testkit::git::{GitServer, SshGitServer};
use kube::api::{DeleteParams, Patch, PatchParams};
use serde_json::json;
use support::{Gpg, condition, controller, download, git, revision, seed, setup};

#[tokio::test]
async fn http_basic_auth_ready_new_commits_requested_at_and_finalizer() {
    let ctx = setup("src-basic").await;
    let server = GitServer::builder()
        .basic_auth("flux", "s3cr3t")
        .start()
        .await
        .unwrap();
    let repo = server.create_repo("app").await.unwrap();
    let first = seed(&repo).await;
    ctx.secret("creds", &[("username", "flux"), ("password", "s3cr3t")])
        .await;
    ctx.create(
        "app",
        json!({"url": repo.url(), "interval": "3s", "ref": {"branch": "main"}, "secretRef": {"name": "creds"}}),
    )
    .await;
    let obj = ctx.ready("app").await;
    assert_eq!(revision(&obj), format!("main@sha1:{first}"));
    assert_eq!(
        condition(&obj, "ArtifactInStorage").map(|c| c.0),
        Some("True".into())
    );
    let artifact = obj.status.as_ref().unwrap().artifact.clone().unwrap();
    assert_eq!(
        artifact.path,
        format!("gitrepository/{}/app/{first}.tar.gz", ctx.ns)
    );
    let files = download(&obj).await;
    assert_eq!(files.get("deploy/app.yaml").unwrap(), "kind: ConfigMap\n");
    // NewArtifact was sent to --events-addr in Flux's event format.
    let events = controller().events.lock().unwrap().clone();
    let new_artifact = events
        .iter()
        .find(|e| {
            e["reason"] == "NewArtifact"
                && e["involvedObject"]["namespace"] == ctx.ns.as_str()
                && e["involvedObject"]["name"] == "app"
        })
        .unwrap_or_else(|| panic!("no NewArtifact event for app in {events:?}"));
    assert_eq!(new_artifact["severity"], "info");
    assert_eq!(
        new_artifact["message"],
        "stored artifact for commit 'initial'"
    );
    assert_eq!(
        new_artifact["metadata"]["source.toolkit.fluxcd.io/revision"],
        format!("main@sha1:{first}").as_str()
    );
    assert_eq!(
        new_artifact["metadata"]["source.toolkit.fluxcd.io/digest"],
        artifact.digest.as_str()
    );

    // A new commit is picked up by the interval alone.
    let second = repo
        .commit_files(&[("deploy/app.yaml", "kind: Secret\n")], "second")
        .await
        .unwrap();
    let obj = ctx
        .wait("app", "at the second commit", |o| {
            revision(o) == format!("main@sha1:{second}")
        })
        .await;
    assert_eq!(
        download(&obj).await.get("deploy/app.yaml").unwrap(),
        "kind: Secret\n"
    );

    // requestedAt on an object with a long interval fetches at once.
    ctx.repos
        .patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"interval": "1h"}})),
        )
        .await
        .unwrap();
    ctx.ready("app").await;
    let third = repo
        .commit_files(&[("deploy/extra.yaml", "x: 1\n")], "third")
        .await
        .unwrap();
    ctx.annotate("app", "token-1").await;
    ctx.wait("app", "at the third commit", |o| {
        revision(o) == format!("main@sha1:{third}")
    })
    .await;
    let obj = ctx
        .wait("app", "handled token-1", |o| {
            o.status
                .as_ref()
                .and_then(|s| s.last_handled_reconcile_at.as_deref())
                == Some("token-1")
        })
        .await;
    assert_eq!(revision(&obj), format!("main@sha1:{third}"));

    // A missing artifact file (emptyDir after a restart) is rebuilt.
    let path = controller()
        .storage
        .join(&obj.status.as_ref().unwrap().artifact.as_ref().unwrap().path);
    std::fs::remove_file(&path).unwrap();
    ctx.annotate("app", "token-2").await;
    ctx.wait("app", "rebuilt", |_| path.is_file()).await;
    let obj = ctx.ready("app").await;
    download(&obj).await;

    // The finalizer removes the object's storage directory.
    let dir = controller()
        .storage
        .join(format!("gitrepository/{}/app", ctx.ns));
    assert!(dir.is_dir());
    ctx.repos
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ctx.repos.get_opt("app").await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "app was never deleted");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(!dir.exists(), "{} still exists", dir.display());
}

#[tokio::test]
async fn bearer_token_https_custom_ca_and_ssh_become_ready() {
    let ctx = setup("src-auth").await;

    let bearer = GitServer::builder()
        .bearer_token("t0ken")
        .start()
        .await
        .unwrap();
    let repo = bearer.create_repo("bearer").await.unwrap();
    let sha = seed(&repo).await;
    ctx.secret("bearer", &[("bearerToken", "t0ken")]).await;
    ctx.create(
        "bearer",
        json!({"url": repo.url(), "interval": "1h", "ref": {"branch": "main"}, "secretRef": {"name": "bearer"}}),
    )
    .await;

    let tls = GitServer::builder()
        .require_client_cert()
        .start()
        .await
        .unwrap();
    let tls_repo = tls.create_repo("tls").await.unwrap();
    let tls_sha = seed(&tls_repo).await;
    let client_cert = tls.client_cert().unwrap();
    ctx.secret(
        "tls",
        &[
            ("ca.crt", tls.ca_pem().unwrap()),
            ("tls.crt", &client_cert.cert_pem),
            ("tls.key", &client_cert.key_pem),
        ],
    )
    .await;
    assert!(tls_repo.url().starts_with("https://"));
    ctx.create(
        "tls",
        json!({"url": tls_repo.url(), "interval": "1h", "ref": {"branch": "main"}, "secretRef": {"name": "tls"}}),
    )
    .await;

    let ssh = SshGitServer::start().await.unwrap();
    let ssh_repo = ssh.create_repo("ssh").await.unwrap();
    let ssh_sha = seed(&ssh_repo).await;
    ctx.secret(
        "ssh",
        &[
            ("identity", ssh.identity()),
            ("known_hosts", ssh.known_hosts()),
        ],
    )
    .await;
    ctx.create(
        "ssh",
        json!({"url": ssh_repo.url(), "interval": "1h", "ref": {"branch": "main"}, "secretRef": {"name": "ssh"}}),
    )
    .await;

    for (name, sha) in [("bearer", sha), ("tls", tls_sha), ("ssh", ssh_sha)] {
        let obj = ctx.ready(name).await;
        assert_eq!(revision(&obj), format!("main@sha1:{sha}"), "{name}");
        let files = download(&obj).await;
        assert!(files.contains_key("deploy/app.yaml"), "{name}: {files:?}");
    }
}

#[tokio::test]
async fn wrong_password_fails_with_authentication_reason_and_recovers() {
    let ctx = setup("src-badauth").await;
    let server = GitServer::builder()
        .basic_auth("flux", "right")
        .start()
        .await
        .unwrap();
    let repo = server.create_repo("app").await.unwrap();
    let sha = seed(&repo).await;
    ctx.create(
        "app",
        json!({"url": repo.url(), "interval": "1h", "ref": {"branch": "main"}, "secretRef": {"name": "creds"}}),
    )
    .await;
    // No Secret yet.
    let obj = ctx
        .failing("app", "FetchFailed", "AuthenticationFailed")
        .await;
    assert!(
        condition(&obj, "Ready").unwrap().2.contains("creds"),
        "{obj:?}"
    );

    ctx.secret("creds", &[("username", "flux"), ("password", "wrong")])
        .await;
    let obj = ctx
        .wait("app", "rejected by the server", |o| {
            condition(o, "Ready").is_some_and(|c| {
                c.0 == "False"
                    && c.1 == "AuthenticationFailed"
                    && c.2.contains("authentication")
                    && !c.2.contains("wrong")
            })
        })
        .await;
    assert_eq!(
        condition(&obj, "Stalled"),
        None,
        "auth failures are retried"
    );

    ctx.secret("creds", &[("username", "flux"), ("password", "right")])
        .await;
    let obj = ctx.ready("app").await;
    assert_eq!(revision(&obj), format!("main@sha1:{sha}"));
    assert_eq!(condition(&obj, "FetchFailed"), None);
}

#[tokio::test]
async fn invalid_url_or_ref_stalls() {
    let ctx = setup("src-stall").await;
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("app").await.unwrap();
    seed(&repo).await;
    ctx.create(
        "bad-url",
        json!({"url": "http://bad host/repo.git", "interval": "1m", "secretRef": {"name": "missing"}}),
    )
    .await;
    ctx.create(
        "bad-ref",
        json!({"url": repo.url(), "interval": "1m", "ref": {"semver": ">= bar"}}),
    )
    .await;
    for (name, reason, needle) in [
        ("bad-url", "URLInvalid", "invalid Git URL"),
        ("bad-ref", "GitOperationFailed", "semver '>= bar'"),
    ] {
        let obj = ctx
            .wait(name, "Stalled", |o| {
                condition(o, "Stalled").is_some_and(|c| c.0 == "True")
            })
            .await;
        let stalled = condition(&obj, "Stalled").unwrap();
        assert_eq!(stalled.1, reason, "{name}");
        assert!(stalled.2.contains(needle), "{name}: {}", stalled.2);
        assert_eq!(condition(&obj, "Ready").unwrap().0, "False");
        assert_eq!(condition(&obj, "Reconciling"), None);
    }
}

#[tokio::test]
async fn refs_select_the_right_commit() {
    let ctx = setup("src-refs").await;
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("app").await.unwrap();
    let c1 = seed(&repo).await;
    repo.tag("v1.0.0").await.unwrap();
    let c2 = repo
        .commit_files(&[("deploy/app.yaml", "v: 1.1\n")], "1.1")
        .await
        .unwrap();
    repo.annotated_tag("v1.1.0", "release 1.1").await.unwrap();
    let c3 = repo
        .commit_files(&[("deploy/app.yaml", "v: 2\n")], "2.0")
        .await
        .unwrap();
    repo.tag("v2.0.0").await.unwrap();
    let dev = repo.branch("dev").await.unwrap();
    let dev_tip = repo
        .commit_files(&[("dev.txt", "dev\n")], "dev work")
        .await
        .unwrap();
    assert_eq!(dev, c3);
    let cases = [
        (
            "branch",
            json!({"branch": "dev"}),
            format!("dev@sha1:{dev_tip}"),
        ),
        ("tag", json!({"tag": "v1.0.0"}), format!("v1.0.0@sha1:{c1}")),
        (
            "semver",
            json!({"semver": ">=1.0.0 <2.0.0", "tag": "v2.0.0"}),
            format!("v1.1.0@sha1:{c2}"),
        ),
        (
            "name",
            json!({"name": "refs/heads/dev", "branch": "main"}),
            format!("refs/heads/dev@sha1:{dev_tip}"),
        ),
        (
            "commit",
            json!({"commit": c2, "name": "refs/heads/dev"}),
            format!("sha1:{c2}"),
        ),
        (
            "default",
            json!({"branch": "main"}),
            format!("main@sha1:{c3}"),
        ),
    ];
    for (name, r, _) in &cases {
        ctx.create(name, json!({"url": repo.url(), "interval": "1h", "ref": r}))
            .await;
    }
    for (name, _, expected) in &cases {
        let obj = ctx.ready(name).await;
        assert_eq!(&revision(&obj), expected, "ref {name}");
    }
    let semver = download(&ctx.repos.get("semver").await.unwrap()).await;
    assert_eq!(semver.get("deploy/app.yaml").unwrap(), "v: 1.1\n");
}

#[tokio::test]
async fn ignore_rules_and_include() {
    let ctx = setup("src-ignore").await;
    let server = GitServer::start().await.unwrap();
    let lib = server.create_repo("lib").await.unwrap();
    lib.commit_files(
        &[
            ("manifests/lib.yaml", "lib: true\n"),
            ("README.md", "lib readme\n"),
        ],
        "lib",
    )
    .await
    .unwrap();
    let app = server.create_repo("app").await.unwrap();
    app.commit_files(
        &[
            ("deploy/app.yaml", "app: true\n"),
            ("deploy/notes.txt", "notes\n"),
            ("docs/guide.md", "guide\n"),
            (".sourceignore", "docs/\n"),
            ("deploy/.sourceignore", "*.txt\n"),
            ("secret.env", "x\n"),
        ],
        "app",
    )
    .await
    .unwrap();
    ctx.create(
        "lib",
        json!({"url": lib.url(), "interval": "1h", "ref": {"branch": "main"}}),
    )
    .await;
    ctx.create(
        "app",
        json!({
            "url": app.url(), "interval": "1h", "ref": {"branch": "main"},
            "ignore": "/secret.env\n",
            "include": [{"repository": {"name": "lib"}, "fromPath": "manifests", "toPath": "vendor/lib"}]
        }),
    )
    .await;
    let obj = ctx.ready("app").await;
    let files = download(&obj).await;
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert!(names.contains(&"deploy/app.yaml"), "{names:?}");
    assert!(names.contains(&"vendor/lib/lib.yaml"), "{names:?}");
    for gone in [
        "deploy/notes.txt",
        "docs/guide.md",
        "secret.env",
        "vendor/lib/README.md",
        "README.md",
    ] {
        assert!(!names.contains(&gone), "{gone} in {names:?}");
    }
    let status = obj.status.unwrap();
    assert_eq!(status.included_artifacts.len(), 1);
    assert_eq!(status.observed_ignore.as_deref(), Some("/secret.env\n"));

    // A new commit in the included repository is brought in.
    let lib_sha = lib
        .commit_files(&[("manifests/lib.yaml", "lib: 2\n")], "lib 2")
        .await
        .unwrap();
    ctx.annotate("lib", "now").await;
    let obj = ctx
        .wait("app", "including lib's new revision", |o| {
            o.status.as_ref().is_some_and(|s| {
                s.included_artifacts
                    .first()
                    .is_some_and(|a| a.revision == format!("main@sha1:{lib_sha}"))
            })
        })
        .await;
    assert_eq!(
        download(&obj).await.get("vendor/lib/lib.yaml").unwrap(),
        "lib: 2\n"
    );

    // sparseCheckout keeps only the listed directories.
    ctx.create(
        "sparse",
        json!({"url": app.url(), "interval": "1h", "ref": {"branch": "main"}, "sparseCheckout": ["deploy"]}),
    )
    .await;
    let obj = ctx.ready("sparse").await;
    let files = download(&obj).await;
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert!(names.contains(&"deploy/app.yaml"), "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("deploy/")),
        "sparse checkout of deploy/ gave {names:?}"
    );
    assert_eq!(
        obj.status.unwrap().observed_sparse_checkout,
        vec!["deploy".to_string()]
    );

    // An include that does not exist waits with IncludeUnavailable.
    ctx.create(
        "orphan",
        json!({"url": app.url(), "interval": "1h", "include": [{"repository": {"name": "missing"}}]}),
    )
    .await;
    let obj = ctx
        .failing("orphan", "IncludeUnavailable", "NotFound")
        .await;
    assert!(condition(&obj, "Ready").unwrap().2.contains("missing"));
}

/// A throw-away GnuPG home with one signing key.
#[tokio::test]
async fn pgp_verification_accepts_good_and_rejects_bad_signatures() {
    let ctx = setup("src-pgp").await;
    let (gpg, good_key) = Gpg::new("signer@example.com");
    let (_other, other_key) = Gpg::new("other@example.com");
    let server = GitServer::start().await.unwrap();
    let repo = server.create_repo("signed").await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let bare = repo.bare_path().to_str().unwrap().to_string();
    let g = |args: &[&str]| git(work.path(), args, gpg.home.path());
    g(&["init", "--quiet", "-b", "main"]);
    std::fs::write(work.path().join("app.yaml"), "signed: true\n").unwrap();
    g(&["add", "-A"]);
    g(&[
        "-c",
        "user.signingkey=signer@example.com",
        "commit",
        "--quiet",
        "-S",
        "-m",
        "signed",
    ]);
    g(&["push", "--quiet", &bare, "main"]);

    ctx.secret("good-keys", &[("author.asc", &good_key)]).await;
    ctx.secret("bad-keys", &[("other.asc", &other_key)]).await;
    for (name, keys) in [("good", "good-keys"), ("bad", "bad-keys")] {
        ctx.create(
            name,
            json!({"url": repo.url(), "interval": "1h", "ref": {"branch": "main"},
                   "verify": {"mode": "HEAD", "secretRef": {"name": keys}}}),
        )
        .await;
    }
    let good = ctx.ready("good").await;
    let verified = condition(&good, "SourceVerified").unwrap();
    assert_eq!(
        (verified.0.as_str(), verified.1.as_str()),
        ("True", "Succeeded")
    );
    assert!(
        verified.2.contains("verified signature of"),
        "{}",
        verified.2
    );
    assert_eq!(
        good.status.unwrap().source_verification_mode.as_deref(),
        Some("HEAD")
    );

    let bad = ctx
        .wait("bad", "rejected", |o| {
            condition(o, "SourceVerified").is_some_and(|c| c.0 == "False")
        })
        .await;
    assert_eq!(
        condition(&bad, "SourceVerified").unwrap().1,
        "VerificationError"
    );
    let ready = condition(&bad, "Ready").unwrap();
    assert_eq!(
        (ready.0.as_str(), ready.1.as_str()),
        ("False", "VerificationError")
    );
    assert!(
        bad.status.unwrap().artifact.is_none(),
        "no artifact from an unverified commit"
    );
}
