//! Scenario: every controller binary starts against the real control plane, answers
//! `/healthz`, `/readyz` and `/metrics`, and exits cleanly on SIGTERM.
//!
//! The binaries are taken from the target directory this test runs from
//! (`e2e/scripts/test.sh` builds them with `cargo build --workspace --bins` first).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flux_testkit::ControlPlane;

const CONTROLLERS: &[&str] = &[
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
];

/// `target/<profile>/` of the running test binary (`target/<profile>/deps/<test>`).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .to_path_buf()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.0 GET; returns the status code, or None while nothing listens.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

fn wait_for_status(child: &mut Child, name: &str, port: u16, path: &str, want: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{name} exited early with {status} before {path} answered");
        }
        if http_status(port, path) == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name}: {path} did not answer {want} within 60s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn every_controller_serves_health_and_stops_on_sigterm() {
    let cp = ControlPlane::shared();
    let dir = bin_dir();
    let storage = tempfile::tempdir().unwrap();
    for name in CONTROLLERS {
        let bin = dir.join(name);
        assert!(
            bin.exists(),
            "{} is missing: run `cargo build --workspace --bins` first (e2e/scripts/test.sh does)",
            bin.display()
        );
        let (health, metrics) = (free_port(), free_port());
        let mut cmd = Command::new(&bin);
        cmd.arg(format!("--kubeconfig={}", cp.kubeconfig_path().display()))
            .arg(format!("--health-addr=127.0.0.1:{health}"))
            .arg(format!("--metrics-addr=127.0.0.1:{metrics}"))
            .arg("--log-encoding=console")
            .env("RUNTIME_NAMESPACE", "default")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if *name == "source-controller" {
            cmd.arg(format!("--storage-path={}", storage.path().display()))
                .arg(format!("--storage-addr=127.0.0.1:{}", free_port()));
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        wait_for_status(&mut child, name, health, "/healthz", 200);
        wait_for_status(&mut child, name, health, "/readyz", 200);
        wait_for_status(&mut child, name, metrics, "/metrics", 200);

        let kill = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(kill.success(), "sending SIGTERM to {name}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not stop within 30s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(
            status.success(),
            "{name} exited with {status} after SIGTERM"
        );
        assert_eq!(
            http_status(health, "/healthz"),
            None,
            "{name} still serves after exit"
        );
    }
}
