//! Helm chart repositories over HTTP: a directory with `index.yaml` and chart archives
//! served by axum, optionally behind basic auth, with request counting.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::{ServerThread, basic_auth_matches};
use crate::TestkitError;

/// One entry of a chart archive built by [`chart_tgz`].
#[derive(Clone, Debug)]
pub enum ChartFile {
    /// A regular file at a path (which may be unsafe, e.g. `../x`).
    File(String, Vec<u8>),
    /// A symlink entry at a path pointing to a target.
    Symlink(String, String),
}

/// A chart archive (`.tgz`) from entries, written with raw tar headers so that unsafe
/// paths and links can be produced for negative tests.
pub fn chart_tgz(entries: &[ChartFile]) -> Result<Vec<u8>, TestkitError> {
    let io = |what: &'static str| TestkitError::io(format!("building a chart archive: {what}"));
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    {
        let mut builder = tar::Builder::new(&mut gz);
        for entry in entries {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_mtime(0);
            match entry {
                ChartFile::File(path, bytes) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(bytes.len() as u64);
                    set_raw_path(&mut header, path);
                    header.set_cksum();
                    builder
                        .append(&header, bytes.as_slice())
                        .map_err(io("file entry"))?;
                }
                ChartFile::Symlink(path, target) => {
                    header.set_entry_type(tar::EntryType::Symlink);
                    header.set_size(0);
                    set_raw_path(&mut header, path);
                    header.set_link_name(target).map_err(io("symlink target"))?;
                    header.set_cksum();
                    builder
                        .append(&header, std::io::empty())
                        .map_err(io("symlink entry"))?;
                }
            }
        }
        builder.finish().map_err(io("finishing"))?;
    }
    gz.finish().map_err(io("compressing"))
}

fn set_raw_path(header: &mut tar::Header, path: &str) {
    // Header::set_path refuses `..`; negative tests need it, so write the bytes directly.
    let name = &mut header.as_old_mut().name;
    name.fill(0);
    let bytes = path.as_bytes();
    let n = bytes.len().min(name.len());
    name[..n].copy_from_slice(&bytes[..n]);
}

/// A chart added to a [`HelmRepoServer`].
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    version: String,
    file: String,
    digest: String,
}

struct RepoState {
    root: PathBuf,
    basic_auth: Option<(String, String)>,
    requests: AtomicUsize,
}

/// A Helm repository on `http://127.0.0.1:<port>`; stops on drop.
pub struct HelmRepoServer {
    dir: TempDir,
    url: String,
    ca_pem: Option<String>,
    state: Arc<RepoState>,
    entries: Mutex<Vec<Entry>>,
    _thread: ServerThread,
}

impl std::fmt::Debug for HelmRepoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelmRepoServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl HelmRepoServer {
    /// Starts a repository over HTTP; with `basic_auth`, every request needs those
    /// credentials.
    pub fn start(basic_auth: Option<(&str, &str)>) -> Result<HelmRepoServer, TestkitError> {
        Self::start_with(basic_auth, false)
    }

    /// Starts a repository over HTTPS with a certificate from a new CA
    /// ([`ca_pem`](Self::ca_pem)).
    pub fn start_tls(basic_auth: Option<(&str, &str)>) -> Result<HelmRepoServer, TestkitError> {
        Self::start_with(basic_auth, true)
    }

