//! Error classification and credential handling against a minimal local HTTP server
//! that records requests and answers with a fixed status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flux_git::{AuthOptions, CheckoutOptions, ErrorKind, GitReference, checkout, remote_head};

/// Serves every request with `status`; records the request headers.
fn server(status: &'static str, hang: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                headers.push_str(&line);
            }
            seen2.lock().unwrap().push(headers);
            if hang {
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (format!("http://{addr}/org/repo.git"), seen)
}

fn opts(url: &str, auth: AuthOptions) -> CheckoutOptions {
    let mut o = CheckoutOptions::new(url, GitReference::default());
    o.auth = auth;
    o.timeout = Duration::from_secs(5);
    o
}

#[test]
fn rejected_basic_auth_is_an_authentication_error_without_the_password() {
    let (url, seen) = server("401 Unauthorized", false);
    let auth = AuthOptions {
        username: Some("flux".into()),
        password: Some("s3cr3t-password".into()),
        ..Default::default()
    };
    let dest = tempfile::tempdir().unwrap();
    let err = checkout(&opts(&url, auth.clone()), dest.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert!(err.is_auth());
    let msg = format!("{err} {err:?}");
    assert!(!msg.contains("s3cr3t-password"), "{msg}");
    assert!(
        msg.contains("127.0.0.1"),
        "the message names the URL: {msg}"
    );
    // The credentials were sent (up front over plain http, as Flux allows).
    let requests = seen.lock().unwrap().join("\n").to_ascii_lowercase();
    assert!(requests.contains("authorization: basic"), "{requests}");

    let err = remote_head(&url, &GitReference::default(), &auth).unwrap_err();
    assert!(err.is_auth(), "{err}");
}

#[test]
fn bearer_token_is_sent_as_authorization_header() {
    let (url, seen) = server("401 Unauthorized", false);
    let auth = AuthOptions {
        bearer_token: Some("tok-123456".into()),
        ..Default::default()
    };
    let err = checkout(&opts(&url, auth), tempfile::tempdir().unwrap().path()).unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(!err.to_string().contains("tok-123456"), "{err}");
    let requests = seen.lock().unwrap().join("\n");
    assert!(
        requests.contains("Bearer tok-123456"),
        "bearer header not sent: {requests}"
    );
}

#[test]
fn missing_repository_is_not_found() {
    let (url, _) = server("404 Not Found", false);
    let err = checkout(
        &opts(&url, AuthOptions::default()),
        tempfile::tempdir().unwrap().path(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[test]
fn refused_connection_is_a_network_error() {
    // Bind then drop to get a port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/repo.git");
    let err = checkout(
        &opts(&url, AuthOptions::default()),
        tempfile::tempdir().unwrap().path(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
}

#[test]
fn a_server_that_never_answers_hits_the_timeout() {
    let (url, _) = server("200 OK", true);
    let mut o = opts(&url, AuthOptions::default());
    o.timeout = Duration::from_secs(1);
    let err = checkout(&o, tempfile::tempdir().unwrap().path()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Network),
        "{err}"
    );
}

#[test]
fn the_git_cli_path_is_bounded_by_the_timeout_too() {
    let (url, _) = server("200 OK", true);
    let mut o = opts(&url, AuthOptions::default());
    o.recurse_submodules = true;
    o.timeout = Duration::from_secs(1);
    let err = checkout(&o, tempfile::tempdir().unwrap().path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}
