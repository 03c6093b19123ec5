//! Differential test of the YAML fast path (`flux_helm::yaml::fast`) against
//! the serde-saphyr decoder on every YAML text of the helm corpus (values
//! files, chart files that are not templates, every rendered manifest of the
//! expected outputs): whenever the fast path answers, the answer must be the
//! serde path's, to the type (int, float and string told apart).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use flux_helm::yaml::load::serde_path;

fn corpus_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../../../shared/corpus/helm"),
        here.join("../../shared/corpus/helm"),
        PathBuf::from("/work/shared/corpus/helm"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .expect("the helm corpus (../shared/corpus/helm) is required by this test")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "templates") {
                walk(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

#[derive(Default)]
struct Tally {
    docs: usize,
    fast: [usize; 3],
}

/// Both paths on one text in the three modes; panics on any difference.
fn check(what: &str, raw: &str, tally: &mut Tally) {
    tally.docs += 1;
    let took = serde_path::compare_with_fast_path(raw).unwrap_or_else(|e| panic!("{what}: {e}"));
    for (n, t) in tally.fast.iter_mut().zip(took) {
        *n += usize::from(t);
    }
}

#[test]
fn fast_path_agrees_with_serde_on_the_corpus() {
    let root = corpus_dir();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let (mut inputs, mut manifests) = (Tally::default(), Tally::default());
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let name = f.strip_prefix(&root).unwrap().display().to_string();
        if f.file_name().is_some_and(|n| n == "expected.yaml") {
            for (i, doc) in text.split("\n---\n").enumerate() {
                check(&format!("{name} document {i}"), doc, &mut manifests);
            }
        } else {
            check(&name, &text, &mut inputs);
        }
    }
    for (label, t) in [
        ("values and chart files", &inputs),
        ("manifests", &manifests),
    ] {
        println!(
            "yaml fast path, {label}: {} texts; fast path took values {}, yaml {}, head {}",
            t.docs, t.fast[0], t.fast[1], t.fast[2]
        );
    }
    assert!(
        inputs.docs > 300 && manifests.docs > 500,
        "corpus too small"
    );
    // The fast path must stay the common case, or it is not worth having.
    assert!(
        inputs.fast[0] * 10 >= inputs.docs * 8,
        "fast path took only {} of {} values texts",
        inputs.fast[0],
        inputs.docs
    );
    assert!(
        manifests.fast[2] * 10 >= manifests.docs * 8,
        "fast path took only {} of {} manifest heads",
        manifests.fast[2],
        manifests.docs
    );
}
