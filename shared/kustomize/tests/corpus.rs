//! Runs the shared kustomize conformance corpus (`../shared/corpus/kustomize`):
//! each case is built with its options and compared with the oracle's output as
//! a document stream, as data, in order. Cases expecting an error must fail.
//! The pass count must not fall below `tests/corpus-floor.txt`.
//!
//! `KUSTOMIZE_CORPUS=<dir>` points at another corpus; `KUSTOMIZE_CASE=<substring>`
//! runs only matching cases and prints their differences.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    match std::env::var("KUSTOMIZE_CORPUS") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/kustomize"),
    }
}

#[test]
fn kustomize_corpus() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!("kustomize corpus not found at {}; skipping", dir.display());
        return;
    }
    let summary = common::run_suite(&dir, "kustomize corpus");
    let passed = summary.passed;
    if std::env::var("KUSTOMIZE_CASE").is_err() && std::env::var("KUSTOMIZE_CORPUS").is_err() {
        let floor: usize = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-floor.txt"),
        )
        .unwrap()
        .trim()
        .parse()
        .unwrap();
        assert!(
            passed >= floor,
            "kustomize corpus: {passed} passed, below the floor of {floor}"
        );
    }
}
