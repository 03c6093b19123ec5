//! Smart HTTP(S) git server: axum in front of `git http-backend` (CGI).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

use super::repo::{TestRepo, isolate};
use super::tls::{TlsListener, acceptor};
use crate::TestkitError;
use crate::pki::{CertPair, TestCa};

/// Largest request body accepted (a push of test fixtures stays far below).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// Options for a [`GitServer`]; see [`GitServer::builder`].
#[derive(Debug, Default, Clone)]
pub struct GitServerBuilder {
    basic_auth: Option<(String, String)>,
    bearer_token: Option<String>,
    tls: bool,
    require_client_cert: bool,
}

impl GitServerBuilder {
    /// Require HTTP basic auth with this user and password (either this or the bearer token
    /// is accepted when both are set).
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.basic_auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// Require `Authorization: Bearer <token>`.
    pub fn bearer_token(mut self, token: &str) -> Self {
        self.bearer_token = Some(token.to_owned());
        self
    }

    /// Serve HTTPS with a certificate from a fresh test CA ([`GitServer::ca_pem`]).
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Serve HTTPS and require a client certificate issued by the test CA
    /// ([`GitServer::client_cert`]).
    pub fn require_client_cert(mut self) -> Self {
        self.tls = true;
        self.require_client_cert = true;
        self
    }

    /// Starts the server on a free loopback port.
    pub async fn start(self) -> Result<GitServer, TestkitError> {
        GitServer::start_with(self)
    }
}

/// A smart-HTTP git server on `127.0.0.1` serving the bare repositories created with
/// [`create_repo`](GitServer::create_repo). Pushes (receive-pack) are enabled. Stops on drop.
pub struct GitServer {
    dir: TempDir,
    base_url: String,
    ca_pem: Option<String>,
    client_cert: Option<CertPair>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for GitServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitServer")
            .field("base_url", &self.base_url)
            .field("root", &self.dir.path())
            .finish_non_exhaustive()
    }
}

struct ServerState {
    project_root: PathBuf,
    basic_auth: Option<(String, String)>,
    bearer_token: Option<String>,
}

impl GitServer {
    /// Options: authentication and TLS.
    pub fn builder() -> GitServerBuilder {
        GitServerBuilder::default()
    }

    /// A plain HTTP server without authentication.
    pub async fn start() -> Result<GitServer, TestkitError> {
        GitServer::start_with(GitServerBuilder::default())
    }

