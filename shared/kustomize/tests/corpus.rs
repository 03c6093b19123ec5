//! Runs the shared kustomize conformance corpus (`../shared/corpus/kustomize`):
//! each case is built with its options and compared with the oracle's output as
//! a document stream, as data, in order. Cases expecting an error must fail.
//! The pass count must not fall below `tests/corpus-floor.txt`.
//!
//! `KUSTOMIZE_CORPUS=<dir>` points at another corpus; `KUSTOMIZE_CASE=<substring>`
//! runs only matching cases and prints their differences.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use flux_kustomize::{
    BuildOptions, LoadRestrictor, Reorder, build, parse_documents, to_yaml_stream,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    match std::env::var("KUSTOMIZE_CORPUS") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/kustomize"),
    }
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(case: &Path) -> Outcome {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
    let s = |k: &str| {
        meta.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let opts = BuildOptions {
        load_restrictor: if s("load_restrictor") == "LoadRestrictionsNone" {
            LoadRestrictor::None
        } else {
            LoadRestrictor::RootOnly
        },
        reorder: if s("reorder") == "legacy" {
            Reorder::Legacy
        } else {
            Reorder::None
        },
    };
    let dir = case.join(s("dir"));
    let result = std::panic::catch_unwind(|| build(&dir, &opts));
    let result = match result {
        Ok(r) => r,
        Err(_) => return Outcome::Fail("PANIC".into()),
    };
    if s("expect") == "error" {
        return match result {
            Err(_) => Outcome::Pass,
            Ok(_) => Outcome::Fail("expected an error, build succeeded".into()),
        };
    }
    let docs = match result {
        Ok(d) => d,
        Err(e) => return Outcome::Fail(format!("error: {e}")),
    };
    let ours_text = to_yaml_stream(&docs);
    let ours = match parse_documents(&ours_text, "our output") {
        Ok(d) => d,
        Err(e) => return Outcome::Fail(format!("our output does not parse: {e}\n{ours_text}")),
    };
    let expected_text = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
    let expected = parse_documents(&expected_text, "expected.yaml").unwrap();
    if ours == expected {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "--- ours\n{ours_text}--- expected\n{expected_text}"
        ))
    }
}

#[test]
fn kustomize_corpus() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!("kustomize corpus not found at {}; skipping", dir.display());
        return;
    }
    let filter = std::env::var("KUSTOMIZE_CASE").ok();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .filter(|p| {
            filter
                .as_ref()
                .is_none_or(|f| p.to_string_lossy().contains(f.as_str()))
        })
        .collect();
    cases.sort();
    let mut passed = 0;
    let mut failed = Vec::new();
    for c in &cases {
        let name = c.file_name().unwrap().to_string_lossy().to_string();
        match run_case(c) {
            Outcome::Pass => passed += 1,
            Outcome::Fail(why) => {
                if filter.is_some() {
                    println!("=== {name}\n{why}");
                }
                let first = why
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(160)
                    .collect::<String>();
                failed.push(format!("{name}: {first}"));
            }
        }
    }
    println!("kustomize corpus: {passed}/{} passed", cases.len());
    for f in &failed {
        println!("FAIL {f}");
    }
    if filter.is_none() {
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
