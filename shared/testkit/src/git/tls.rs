//! TLS for the HTTP git server: a rustls acceptor and an axum listener that performs handshakes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::TestkitError;
use crate::pki::CertPair;

/// A rustls server configuration for `server`, requiring client certificates issued by
/// `client_ca_pem` when given.
pub(crate) fn acceptor(
    server: &CertPair,
    client_ca_pem: Option<&str>,
) -> Result<TlsAcceptor, TestkitError> {
    let tls = |what: &str| {
        let what = what.to_owned();
        move |e: rustls::Error| TestkitError::Tls(format!("{what}: {e}"))
    };
    let pem = |what: &str| {
        let what = what.to_owned();
        move |e: rustls::pki_types::pem::Error| TestkitError::Tls(format!("{what}: {e}"))
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls("protocol versions"))?;
    let builder = match client_ca_pem {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(ca.as_bytes()).map_err(pem("client CA"))?)
                .map_err(tls("client CA"))?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TestkitError::Tls(format!("client verifier: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let cert = CertificateDer::from_pem_slice(server.cert_pem.as_bytes())
        .map_err(pem("server certificate"))?;
    let key =
        PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes()).map_err(pem("server key"))?;
    let mut config = builder
        .with_single_cert(vec![cert], key)
        .map_err(tls("server certificate"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Accepts TCP connections and completes the TLS handshake before handing them to axum.
/// Failed handshakes (wrong CA, missing client certificate) are dropped, as a server would.
pub(crate) struct TlsListener {
    pub(crate) tcp: TcpListener,
    pub(crate) acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.tcp.accept().await {
                Ok(conn) => conn,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let handshake = self.acceptor.accept(stream);
            if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), handshake).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
