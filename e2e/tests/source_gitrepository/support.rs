//! Helpers of the source-controller scenarios: the in-process controller, per-test
//! namespaces, waiting on conditions, downloading artifacts, and signing with GnuPG.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use flux_api::source::GitRepository;
use flux_testkit::git::TestRepo;
use flux_testkit::{ControlPlane, test_namespace};
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;
use sha2::Digest;

pub struct Controller {
    /// `--storage-path`.
    pub storage: PathBuf,
    /// Flux events POSTed to `--events-addr`.
    pub events: Arc<Mutex<Vec<serde_json::Value>>>,
}

/// A minimal HTTP receiver standing in for notification-controller: it keeps the JSON
/// bodies POSTed to it and answers 200.
fn event_receiver() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}/", listener.local_addr().unwrap());
    let events = Arc::new(Mutex::new(Vec::new()));
    let store = events.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let store = store.clone();
            std::thread::spawn(move || serve_events(stream, &store));
        }
    });
    (addr, events)
}

fn serve_events(stream: std::net::TcpStream, store: &Mutex<Vec<serde_json::Value>>) {
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        store
            .lock()
            .unwrap()
            .push(serde_json::from_slice(&body).unwrap());
        writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .unwrap();
    }
}

/// Starts source-controller once per test binary, on its own thread and runtime.
pub fn controller() -> &'static Controller {
    static CONTROLLER: OnceLock<Controller> = OnceLock::new();
    CONTROLLER.get_or_init(|| {
        let (events_addr, events) = event_receiver();
        let storage = flux_e2e::inprocess::start_source_controller(
            "flux-source-e2e-",
            &[
                "--requeue-dependency=2s".into(),
                "--concurrent=4".into(),
                format!("--events-addr={events_addr}"),
            ],
        )
        .unwrap();
        Controller { storage, events }
    })
}

pub struct Ctx {
    pub client: kube::Client,
    pub ns: String,
    pub repos: Api<GitRepository>,
}

pub async fn setup(prefix: &str) -> Ctx {
    controller();
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, prefix).await;
    let repos = Api::namespaced(client.clone(), &ns);
    Ctx { client, ns, repos }
}

impl Ctx {
    pub async fn secret(&self, name: &str, data: &[(&str, &str)]) {
        let string_data: BTreeMap<_, _> = data.iter().map(|(k, v)| (*k, *v)).collect();
        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": name}, "stringData": string_data
        }))
        .unwrap();
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &self.ns);
        api.patch(
            name,
            &PatchParams::apply("e2e").force(),
            &Patch::Apply(&secret),
        )
        .await
        .unwrap();
    }

    pub async fn create(&self, name: &str, spec: serde_json::Value) -> GitRepository {
        let obj: GitRepository = serde_json::from_value(json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name}, "spec": spec
        }))
        .unwrap();
        self.repos
            .create(&PostParams::default(), &obj)
            .await
            .unwrap()
    }

    pub async fn annotate(&self, name: &str, token: &str) {
        flux_e2e::wait::request_reconcile(&self.repos, name, token).await
    }

    /// Polls until `pred` holds; the timeout only guards against hangs.
    pub async fn wait(
        &self,
        name: &str,
        what: &str,
        pred: impl Fn(&GitRepository) -> bool,
    ) -> GitRepository {
        flux_e2e::wait::wait_for(&self.repos, name, what, pred).await
    }

    pub async fn ready(&self, name: &str) -> GitRepository {
        self.wait(name, "Ready", |o| {
            condition(o, "Ready").is_some_and(|c| c.0 == "True")
                && o.status.as_ref().and_then(|s| s.observed_generation) == o.metadata.generation
        })
        .await
    }

    pub async fn failing(&self, name: &str, cond: &str, reason: &str) -> GitRepository {
        self.wait(name, &format!("{cond} with reason {reason}"), |o| {
            let ready_false = condition(o, "Ready").is_some_and(|c| c.0 == "False");
            ready_false && condition(o, cond).is_some_and(|c| c.1 == reason)
        })
        .await
    }
}

pub use flux_e2e::wait::condition;

pub fn revision(obj: &GitRepository) -> String {
    obj.status
        .as_ref()
        .and_then(|s| s.artifact.as_ref())
        .map(|a| a.revision.clone())
        .unwrap_or_default()
}

/// Downloads the artifact from its advertised URL, checks the digest and size, and
/// returns the archive's files with their contents.
pub async fn download(obj: &GitRepository) -> BTreeMap<String, String> {
    let artifact = obj.status.as_ref().unwrap().artifact.clone().unwrap();
    let bytes = reqwest::get(&artifact.url)
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes)));
    assert_eq!(digest, artifact.digest, "digest of {}", artifact.url);
    assert_eq!(artifact.size, Some(bytes.len() as i64));
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_file() {
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut content = String::new();
            entry.read_to_string(&mut content).unwrap();
            files.insert(path, content);
        }
    }
    files
}

pub async fn seed(repo: &TestRepo) -> String {
    repo.commit_files(&[("deploy/app.yaml", "kind: ConfigMap\n")], "initial")
        .await
        .unwrap()
}

pub struct Gpg {
    pub home: tempfile::TempDir,
}

impl Gpg {
    pub fn new(email: &str) -> (Gpg, String) {
        let home = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let gpg = Gpg { home };
        let uid = format!("Signer <{email}>");
        gpg.run(&["--quick-gen-key", &uid, "ed25519", "sign", "never"]);
        let key = gpg.run(&["--armor", "--export", email]);
        (gpg, key)
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("gpg")
            .env("GNUPGHOME", self.home.path())
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "gpg {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = std::process::Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

pub fn git(dir: &Path, args: &[&str], gnupg: &Path) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GNUPGHOME", gnupg)
        .env("GIT_AUTHOR_NAME", "Signer")
        .env("GIT_AUTHOR_EMAIL", "signer@example.com")
        .env("GIT_COMMITTER_NAME", "Signer")
        .env("GIT_COMMITTER_EMAIL", "signer@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}