    fn start_with(opts: GitServerBuilder) -> Result<GitServer, TestkitError> {
        let dir = tempfile::Builder::new()
            .prefix("flux-testkit-git-http-")
            .tempdir()
            .map_err(TestkitError::io("creating the git server's temp dir"))?;
        for sub in ["repos", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).map_err(TestkitError::io(format!(
                "creating {sub} in the git server dir"
            )))?;
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(TestkitError::io("binding the git server's port"))?;
        listener
            .set_nonblocking(true)
            .map_err(TestkitError::io("configuring the git server's socket"))?;
        let port = listener
            .local_addr()
            .map_err(TestkitError::io("reading the git server's port"))?
            .port();

        let (tls, ca_pem, client_cert) = if opts.tls {
            let ca = TestCa::new("flux-testkit-git-ca")?;
            let server_cert = ca.server_cert("flux-testkit-git", &["127.0.0.1", "localhost"])?;
            let client_cert = ca.client_cert("flux-testkit-git-client", None)?;
            let client_ca = opts.require_client_cert.then(|| ca.cert_pem());
            let acceptor = acceptor(&server_cert, client_ca)?;
            (
                Some(acceptor),
                Some(ca.cert_pem().to_owned()),
                Some(client_cert),
            )
        } else {
            (None, None, None)
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(ServerState {
            project_root: dir.path().join("repos"),
            basic_auth: opts.basic_auth,
            bearer_token: opts.bearer_token,
        });
        let app = Router::new().fallback(handle).with_state(state);

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(TestkitError::io("building the git server's runtime"))?;
        let (tx, rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), std::io::Error>>();
        let thread = std::thread::Builder::new()
            .name("flux-testkit-git-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let tcp = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    // Dropping the serve future (not a graceful shutdown) closes idle keep-alive
                    // connections too; the runtime's drop cancels in-flight requests.
                    match tls {
                        Some(acceptor) => {
                            let listener = TlsListener { tcp, acceptor };
                            tokio::select! {
                                _ = axum::serve(listener, app) => {}
                                _ = rx => {}
                            }
                        }
                        None => {
                            tokio::select! {
                                _ = axum::serve(tcp, app) => {}
                                _ = rx => {}
                            }
                        }
                    }
                });
            })
            .map_err(TestkitError::io("spawning the git server thread"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(TestkitError::io("starting the git server")(e)),
            Err(_) => {
                return Err(TestkitError::Internal(
                    "the git server thread ended before listening".into(),
                ));
            }
        }
        Ok(GitServer {
            dir,
            base_url: format!("{scheme}://127.0.0.1:{port}"),
            ca_pem,
            client_cert,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Creates the bare repository `<name>.git` with default branch `main`.
    pub async fn create_repo(&self, name: &str) -> Result<TestRepo, TestkitError> {
        TestRepo::create(
            &self.dir.path().join("repos"),
            &self.dir.path().join("work"),
            name,
            self.repo_url(name),
        )
        .await
    }

    /// `http(s)://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Clone URL of repository `name`: `<base_url>/<name>.git`.
    pub fn repo_url(&self, name: &str) -> String {
        format!("{}/{name}.git", self.base_url)
    }

    /// PEM of the CA that signed the server certificate (HTTPS servers only).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// A client certificate issued by the test CA (HTTPS servers only); required by servers
    /// built with [`GitServerBuilder::require_client_cert`].
    pub fn client_cert(&self) -> Option<&CertPair> {
        self.client_cert.as_ref()
    }

    /// Directory holding the bare repositories.
    pub fn repos_dir(&self) -> PathBuf {
        self.dir.path().join("repos")
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn handle(State(state): State<Arc<ServerState>>, req: Request) -> Response {
    let user = match authenticate(&state, req.headers()) {
        Some(user) => user,
        None => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"flux-testkit\"")],
                "authentication required\n",
            )
                .into_response();
        }
    };
    match run_backend(&state.project_root, &user, req).await {
        Ok(resp) => resp,
        Err(message) => (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
    }
}

/// The authenticated user name, `anonymous` when no authentication is configured, or `None`.
fn authenticate(state: &ServerState, headers: &HeaderMap) -> Option<String> {
    if state.basic_auth.is_none() && state.bearer_token.is_none() {
        return Some("anonymous".into());
    }
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let (Some(token), Some(given)) = (&state.bearer_token, value.strip_prefix("Bearer "))
        && given.trim() == token
    {
        return Some("bearer".into());
    }
    if let (Some((user, password)), Some(given)) = (&state.basic_auth, value.strip_prefix("Basic "))
    {
        let decoded = B64.decode(given.trim()).ok()?;
        if decoded == format!("{user}:{password}").as_bytes() {
            return Some(user.clone());
        }
    }
    None
}

async fn run_backend(root: &Path, user: &str, req: Request) -> Result<Response, String> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| format!("reading the request body: {e}"))?;
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let mut cmd = tokio::process::Command::new("git");
    cmd.arg("http-backend");
    isolate(&mut cmd);
    cmd.env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", parts.uri.path())
        .env("QUERY_STRING", parts.uri.query().unwrap_or(""))
        .env("REQUEST_METHOD", parts.method.as_str())
        .env("CONTENT_TYPE", header("content-type"))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("GIT_PROTOCOL", header("git-protocol"))
        .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
        .env("REMOTE_USER", user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("starting git http-backend: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git http-backend has no stdin")?;
    // Write concurrently with reading stdout so large packs cannot deadlock on pipe buffers.
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&body).await;
        drop(stdin);
    });
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| format!("running git http-backend: {e}"))?;
    let _ = writer.await;
    parse_cgi(&output.stdout).ok_or_else(|| {
        format!(
            "git http-backend returned no CGI headers ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Turns CGI output (headers, blank line, body) into an HTTP response.
fn parse_cgi(out: &[u8]) -> Option<Response> {
    let (head_len, sep_len) = find_header_end(out)?;
    let head = std::str::from_utf8(&out[..head_len]).ok()?;
    let mut builder = Response::builder().status(StatusCode::OK);
    for line in head.lines() {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split_whitespace().next()?.parse::<u16>().ok()?;
            builder = builder.status(StatusCode::from_u16(code).ok()?);
        } else {
            builder = builder.header(name.trim(), value);
        }
    }
    builder
        .body(Body::from(out[head_len + sep_len..].to_vec()))
        .ok()
}

/// Offset of the blank line ending the CGI headers and its length (`\r\n\r\n` or `\n\n`).
fn find_header_end(out: &[u8]) -> Option<(usize, usize)> {
    let crlf = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, 4));
    let lf = out.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgi_output_becomes_a_response() {
        let out = b"Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nmissing";
        let resp = parse_cgi(out).unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(resp.headers()["content-type"], "text/plain");

        let ok = parse_cgi(b"Content-Type: application/x-git-upload-pack-advertisement\n\nBODY")
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert!(parse_cgi(b"no headers here").is_none());
    }

    #[test]
    fn credentials_are_checked() {
        let state = ServerState {
            project_root: PathBuf::new(),
            basic_auth: Some(("flux".into(), "s3cr3t".into())),
            bearer_token: Some("tok".into()),
        };
        let mut h = HeaderMap::new();
        assert_eq!(authenticate(&state, &h), None);
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {}", B64.encode("flux:s3cr3t"))
                .parse()
                .unwrap(),
        );
        assert_eq!(authenticate(&state, &h).as_deref(), Some("flux"));
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {}", B64.encode("flux:wrong"))
                .parse()
                .unwrap(),
        );
        assert_eq!(authenticate(&state, &h), None);
        h.insert(header::AUTHORIZATION, "Bearer tok".parse().unwrap());
        assert_eq!(authenticate(&state, &h).as_deref(), Some("bearer"));
        h.insert(header::AUTHORIZATION, "Bearer nope".parse().unwrap());
        assert_eq!(authenticate(&state, &h), None);
    }
}
