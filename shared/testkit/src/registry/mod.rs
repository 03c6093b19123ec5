//! Fixtures for the non-Git sources: a real OCI registry (CNCF distribution, built by
//! `e2e/scripts/build-testbins.sh`) with htpasswd basic auth ([`OciRegistry`]), an
//! in-process S3 server (s3s-fs, with SigV4 credentials, [`S3Server`]) and Helm chart
//! repositories over HTTP with basic auth ([`HelmRepoServer`]), plus [`chart_tgz`] to
//! build chart archives (including deliberately unsafe ones). [`CosignKeyPair`] drives the
//! real `cosign` CLI to sign artifacts in the registry; [`HttpProxy`] is a forward proxy for
//! `proxySecretRef`.
//!
//! Each server runs on its own thread or process, so blocking test code can use it.

mod cosign;
mod helm_repo;
mod oci_registry;
mod proxy;
mod s3;
mod tls;

pub use cosign::{CosignKeyPair, cosign_binary};
pub use helm_repo::{ChartFile, HelmRepoServer, chart_tgz};
pub use oci_registry::OciRegistry;
pub use proxy::HttpProxy;
pub use s3::S3Server;

use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::TestkitError;

/// A server future run on a dedicated thread with its own runtime, stopped on drop.
pub(crate) struct ServerThread {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerThread {
    /// Binds `127.0.0.1:0` and runs `serve(listener)` on a new thread until dropped.
    /// Returns the thread and the bound port.
    pub(crate) fn spawn<F, Fut>(name: &str, serve: F) -> Result<(ServerThread, u16), TestkitError>
    where
        F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()>,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(TestkitError::io(format!("binding the {name} port")))?;
        listener
            .set_nonblocking(true)
            .map_err(TestkitError::io(format!("configuring the {name} socket")))?;
        let port = listener
            .local_addr()
            .map_err(TestkitError::io(format!("reading the {name} port")))?
            .port();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(TestkitError::io(format!("building the {name} runtime")))?;
        let (tx, rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), std::io::Error>>();
        let thread = std::thread::Builder::new()
            .name(format!("flux-testkit-{name}"))
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
                    tokio::select! {
                        _ = serve(tcp) => {}
                        _ = rx => {}
                    }
                });
                runtime.shutdown_background();
            })
            .map_err(TestkitError::io(format!("spawning the {name} thread")))?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(TestkitError::io(format!("starting the {name}"))(e)),
            Err(_) => {
                return Err(TestkitError::Io {
                    context: format!("starting the {name}"),
                    source: std::io::Error::other("the server thread ended before listening"),
                });
            }
        }
        Ok((
            ServerThread {
                shutdown: Some(tx),
                thread: Some(thread),
            },
            port,
        ))
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Whether an `Authorization` header carries `user:password` as basic auth.
pub(crate) fn basic_auth_matches(header: Option<&str>, user: &str, password: &str) -> bool {
    use base64::Engine as _;
    let Some(encoded) = header.and_then(|h| h.strip_prefix("Basic ")) else {
        return false;
    };
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|pair| pair == format!("{user}:{password}"))
}
