//! The shared `helm template` conformance corpus (../shared/corpus/helm):
//! every case is rendered and compared with Helm's output as YAML data, in
//! order. The pass count must not fall below `tests/corpus-floor.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use flux_helm::template::Value;
use flux_helm::yaml::load::parse_yaml_stream;
use flux_helm::{RenderOptions, render};

fn corpus_dir() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        here.join("../../../shared/corpus/helm"),
        here.join("../../shared/corpus/helm"),
        PathBuf::from("/work/shared/corpus/helm"),
    ];
    candidates
        .into_iter()
        .find(|p| p.join("README.md").exists())
}

fn docs(text: &str) -> Result<Vec<Value>, String> {
    Ok(parse_yaml_stream(text)?
        .into_iter()
        .filter(|d| !d.is_nil())
        .collect())
}

/// Render one case; Ok(()) when it matches the expectation.
fn run_case(dir: &Path) -> Result<(), String> {
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("case.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let s = |k: &str| case[k].as_str().unwrap_or_default().to_string();
    let extra: Vec<String> = case["extra_args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let opts = RenderOptions {
        release_name: s("release"),
        namespace: s("namespace"),
        kube_version: s("kube_version"),
        values_files: case["values_files"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .map(|f| dir.join(f))
                    .collect()
            })
            .unwrap_or_default(),
        include_crds: extra.iter().any(|a| a == "--include-crds"),
        skip_tests: extra.iter().any(|a| a == "--skip-tests"),
        ..Default::default()
    };
    let result = render(&dir.join(s("chart")), &opts);
    if s("expect") == "error" {
        return match result {
            Err(_) => Ok(()),
            Ok(_) => Err("expected an error, rendering succeeded".into()),
        };
    }
    let out = result
        .map_err(|e| format!("render failed: {e}"))?
        .to_helm_template_output();
    if let Ok(dump) = std::env::var("HELM_CORPUS_DUMP") {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::create_dir_all(&dump).unwrap();
        std::fs::write(Path::new(&dump).join(format!("{name}.yaml")), &out).unwrap();
    }
    let expected = std::fs::read_to_string(dir.join("expected.yaml")).map_err(|e| e.to_string())?;
    let want = docs(&expected).map_err(|e| format!("expected.yaml: {e}"))?;
    let got = docs(&out).map_err(|e| format!("our output does not parse: {e}"))?;
    if want.len() != got.len() {
        return Err(format!(
            "document count {} != expected {}",
            got.len(),
            want.len()
        ));
    }
    for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        if !g.deep_eq(w) {
            let name = |v: &Value| {
                format!(
                    "{}/{}",
                    flux_helm::template::gofmt::format_v(&v.get("kind")),
                    flux_helm::template::gofmt::format_v(&v.get("metadata").get("name"))
                )
            };
            return Err(format!(
                "document {i} differs: got {} want {}",
                name(g),
                name(w)
            ));
        }
    }
    Ok(())
}

#[test]
fn helm_corpus() {
    let Some(root) = corpus_dir() else {
        eprintln!("helm corpus not found; skipping");
        return;
    };
    let filter = std::env::var("HELM_CORPUS_FILTER").ok();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    cases.sort();
    let mut passed = 0;
    let mut failed = Vec::new();
    for c in &cases {
        let name = c.file_name().unwrap().to_string_lossy().into_owned();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        match run_case(c) {
            Ok(()) => passed += 1,
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    let total = passed + failed.len();
    println!("helm corpus: {passed}/{total} passed");
    for f in &failed {
        println!("  FAIL {f}");
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
            "helm corpus: {passed}/{total} passed, below the floor of {floor}"
        );
    }
}
