//! Helpers shared by the CLI's end-to-end tests: running the built `flux-rs` binary against
//! the shared control plane, and small kube helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use flux_testkit::ControlPlane;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

/// The result of one `flux-rs` run.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "flux-rs failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts a failure with `code` and no panic, and returns stderr.
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "expected exit code {code}:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "flux-rs panicked: {}",
            self.stderr
        );
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "stack trace: {}",
            self.stderr
        );
        &self.stderr
    }
}

/// The built binary.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flux-rs"))
}

/// The kubeconfig of the shared control plane.
pub fn kubeconfig() -> PathBuf {
    ControlPlane::shared().kubeconfig_path().to_path_buf()
}

/// Runs `flux-rs --kubeconfig <shared> args...`.
pub async fn flux(args: &[&str]) -> Run {
    flux_in(None, args, None).await
}

/// Runs `flux-rs` in `dir` with optional stdin.
pub async fn flux_in(dir: Option<&Path>, args: &[&str], stdin: Option<&str>) -> Run {
    let kubeconfig = kubeconfig();
    let mut cmd = tokio::process::Command::new(binary());
    if !args.iter().any(|a| a.starts_with("--kubeconfig")) {
        cmd.arg("--kubeconfig").arg(&kubeconfig);
    }
    cmd.args(args)
        .env_remove("FLUX_SYSTEM_NAMESPACE")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().expect("spawning flux-rs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).await.unwrap();
        drop(pipe);
    }
    let out = child.wait_with_output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs kubectl with the shared kubeconfig, feeding `stdin`; returns (code, stdout, stderr).
pub async fn kubectl(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new("kubectl");
    cmd.arg("--kubeconfig")
        .arg(kubeconfig())
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawning kubectl (a test prerequisite)");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).await.unwrap();
        drop(pipe);
    }
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A dynamic API for a Flux kind.
pub fn api(
    client: &kube::Client,
    ns: &str,
    kind: &flux_cli::kinds::FluxKind,
) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), ns, &kind.api_resource())
}

/// Reads an object as JSON.
pub async fn get_json(
    client: &kube::Client,
    ns: &str,
    kind: &flux_cli::kinds::FluxKind,
    name: &str,
) -> Value {
    serde_json::to_value(api(client, ns, kind).get(name).await.unwrap()).unwrap()
}

/// Replaces an object's status through the status subresource (what a controller does).
pub async fn set_status(
    client: &kube::Client,
    ns: &str,
    kind: &flux_cli::kinds::FluxKind,
    name: &str,
    status: Value,
) {
    api(client, ns, kind)
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"status": status})),
        )
        .await
        .unwrap();
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    flux_testkit::repo_root()
}
