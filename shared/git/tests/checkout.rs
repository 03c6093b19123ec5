//! Ref selection, revision strings, sparse checkout and remote_head against a local
//! bare repository reached through `file://`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use flux_git::{CheckoutOptions, ErrorKind, GitReference, checkout, remote_head};
use support::{Fixture, files};

fn opts(fx: &Fixture, f: impl FnOnce(&mut GitReference)) -> CheckoutOptions {
    let mut r = GitReference::default();
    f(&mut r);
    CheckoutOptions::new(fx.url.clone(), r)
}

#[test]
fn default_ref_is_master_and_tree_is_written_without_git_dir() {
    let fx = Fixture::new();
    let dest = fx.dest("default");
    let c = checkout(&opts(&fx, |_| {}), &dest).unwrap();
    assert_eq!(c.hash, fx.c2);
    assert_eq!(c.revision(), format!("master@sha1:{}", fx.c2));
    assert_eq!(
        files(&dest),
        [
            "README.md",
            "apps/one.yaml",
            "apps/two.yaml",
            "bin/run.sh",
            "deploy/dev/app.yaml",
            "deploy/prod/app.yaml",
            "link",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("README.md")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        std::fs::read_link(dest.join("link")).unwrap().to_str(),
        Some("README.md")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dest.join("bin/run.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "run.sh must be executable");
    assert_eq!(c.message, "second\n");
    assert_eq!(c.author.as_ref().unwrap().email, "tester@example.com");
    assert!(c.is_concrete());
    assert!(c.referencing_tag.is_none());
}

#[test]
fn branch_tag_semver_name_and_commit_select_the_right_commit() {
    let fx = Fixture::new();
    let cases: Vec<(&str, CheckoutOptions, String, String)> = vec![
        (
            "branch",
            opts(&fx, |r| r.branch = Some("dev".into())),
            fx.c3.clone(),
            format!("dev@sha1:{}", fx.c3),
        ),
        (
            "annotated tag",
            opts(&fx, |r| r.tag = Some("v1.0.0".into())),
            fx.c1.clone(),
            format!("v1.0.0@sha1:{}", fx.c1),
        ),
        (
            "semver skips prereleases",
            opts(&fx, |r| r.semver = Some(">=1.0.0".into())),
            fx.c2.clone(),
            format!("v1.1.0@sha1:{}", fx.c2),
        ),
        (
            "semver with prerelease opt-in",
            opts(&fx, |r| r.semver = Some(">=1.0.0-0".into())),
            fx.c3.clone(),
            format!("v2.0.0-rc.1@sha1:{}", fx.c3),
        ),
        (
            "semver beats tag",
            opts(&fx, |r| {
                r.semver = Some("~1.0".into());
                r.tag = Some("v1.1.0".into());
            }),
            fx.c1.clone(),
            format!("v1.0.0@sha1:{}", fx.c1),
        ),
        (
            "name",
            opts(&fx, |r| r.name = Some("refs/pull/1/head".into())),
            fx.c4.clone(),
            format!("refs/pull/1/head@sha1:{}", fx.c4),
        ),
        (
            "commit",
            opts(&fx, |r| r.commit = Some(fx.c1.clone())),
            fx.c1.clone(),
            format!("sha1:{}", fx.c1),
        ),
        (
            "commit on branch",
            opts(&fx, |r| {
                r.commit = Some(fx.c2.clone());
                r.branch = Some("dev".into());
            }),
            fx.c2.clone(),
            format!("dev@sha1:{}", fx.c2),
        ),
    ];
    for (name, o, hash, revision) in cases {
        let dest = fx.dest(name);
        let c = checkout(&o, &dest).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.hash, hash, "{name}");
        assert_eq!(c.revision(), revision, "{name}");
        assert!(dest.join("apps/one.yaml").exists(), "{name}");
    }
}

#[test]
fn annotated_tag_is_reported_as_referencing_tag() {
    let fx = Fixture::new();
    let c = checkout(&opts(&fx, |r| r.tag = Some("v1.0.0".into())), &fx.dest("t")).unwrap();
    let tag = c.referencing_tag.expect("annotated tag");
    assert_eq!(tag.name, "v1.0.0");
    assert_eq!(tag.hash, fx.tag_v1_object);
    assert_eq!(tag.message, "release v1.0.0\n");
    assert!(tag.signature.is_none());
}

#[test]
fn shallow_checkout_has_only_the_tip_and_files_of_that_commit() {
    let fx = Fixture::new();
    let dest = fx.dest("pr");
    checkout(
        &opts(&fx, |r| r.name = Some("refs/pull/1/head".into())),
        &dest,
    )
    .unwrap();
    assert!(dest.join("apps/pr.yaml").exists());
    assert!(!dest.join("apps/three.yaml").exists());
}

#[test]
fn sparse_checkout_writes_only_the_listed_directories() {
    let fx = Fixture::new();
    let dest = fx.dest("sparse");
    let mut o = opts(&fx, |_| {});
    o.sparse_checkout = vec!["./deploy/prod".into(), "apps/".into()];
    checkout(&o, &dest).unwrap();
    assert_eq!(
        files(&dest),
        ["apps/one.yaml", "apps/two.yaml", "deploy/prod/app.yaml"]
    );

    let mut o = opts(&fx, |_| {});
    o.sparse_checkout = vec!["missing".into()];
    let err = checkout(&o, &fx.dest("sparse-missing")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("'missing'"), "{err}");
}

#[test]
fn remote_head_matches_checkout_and_skips_unchanged_clones() {
    let fx = Fixture::new();
    let auth = Default::default();
    for (reference, expected) in [
        (GitReference::default(), format!("master@sha1:{}", fx.c2)),
        (
            GitReference {
                tag: Some("v1.0.0".into()),
                ..Default::default()
            },
            format!("v1.0.0@sha1:{}", fx.c1),
        ),
        (
            GitReference {
                semver: Some("1.x".into()),
                ..Default::default()
            },
            format!("v1.1.0@sha1:{}", fx.c2),
        ),
        (
            GitReference {
                name: Some("refs/pull/1/head".into()),
                ..Default::default()
            },
            format!("refs/pull/1/head@sha1:{}", fx.c4),
        ),
    ] {
        assert_eq!(
            remote_head(&fx.url, &reference, &auth).unwrap(),
            Some(expected),
            "{reference:?}"
        );
    }
    let missing = GitReference {
        branch: Some("nope".into()),
        ..Default::default()
    };
    assert_eq!(remote_head(&fx.url, &missing, &auth).unwrap(), None);

    // Unchanged: a partial commit and nothing written.
    let dest = fx.dest("unchanged");
    let mut o = opts(&fx, |_| {});
    o.last_observed_commit = Some(format!("master@sha1:{}", fx.c2));
    let c = checkout(&o, &dest).unwrap();
    assert!(!c.is_concrete());
    assert_eq!(c.revision(), format!("master@sha1:{}", fx.c2));
    assert!(files(&dest).is_empty());

    // The legacy revision format is understood too.
    o.last_observed_commit = Some(format!("master/{}", fx.c2));
    assert!(!checkout(&o, &fx.dest("legacy")).unwrap().is_concrete());

    // Changed: a full checkout.
    o.last_observed_commit = Some(format!("master@sha1:{}", fx.c1));
    let c = checkout(&o, &fx.dest("changed")).unwrap();
    assert!(c.is_concrete());
    assert_eq!(c.hash, fx.c2);
}

#[test]
fn missing_refs_and_repositories_are_not_found() {
    let fx = Fixture::new();
    for (name, o) in [
        ("branch", opts(&fx, |r| r.branch = Some("nope".into()))),
        ("tag", opts(&fx, |r| r.tag = Some("v9.9.9".into()))),
        ("semver", opts(&fx, |r| r.semver = Some(">=5".into()))),
        ("commit", opts(&fx, |r| r.commit = Some("0".repeat(40)))),
        (
            "name",
            opts(&fx, |r| r.name = Some("refs/pull/9/head".into())),
        ),
    ] {
        let err = checkout(&o, &fx.dest(name)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{name}: {err}");
        assert!(err.to_string().contains("remote.git"), "{name}: {err}");
    }
    let mut o = opts(&fx, |_| {});
    o.url = format!("file://{}/does-not-exist.git", fx.dir.path().display());
    let err = checkout(&o, &fx.dest("norepo")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[test]
fn invalid_refs_and_urls_stall() {
    let fx = Fixture::new();
    let err = checkout(&opts(&fx, |r| r.commit = Some("abc".into())), &fx.dest("a")).unwrap_err();
    assert!(err.is_stalling(), "{err}");
    let mut o = opts(&fx, |_| {});
    o.url = "git@example.com:org/repo.git".into();
    let err = checkout(&o, &fx.dest("b")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{err}");
}
