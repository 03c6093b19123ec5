//! A forward HTTP proxy for `proxySecretRef` tests: plain-HTTP requests in absolute form
//! and `CONNECT` tunnels, optionally behind `Proxy-Authorization` basic auth. It counts
//! the connections it forwarded, so a test can tell that traffic really went through it.
//!
//! Each client connection is forwarded to the upstream named by its first request; later
//! requests on a kept-alive connection go to the same upstream, which is all the
//! single-server tests need.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{ServerThread, basic_auth_matches};
use crate::TestkitError;

const MAX_HEAD: usize = 64 * 1024;

struct ProxyState {
    basic_auth: Option<(String, String)>,
    forwarded: AtomicUsize,
    rejected: AtomicUsize,
}

/// A proxy on `http://127.0.0.1:<port>`; stops on drop.
pub struct HttpProxy {
    address: String,
    state: Arc<ProxyState>,
    _thread: ServerThread,
}

impl std::fmt::Debug for HttpProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProxy")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl HttpProxy {
    /// Starts the proxy; with `basic_auth`, connections without those credentials get 407.
    pub fn start(basic_auth: Option<(&str, &str)>) -> Result<HttpProxy, TestkitError> {
        let state = Arc::new(ProxyState {
            basic_auth: basic_auth.map(|(u, p)| (u.to_string(), p.to_string())),
            forwarded: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
        });
        let serve_state = state.clone();
        let (thread, port) = ServerThread::spawn("http-proxy", move |listener| {
            accept_loop(listener, serve_state)
        })?;
        Ok(HttpProxy {
            address: format!("http://127.0.0.1:{port}"),
            state,
            _thread: thread,
        })
    }

    /// `http://127.0.0.1:<port>` (the `address` of a proxy Secret).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Connections forwarded upstream so far.
    pub fn forwarded(&self) -> usize {
        self.state.forwarded.load(Ordering::SeqCst)
    }

    /// Connections refused for missing or wrong credentials so far.
    pub fn rejected(&self) -> usize {
        self.state.rejected.load(Ordering::SeqCst)
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<ProxyState>) {
    while let Ok((stream, _)) = listener.accept().await {
        let state = state.clone();
        tokio::spawn(async move {
            let _ = handle(stream, state).await;
        });
    }
}

async fn handle(mut client: TcpStream, state: Arc<ProxyState>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    // Requests refused with 407 keep the connection open, as real proxies do, so the
    // client sees the 407 rather than a closed connection on its next request.
    let (end, method, target) = loop {
        let end = loop {
            if let Some(pos) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            if head.len() > MAX_HEAD {
                return respond(&mut client, "431 Request Header Fields Too Large", true).await;
            }
            let n = client.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            head.extend_from_slice(&chunk[..n]);
        };
        let text = String::from_utf8_lossy(&head[..end]).into_owned();
        let mut lines = text.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split_whitespace();
        let method = request_line.next().unwrap_or_default().to_string();
        let target = request_line.next().unwrap_or_default().to_string();
        let proxy_auth = lines.find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("proxy-authorization")
                .then(|| value.trim())
        });
        match &state.basic_auth {
            Some((user, password)) if !basic_auth_matches(proxy_auth, user, password) => {
                state.rejected.fetch_add(1, Ordering::SeqCst);
                // Only bodiless requests (GET, HEAD, CONNECT) can be refused in place;
                // anything else gets the 407 and a closed connection.
                let bodiless = matches!(method.as_str(), "GET" | "HEAD" | "CONNECT");
                respond(&mut client, "407 Proxy Authentication Required", !bodiless).await?;
                if !bodiless {
                    return Ok(());
                }
                head.drain(..end);
            }
            _ => break (end, method, target),
        }
    };
    let upstream_addr = if method.eq_ignore_ascii_case("CONNECT") {
        target.clone()
    } else {
        match target
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
        {
            Some(host) if host.contains(':') => host.to_string(),
            Some(host) => format!("{host}:80"),
            None => return respond(&mut client, "400 Bad Request", true).await,
        }
    };
    let mut upstream = match TcpStream::connect(&upstream_addr).await {
        Ok(s) => s,
        Err(_) => return respond(&mut client, "502 Bad Gateway", true).await,
    };
    state.forwarded.fetch_add(1, Ordering::SeqCst);
    if method.eq_ignore_ascii_case("CONNECT") {
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        upstream.write_all(&head[end..]).await?;
    } else {
        // The request goes on in absolute form, which HTTP/1.1 servers must accept.
        upstream.write_all(&head).await?;
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

async fn respond(client: &mut TcpStream, status: &str, close: bool) -> std::io::Result<()> {
    let auth = if status.starts_with("407") {
        "Proxy-Authenticate: Basic realm=\"flux-testkit\"\r\n"
    } else {
        ""
    };
    let connection = if close { "close" } else { "keep-alive" };
    client
        .write_all(
            format!(
                "HTTP/1.1 {status}\r\n{auth}Content-Length: 0\r\nConnection: {connection}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
    if close {
        client.shutdown().await?;
    }
    Ok(())
}
