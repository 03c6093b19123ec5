//! Shared runner for case directories laid out like `../shared/corpus/kustomize`:
//! `<case>/case.json`, `<case>/fs/...`, `expected.yaml` or `expected-error.txt`.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use flux_kustomize::{
    BuildOptions, LoadRestrictor, Reorder, build, parse_documents, to_yaml_stream,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The result of one case.
pub enum Outcome {
    /// Matched as data.
    Pass,
    /// Matched byte for byte (kustomize's exact YAML text).
    PassIdentical,
    /// Did not match, with details.
    Fail(String),
}

/// Reads a case's metadata.
pub fn meta(case: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap()
}

/// Build options and directory of a case.
pub fn options(case: &Path) -> (PathBuf, BuildOptions) {
    let meta = meta(case);
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
    (case.join(s("dir")), opts)
}

/// Compares two YAML streams as data, in order.
pub fn same_stream(ours: &str, expected: &str) -> Result<(), String> {
    let a = parse_documents(ours, "our output")
        .map_err(|e| format!("our output does not parse: {e}"))?;
    let b = parse_documents(expected, "expected")
        .map_err(|e| format!("expected does not parse: {e}"))?;
    if a == b {
        Ok(())
    } else {
        Err(format!("--- ours\n{ours}--- expected\n{expected}"))
    }
}

/// Builds a case and compares with its expectation.
pub fn run_case(case: &Path) -> Outcome {
    let meta = meta(case);
    let (dir, opts) = options(case);
    let result = match std::panic::catch_unwind(|| build(&dir, &opts)) {
        Ok(r) => r,
        Err(_) => return Outcome::Fail("PANIC".into()),
    };
    if meta.get("expect").and_then(Value::as_str) == Some("error") {
        return match result {
            Err(_) => Outcome::Pass,
            Ok(_) => Outcome::Fail("expected an error, build succeeded".into()),
        };
    }
    let docs = match result {
        Ok(d) => d,
        Err(e) => return Outcome::Fail(format!("error: {e}")),
    };
    let expected = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
    let ours = to_yaml_stream(&docs);
    if ours == expected {
        return Outcome::PassIdentical;
    }
    match same_stream(&ours, &expected) {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}

/// Results of a suite.
pub struct Summary {
    /// Cases that passed (as data).
    pub passed: usize,
    /// Of those, cases whose output was byte-identical to the expectation.
    pub identical: usize,
    /// All cases.
    pub total: usize,
    /// Failing cases with the first line of their difference.
    pub failed: Vec<String>,
}

/// Runs every case under `dir` (filtered by `KUSTOMIZE_CASE`), printing failures.
pub fn run_suite(dir: &Path, label: &str) -> Summary {
    let filter = std::env::var("KUSTOMIZE_CASE").ok();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
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
    let mut identical = 0;
    let mut failed = Vec::new();
    for c in &cases {
        let name = c.file_name().unwrap().to_string_lossy().to_string();
        match run_case(c) {
            Outcome::Pass => passed += 1,
            Outcome::PassIdentical => {
                passed += 1;
                identical += 1;
            }
            Outcome::Fail(why) => {
                if filter.is_some() {
                    println!("=== {name}\n{why}");
                }
                let first: String = why.lines().next().unwrap_or("").chars().take(160).collect();
                failed.push(format!("{name}: {first}"));
            }
        }
    }
    println!(
        "{label}: {passed}/{} passed ({identical} byte-identical)",
        cases.len()
    );
    for f in &failed {
        println!("FAIL {f}");
    }
    Summary {
        passed,
        identical,
        total: cases.len(),
        failed,
    }
}
