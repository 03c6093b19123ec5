//! HTTPS for the Helm repository fixture: a rustls acceptor for a certificate from a
//! throw-away CA; the listener that completes handshakes is the Git fixture's.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::TestkitError;
use crate::pki::CertPair;

/// A rustls acceptor serving `server`.
pub(crate) fn acceptor(server: &CertPair) -> Result<TlsAcceptor, TestkitError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cert = CertificateDer::from_pem_slice(server.cert_pem.as_bytes())
        .map_err(|e| TestkitError::Tls(format!("server certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes())
        .map_err(|e| TestkitError::Tls(format!("server key: {e}")))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TestkitError::Tls(format!("protocol versions: {e}")))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| TestkitError::Tls(format!("server certificate: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

pub(crate) use crate::git::tls::TlsListener;
