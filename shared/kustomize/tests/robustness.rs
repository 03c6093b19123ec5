//! Malformed input gives an error naming the problem, never a panic: invalid
//! YAML, cycles, missing files, huge files, bad patches, and thousands of
//! random mutations of our own test cases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use flux_kustomize::{BuildOptions, LoadRestrictor, Reorder, build};
use std::path::Path;

fn opts() -> BuildOptions {
    BuildOptions {
        load_restrictor: LoadRestrictor::RootOnly,
        reorder: Reorder::Legacy,
    }
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (p, t) in files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
}

fn build_err(files: &[(&str, &str)], root: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    build(&dir.path().join(root), &opts())
        .unwrap_err()
        .to_string()
}

#[test]
fn malformed_inputs_are_errors() {
    let e = build_err(
        &[
            ("kustomization.yaml", "resources: [a.yaml]\n"),
            ("a.yaml", "kind: [\n"),
        ],
        "",
    );
    assert!(e.contains("a.yaml"), "{e}");
    let e = build_err(&[("kustomization.yaml", "resources: [missing.yaml]\n")], "");
    assert!(e.contains("missing.yaml"), "{e}");
    let e = build_err(
        &[
            ("a/kustomization.yaml", "resources: [../b]\n"),
            ("b/kustomization.yaml", "resources: [../a]\n"),
        ],
        "a",
    );
    assert!(e.contains("cycle"), "{e}");
    let e = build_err(
        &[("kustomization.yaml", "resources: [../x]\nbogus: 1\n")],
        "",
    );
    assert!(e.contains("bogus"), "{e}");
    let e = build_err(
        &[
            (
                "kustomization.yaml",
                "resources: [a.yaml]\npatches:\n- target: {kind: ConfigMap}\n  patch: '[{\"op\": \"remove\", \"path\": \"/nope\"}]'\n",
            ),
            (
                "a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            ),
        ],
        "",
    );
    assert!(e.contains("/nope"), "{e}");
    let e = build_err(&[("kustomization.yaml", "helmCharts:\n- name: x\n")], "");
    assert!(e.contains("helmCharts"), "{e}");
    let e = build_err(
        &[(
            "kustomization.yaml",
            "transformers:\n- |-\n  apiVersion: x/v1\n  kind: Exec\n  metadata: {name: e, annotations: {config.kubernetes.io/function: 'exec: {path: /bin/sh}'}}\n",
        )],
        "",
    );
    assert!(e.contains("not supported"), "{e}");
}

#[test]
fn huge_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("kustomization.yaml", "resources: [big.yaml]\n")],
    );
    // A sparse file: large on disk metadata, no time spent writing it.
    let f = std::fs::File::create(dir.path().join("big.yaml")).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    let e = build(dir.path(), &opts()).unwrap_err().to_string();
    assert!(e.contains("big.yaml") && e.contains("larger"), "{e}");
}

#[cfg(unix)]
#[test]
fn symlinks_escaping_the_root_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
            ),
            ("app/kustomization.yaml", "resources: [link.yaml]\n"),
        ],
    );
    std::os::unix::fs::symlink(
        dir.path().join("secret.yaml"),
        dir.path().join("app/link.yaml"),
    )
    .unwrap();
    let e = build(&dir.path().join("app"), &opts())
        .unwrap_err()
        .to_string();
    assert!(e.contains("security"), "{e}");
    let none = BuildOptions {
        load_restrictor: LoadRestrictor::None,
        reorder: Reorder::None,
    };
    assert_eq!(build(&dir.path().join("app"), &none).unwrap().len(), 1);
}

/// xorshift: a fixed-seed generator, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "\n",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "$patch: delete",
    "$patch: replace",
    "null",
    "~",
    "&a ",
    "*a",
    "<<: ",
    "'",
    "\"",
    "kind: ",
    "name: ",
    "../",
    "\t",
    "#",
    "|",
    ">",
    "!!binary ",
    "resources:",
    "- ..",
    "0x",
    "1e9",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(3) {
            0 if !s.is_empty() => {
                let end = (at + rng.below(20)).min(s.len());
                s.drain(at.min(s.len())..end);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                for (i, c) in t.chars().enumerate() {
                    s.insert((at + i).min(s.len()), c);
                }
            }
            _ => {
                if at < s.len() {
                    s[at] = char::from(b' ' + (rng.below(95)) as u8);
                }
            }
        }
    }
    s.into_iter().collect()
}

fn copy_tree(from: &Path, to: &Path, rng: &mut Rng) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_tree(&e.path(), &dst, rng);
        } else {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let text = if rng.below(2) == 0 {
                mutate(rng, &text)
            } else {
                text
            };
            std::fs::write(dst, text).unwrap();
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().path().join("fs"))
        .collect();
    dirs.sort();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut errors = 0;
    for i in 0..1500 {
        let src = &dirs[i % dirs.len()];
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(src, tmp.path(), &mut rng);
        for restrictor in [LoadRestrictor::RootOnly, LoadRestrictor::None] {
            let o = BuildOptions {
                load_restrictor: restrictor,
                reorder: Reorder::Legacy,
            };
            let r = std::panic::catch_unwind(|| {
                build(tmp.path(), &o).map(|d| flux_kustomize::to_yaml_stream(&d))
            });
            match r {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    errors += 1;
                    assert!(!e.to_string().is_empty());
                }
                Err(_) => panic!("build panicked on mutation {i} of {}", src.display()),
            }
        }
    }
    // The mutations must actually exercise error paths.
    assert!(errors > 100, "only {errors} mutated builds failed");
}
