//! Scenario: the README's main job (`make demo`) works end to end: the sample repository
//! is reconciled by source-controller and kustomize-controller, and a new commit rolls out.
//! Runs the built `demo` binary (e2e/scripts/test.sh builds every binary first).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn demo_reconciles_the_sample_repository_and_rolls_out_a_new_commit() {
    let bin_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .to_path_buf();
    let demo = bin_dir.join("demo");
    assert!(
        demo.exists(),
        "{} is missing: run `cargo build --workspace --bins` first",
        demo.display()
    );
    let output = Command::new(&demo).arg("--exit").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed:\n{stdout}\n{stderr}");
    for expected in [
        "Kustomization podinfo-production is Ready: Applied revision: main@sha1:",
        "image ghcr.io/stefanprodan/podinfo:6.7.0",
        "image ghcr.io/stefanprodan/podinfo:6.7.1",
        "the new commit rolled out",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}
