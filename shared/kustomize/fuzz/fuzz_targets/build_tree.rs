//! Fuzz the build entry point: the input is split into a small kustomization
//! tree (a root kustomization, resource and patch files, a base); any input must
//! build or give an error, never panic.
#![no_main]

use flux_kustomize::{BuildOptions, LoadRestrictor, Reorder, build, to_yaml_stream};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 5] = ["kustomization.yaml", "a.yaml", "b.yaml", "patch.yaml", "base/kustomization.yaml"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(dir) = tempfile::tempdir() else { return };
    for (name, part) in FILES.iter().zip(text.split("\n%%\n")) {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(p, part);
    }
    for load_restrictor in [LoadRestrictor::RootOnly, LoadRestrictor::None] {
        let opts = BuildOptions { load_restrictor, reorder: Reorder::Legacy };
        if let Ok(docs) = build(dir.path(), &opts) {
            let _ = to_yaml_stream(&docs);
        }
    }
});