    fn start_with(
        basic_auth: Option<(&str, &str)>,
        tls: bool,
    ) -> Result<HelmRepoServer, TestkitError> {
        let dir = tempfile::Builder::new()
            .prefix("flux-testkit-helm-repo-")
            .tempdir()
            .map_err(TestkitError::io("creating the helm repository dir"))?;
        let state = Arc::new(RepoState {
            root: dir.path().to_path_buf(),
            basic_auth: basic_auth.map(|(u, p)| (u.to_string(), p.to_string())),
            requests: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(serve_file).with_state(state.clone());
        let (acceptor, ca_pem) = if tls {
            let ca = crate::pki::TestCa::new("flux-testkit-helm-ca")?;
            let cert = ca.server_cert("flux-testkit-helm", &["127.0.0.1", "localhost"])?;
            (
                Some(super::tls::acceptor(&cert)?),
                Some(ca.cert_pem().to_string()),
            )
        } else {
            (None, None)
        };
        let scheme = if tls { "https" } else { "http" };
        let (thread, port) = ServerThread::spawn("helm-repo", move |tcp| async move {
            match acceptor {
                Some(acceptor) => {
                    let listener = super::tls::TlsListener { tcp, acceptor };
                    let _ = axum::serve(listener, app).await;
                }
                None => {
                    let _ = axum::serve(tcp, app).await;
                }
            }
        })?;
        let server = HelmRepoServer {
            dir,
            url: format!("{scheme}://127.0.0.1:{port}"),
            ca_pem,
            state,
            entries: Mutex::new(Vec::new()),
            _thread: thread,
        };
        server.write_index()?;
        Ok(server)
    }

    /// The CA certificate (PEM) of an HTTPS repository.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The repository URL (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The directory served.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// How many requests the server has answered.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Adds a simple chart `name`-`version` (a ConfigMap template, `values.yaml` with
    /// `extra_values` appended) and rewrites `index.yaml`. Returns the archive bytes.
    pub fn add_chart(
        &self,
        name: &str,
        version: &str,
        extra_values: &str,
    ) -> Result<Vec<u8>, TestkitError> {
        let files = vec![
            ChartFile::File(
                format!("{name}/Chart.yaml"),
                format!("apiVersion: v2\nname: {name}\nversion: {version}\n").into_bytes(),
            ),
            ChartFile::File(
                format!("{name}/values.yaml"),
                format!("replicaCount: 1\n{extra_values}").into_bytes(),
            ),
            ChartFile::File(
                format!("{name}/templates/configmap.yaml"),
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
                    .to_vec(),
            ),
        ];
        let bytes = chart_tgz(&files)?;
        self.add_archive(name, version, &bytes)?;
        Ok(bytes)
    }

    /// Adds an arbitrary archive as `name`-`version` and rewrites `index.yaml`.
    pub fn add_archive(&self, name: &str, version: &str, bytes: &[u8]) -> Result<(), TestkitError> {
        let file = format!("{name}-{version}.tgz");
        self.put_file(&file, bytes)?;
        let entry = Entry {
            name: name.to_string(),
            version: version.to_string(),
            file,
            digest: hex::encode(Sha256::digest(bytes)),
        };
        self.entries
            .lock()
            .map_err(|_| TestkitError::Io {
                context: "helm repository entries".into(),
                source: std::io::Error::other("poisoned lock"),
            })?
            .push(entry);
        self.write_index()
    }

    /// Writes a file into the served directory (e.g. a corrupt `index.yaml`).
    pub fn put_file(&self, rel: &str, bytes: &[u8]) -> Result<(), TestkitError> {
        let path = self.dir.path().join(rel);
        let mut f = std::fs::File::create(&path)
            .map_err(TestkitError::io(format!("writing {}", path.display())))?;
        f.write_all(bytes)
            .map_err(TestkitError::io(format!("writing {}", path.display())))
    }

    /// Rewrites `index.yaml` from the charts added so far.
    pub fn write_index(&self) -> Result<(), TestkitError> {
        let entries = self
            .entries
            .lock()
            .map_err(|_| TestkitError::Io {
                context: "helm repository entries".into(),
                source: std::io::Error::other("poisoned lock"),
            })?
            .clone();
        let mut names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        names.sort();
        names.dedup();
        let mut out = String::from("apiVersion: v1\nentries:\n");
        if names.is_empty() {
            out = String::from("apiVersion: v1\nentries: {}\n");
        }
        for name in names {
            out.push_str(&format!("  {name}:\n"));
            for e in entries.iter().filter(|e| e.name == name) {
                out.push_str(&format!(
                    "  - apiVersion: v2\n    name: {}\n    version: \"{}\"\n    digest: {}\n    urls:\n    - {}\n    created: \"2024-01-01T00:00:00Z\"\n",
                    e.name, e.version, e.digest, e.file
                ));
            }
        }
        out.push_str("generated: \"2024-01-01T00:00:00Z\"\n");
        self.put_file("index.yaml", out.as_bytes())
    }
}

async fn serve_file(State(state): State<Arc<RepoState>>, req: Request) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    if let Some((user, password)) = &state.basic_auth {
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !basic_auth_matches(header, user, password) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"helm\"")],
                "unauthorized",
            )
                .into_response();
        }
    }
    let rel = req.uri().path().trim_start_matches('/');
    if rel.is_empty() || rel.split('/').any(|p| p == ".." || p.is_empty()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = state.root.join(rel);
    match tokio::fs::File::open(&path).await {
        Ok(file) => {
            let len = file.metadata().await.map(|m| m.len()).unwrap_or_default();
            let body = axum::body::Body::from_stream(tokio_util_stream(file));
            ([(header::CONTENT_LENGTH, len.to_string())], body).into_response()
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Streams a file in chunks so that enormous files are not loaded into the server's memory.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    use tokio::io::AsyncReadExt;
    futures::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
