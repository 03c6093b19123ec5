//! A local Git remote built with the git CLI, reached through `file://`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn git(dir: &Path, args: &[&str]) -> String {
    git_env(dir, args, &[])
}

pub fn git_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Flux Tester")
        .env("GIT_AUTHOR_EMAIL", "tester@example.com")
        .env("GIT_COMMITTER_NAME", "Flux Tester")
        .env("GIT_COMMITTER_EMAIL", "tester@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A bare repository with:
/// - `master`: c1 (tagged annotated `v1.0.0`) then c2 (lightweight tag `v1.1.0`);
/// - `dev`: c3 on top of c2, tagged `v2.0.0-rc.1`;
/// - `refs/pull/1/head`: c4 on top of c2, on no branch.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub c1: String,
    pub c2: String,
    pub c3: String,
    pub c4: String,
    pub tag_v1_object: String,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let remote = dir.path().join("remote.git");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(
            dir.path(),
            &[
                "init",
                "--quiet",
                "--bare",
                "-b",
                "master",
                remote.to_str().unwrap(),
            ],
        );
        git(&work, &["init", "--quiet", "-b", "master"]);
        write(&work, "README.md", "hello\n");
        write(&work, "deploy/prod/app.yaml", "kind: Prod\n");
        write(&work, "deploy/dev/app.yaml", "kind: Dev\n");
        write(&work, "apps/one.yaml", "one\n");
        write(&work, "bin/run.sh", "#!/bin/sh\necho hi\n");
        std::os::unix::fs::symlink("README.md", work.join("link")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            work.join("bin/run.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "--quiet", "-m", "first commit\n\nbody"]);
        let c1 = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["tag", "-a", "v1.0.0", "-m", "release v1.0.0"]);
        write(&work, "apps/two.yaml", "two\n");
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "--quiet", "-m", "second"]);
        let c2 = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["tag", "v1.1.0"]);
        git(&work, &["tag", "not-a-version"]);
        git(&work, &["checkout", "--quiet", "-b", "dev"]);
        write(&work, "apps/three.yaml", "three\n");
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "--quiet", "-m", "third"]);
        let c3 = git(&work, &["rev-parse", "HEAD"]);
        git(&work, &["tag", "v2.0.0-rc.1"]);
        git(&work, &["checkout", "--quiet", "-b", "pr", &c2]);
        write(&work, "apps/pr.yaml", "pr\n");
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "--quiet", "-m", "pull request"]);
        let c4 = git(&work, &["rev-parse", "HEAD"]);
        let r = remote.to_str().unwrap();
        git(&work, &["push", "--quiet", r, "master", "dev", "--tags"]);
        git(
            &work,
            &["push", "--quiet", r, &format!("{c4}:refs/pull/1/head")],
        );
        let tag_v1_object = git(&work, &["rev-parse", "v1.0.0"]);
        let url = format!("file://{}", remote.display());
        Fixture {
            dir,
            url,
            c1,
            c2,
            c3,
            c4,
            tag_v1_object,
        }
    }

    pub fn dest(&self, name: &str) -> PathBuf {
        let d = self.dir.path().join("out").join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}

/// Relative paths of all files and symlinks under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let ty = e.file_type().unwrap();
            if ty.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
