//! HTTPS with a custom CA (`ca.crt`) and mutual TLS (`tls.crt`/`tls.key`) through
//! gix's reqwest transport, against a local rustls server that answers 401 once the
//! TLS handshake succeeded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flux_git::{AuthOptions, CheckoutOptions, ErrorKind, GitReference, checkout};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

struct Pki {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
    client_cert_pem: String,
    client_key_pem: String,
    ca_der: CertificateDer<'static>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["flux-client".to_string()])
        .unwrap()
        .signed_by(&client_key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server_chain: vec![server.der().clone()],
        server_key: server_key.serialize_der(),
        client_cert_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// Starts a TLS server; returns its URL and the number of requests that got through TLS.
fn serve(pki: &Pki, require_client_cert: bool) -> (String, Arc<Mutex<usize>>) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone()));
    let config = Arc::new(
        builder
            .with_single_cert(pki.server_chain.clone(), key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(Mutex::new(0usize));
    let served2 = served.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut reader = BufReader::new(&mut tls);
            let mut got_request = false;
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line == "\r\n" => {
                        got_request = true;
                        break;
                    }
                    Ok(_) => {}
                }
            }
            if got_request {
                *served2.lock().unwrap() += 1;
                let _ = write!(
                    tls,
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        }
    });
    (format!("https://127.0.0.1:{port}/org/repo.git"), served)
}

fn try_checkout(url: &str, auth: AuthOptions) -> flux_git::Error {
    let mut o = CheckoutOptions::new(url, GitReference::default());
    o.auth = auth;
    o.timeout = Duration::from_secs(10);
    checkout(&o, tempfile::tempdir().unwrap().path()).unwrap_err()
}

#[test]
fn custom_ca_is_trusted_only_when_given() {
    let pki = pki();
    let (url, served) = serve(&pki, false);

    let err = try_checkout(&url, AuthOptions::default());
    assert_eq!(err.kind(), ErrorKind::Network, "untrusted server: {err}");
    assert_eq!(*served.lock().unwrap(), 0);

    let auth = AuthOptions {
        ca_cert: Some(pki.ca_pem.clone().into_bytes()),
        ..Default::default()
    };
    let err = try_checkout(&url, auth);
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert!(*served.lock().unwrap() >= 1, "the request passed TLS");
}

#[test]
fn client_certificate_is_presented_for_mutual_tls() {
    let pki = pki();
    let (url, served) = serve(&pki, true);
    let ca_only = AuthOptions {
        ca_cert: Some(pki.ca_pem.clone().into_bytes()),
        ..Default::default()
    };
    let err = try_checkout(&url, ca_only.clone());
    assert_ne!(err.kind(), ErrorKind::Authentication, "{err}");
    assert_eq!(*served.lock().unwrap(), 0);

    let mtls = AuthOptions {
        client_cert: Some(pki.client_cert_pem.clone().into_bytes()),
        client_key: Some(pki.client_key_pem.clone().into_bytes()),
        ..ca_only
    };
    let err = try_checkout(&url, mtls);
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert!(*served.lock().unwrap() >= 1);
}

#[test]
fn malformed_tls_material_is_an_auth_options_error() {
    let err = try_checkout(
        "https://127.0.0.1:1/repo.git",
        AuthOptions {
            client_cert: Some(b"not pem".to_vec()),
            client_key: Some(b"not pem".to_vec()),
            ..Default::default()
        },
    );
    assert_eq!(err.kind(), ErrorKind::InvalidAuth, "{err}");
    assert!(err.is_auth());
}
