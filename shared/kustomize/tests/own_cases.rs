//! Our own cases, one or more per kustomization field (`testdata/cases`), with
//! expectations recorded from kustomize v5.8.1. Every case must pass.
//!
//! When a real kustomize is available the cases are also checked against it
//! live: `FLUX_KUSTOMIZE_ORACLE` names a `kubectl` (run as `kubectl kustomize`)
//! or `kustomize` (run as `kustomize build`) binary; without it the test looks
//! for the pinned oracle in `~/.cache/flux-rs/oracle/layer/kubectl/kubectl`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use flux_kustomize::{build, to_yaml_stream};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cases")
}

#[test]
fn own_cases_match_recorded_kustomize_output() {
    let s = common::run_suite(&cases_dir(), "own cases");
    assert!(
        s.total >= 15,
        "expected the testdata cases, found {}",
        s.total
    );
    assert_eq!(s.passed, s.total, "failing cases: {:?}", s.failed);
}

fn oracle() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("FLUX_KUSTOMIZE_ORACLE") {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var("HOME").ok()?;
    let p = Path::new(&home).join(".cache/flux-rs/oracle/layer/kubectl/kubectl");
    p.is_file().then_some(p)
}

#[test]
fn own_cases_match_live_kustomize() {
    let Some(oracle) = oracle() else {
        eprintln!("no kustomize oracle found; set FLUX_KUSTOMIZE_ORACLE to run this check");
        return;
    };
    let is_kubectl = oracle
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("kubectl"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut checked = 0;
    for case in dirs {
        let meta = common::meta(&case);
        if meta.get("live_oracle").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let (dir, opts) = common::options(&case);
        let mut cmd = Command::new(&oracle);
        if is_kubectl {
            cmd.arg("kustomize");
        } else {
            cmd.arg("build");
        }
        let out = cmd.arg(&dir).output().unwrap();
        let ours = build(&dir, &opts);
        let name = case.display();
        match (out.status.success(), ours) {
            (true, Ok(docs)) => {
                let theirs = String::from_utf8_lossy(&out.stdout);
                if let Err(e) = common::same_stream(&to_yaml_stream(&docs), &theirs) {
                    panic!("{name}: differs from the live oracle:\n{e}");
                }
            }
            (false, Err(_)) => {}
            (true, Err(e)) => panic!("{name}: the oracle succeeded, we failed: {e}"),
            (false, Ok(_)) => panic!(
                "{name}: the oracle failed ({}), we succeeded",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
        checked += 1;
    }
    println!("checked {checked} cases against {}", oracle.display());
    assert!(checked > 0);
}
