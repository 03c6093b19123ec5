//! `recurseSubmodules` through the git CLI fallback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use flux_git::{CheckoutOptions, GitReference, checkout};
use support::{files, git, write};

#[test]
fn submodules_are_checked_out_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The submodule's repository.
    let sub_remote = root.join("sub.git");
    let sub_work = root.join("sub");
    std::fs::create_dir_all(&sub_work).unwrap();
    git(
        root,
        &[
            "init",
            "--quiet",
            "--bare",
            "-b",
            "master",
            sub_remote.to_str().unwrap(),
        ],
    );
    git(&sub_work, &["init", "--quiet", "-b", "master"]);
    write(&sub_work, "lib.yaml", "lib: true\n");
    git(&sub_work, &["add", "-A"]);
    git(&sub_work, &["commit", "--quiet", "-m", "lib"]);
    git(
        &sub_work,
        &["push", "--quiet", sub_remote.to_str().unwrap(), "master"],
    );

    // The main repository with the submodule at libs/sub.
    let remote = root.join("main.git");
    let work = root.join("main");
    std::fs::create_dir_all(&work).unwrap();
    git(
        root,
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
    write(&work, "app.yaml", "app: true\n");
    let sub_url = format!("file://{}", sub_remote.display());
    git(
        &work,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "--quiet",
            &sub_url,
            "libs/sub",
        ],
    );
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "--quiet", "-m", "with submodule"]);
    let head = git(&work, &["rev-parse", "HEAD"]);
    git(
        &work,
        &["push", "--quiet", remote.to_str().unwrap(), "master"],
    );
    let url = format!("file://{}", remote.display());

    let mut opts = CheckoutOptions::new(url, GitReference::default());
    let plain = root.join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let c = checkout(&opts, &plain).unwrap();
    assert_eq!(c.hash, head);
    assert_eq!(files(&plain), [".gitmodules", "app.yaml"]);
    assert!(
        plain.join("libs/sub").is_dir(),
        "submodule path exists, empty"
    );

    opts.recurse_submodules = true;
    let full = root.join("full");
    std::fs::create_dir_all(&full).unwrap();
    let c = checkout(&opts, &full).unwrap();
    assert_eq!(c.hash, head);
    assert_eq!(c.revision(), format!("master@sha1:{head}"));
    assert_eq!(c.message, "with submodule\n");
    assert_eq!(
        files(&full),
        [".gitmodules", "app.yaml", "libs/sub/lib.yaml"]
    );
    assert!(!full.join(".git").exists());

    // Sparse checkout applies on this path too.
    opts.sparse_checkout = vec!["libs".into()];
    let sparse = root.join("sparse");
    std::fs::create_dir_all(&sparse).unwrap();
    checkout(&opts, &sparse).unwrap();
    assert_eq!(files(&sparse), ["libs/sub/lib.yaml"]);
}
