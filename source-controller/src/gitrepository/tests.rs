//! Unit tests of the pure decisions and conversions.

use std::path::Path;
use std::time::Duration;

use flux_api::constants::{
    AUTHENTICATION_FAILED_REASON, CONDITION_FALSE, CONDITION_TRUE, FETCH_FAILED_CONDITION,
    GIT_OPERATION_FAILED_REASON, SOURCE_VERIFIED_CONDITION, URL_INVALID_REASON,
};
use flux_api::meta::{Artifact, LocalObjectReference};
use flux_api::source::gitrepository::{
    GitRepositoryInclude, GitRepositoryRef, GitRepositoryVerification,
};
use flux_api::source::{GitRepository, GitRepositorySpec, GitRepositoryStatus};
use flux_runtime::reconcile::{ErrorKind, summary};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::auth::proxy_options;
use super::decide::*;
use super::verify::key_rings;
use super::{to_api, to_storage};

fn repo(name: &str, ns: &str) -> GitRepository {
    let mut r = GitRepository::new(
        name,
        GitRepositorySpec {
            url: "https://example.com/repo.git".into(),
            interval: "1m".into(),
            ..Default::default()
        },
    );
    r.metadata.namespace = Some(ns.into());
    r
}

fn artifact(revision: &str, digest: &str) -> Artifact {
    Artifact {
        path: "gitrepository/ns/name/abc.tar.gz".into(),
        url: "http://localhost/gitrepository/ns/name/abc.tar.gz".into(),
        revision: revision.into(),
        digest: digest.into(),
        last_update_time: Time(k8s_openapi::jiff::Timestamp::new(1_700_000_000, 0).unwrap()),
        size: Some(42),
        metadata: Default::default(),
    }
}

fn include(name: &str) -> GitRepositoryInclude {
    GitRepositoryInclude {
        git_repository_ref: LocalObjectReference { name: name.into() },
        from_path: None,
        to_path: None,
    }
}

#[test]
fn spec_ref_maps_to_git_reference_with_precedence_left_to_flux_git() {
    let spec_ref = GitRepositoryRef {
        branch: Some("dev".into()),
        tag: Some("v1.0.0".into()),
        semver: None,
        name: None,
        commit: None,
    };
    let r = git_reference(Some(&spec_ref));
    assert!(matches!(r.strategy().unwrap(), flux_git::Strategy::Tag(t) if t == "v1.0.0"));
    let r = git_reference(None);
    assert!(matches!(r.strategy().unwrap(), flux_git::Strategy::Branch(b) if b == "master"));
}

#[test]
fn timeout_defaults_to_60s() {
    let mut spec = repo("a", "ns").spec;
    assert_eq!(timeout(&spec), Duration::from_secs(60));
    spec.timeout = Some("90s".into());
    assert_eq!(timeout(&spec), Duration::from_secs(90));
    spec.timeout = Some("nonsense".into());
    assert_eq!(timeout(&spec), Duration::from_secs(60));
}

#[test]
fn urls_are_validated() {
    for ok in [
        "https://github.com/fluxcd/flux2",
        "http://127.0.0.1:8080/repo.git",
        "ssh://git@github.com:22/fluxcd/flux2.git",
        "ssh://git@[::1]:2222/repo.git",
    ] {
        assert_eq!(validate_url(ok), Ok(()), "{ok}");
    }
    for bad in [
        "git@github.com:fluxcd/flux2.git",
        "ftp://example.com/repo",
        "https:///repo.git",
        "http://bad host/repo.git",
        "http://example.com:port/repo.git",
    ] {
        assert!(validate_url(bad).is_err(), "{bad}");
    }
}

#[test]
fn git_errors_get_fluxs_reasons() {
    let auth = flux_git::Error::Authentication {
        url: "https://h/r".into(),
        message: "401".into(),
    };
    let e = git_error(&auth, "failed to checkout");
    assert_eq!(e.reason, AUTHENTICATION_FAILED_REASON);
    assert_eq!(e.kind, ErrorKind::Transient);
    assert_eq!(e.condition, Some(FETCH_FAILED_CONDITION));
    assert!(
        e.message
            .starts_with("failed to checkout: authentication failed")
    );

    let url = flux_git::Error::InvalidUrl {
        url: "x".into(),
        reason: "bad".into(),
    };
    let e = git_error(&url, "c");
    assert_eq!((e.reason, e.is_stalling()), (URL_INVALID_REASON, true));

    let r = flux_git::Error::InvalidReference("semver '>= bar'".into());
    assert!(git_error(&r, "c").is_stalling());

    let nf = flux_git::Error::NotFound {
        url: "u".into(),
        what: "branch 'x'".into(),
    };
    let e = git_error(&nf, "c");
    assert_eq!(
        (e.reason, e.is_stalling()),
        (GIT_OPERATION_FAILED_REASON, false)
    );
}

#[test]
fn content_config_drift_forces_a_checkout() {
    let mut obj = repo("a", "ns");
    obj.status = Some(GitRepositoryStatus::default());
    assert!(!content_config_changed(&obj, &[]));

    obj.spec.ignore = Some("*.txt".into());
    assert!(content_config_changed(&obj, &[]));
    obj.status.as_mut().unwrap().observed_ignore = Some("*.txt".into());
    assert!(!content_config_changed(&obj, &[]));

    obj.spec.sparse_checkout = vec!["deploy".into()];
    assert!(content_config_changed(&obj, &[]));
    obj.status.as_mut().unwrap().observed_sparse_checkout = vec!["deploy".into()];

    obj.spec.include = vec![include("b")];
    assert!(content_config_changed(
        &obj,
        &[artifact("main@sha1:1", "sha256:1")]
    ));
    let status = obj.status.as_mut().unwrap();
    status.observed_include = vec![include("b")];
    status.included_artifacts = vec![artifact("main@sha1:1", "sha256:1")];
    assert!(!content_config_changed(
        &obj,
        &[artifact("main@sha1:1", "sha256:1")]
    ));
    // The included repository moved on.
    assert!(content_config_changed(
        &obj,
        &[artifact("main@sha1:2", "sha256:2")]
    ));

    obj.spec.recurse_submodules = true;
    assert!(content_config_changed(
        &obj,
        &[artifact("main@sha1:1", "sha256:1")]
    ));
}

#[test]
fn verification_is_required_until_it_succeeded_for_the_current_mode() {
    let mut obj = repo("a", "ns");
    assert!(!requires_verification(&obj));
    obj.spec.verification = Some(GitRepositoryVerification {
        mode: Some("head".into()),
        secret_ref: LocalObjectReference {
            name: "keys".into(),
        },
    });
    assert!(requires_verification(&obj));
    let mut status = GitRepositoryStatus {
        source_verification_mode: Some("HEAD".into()),
        ..Default::default()
    };
    status.conditions.push(summary::condition(
        SOURCE_VERIFIED_CONDITION,
        CONDITION_FALSE,
        "VerificationError",
        "bad",
        None,
    ));
    obj.status = Some(status);
    assert!(requires_verification(&obj));
    summary::set(
        &mut obj.status.as_mut().unwrap().conditions,
        summary::condition(
            SOURCE_VERIFIED_CONDITION,
            CONDITION_TRUE,
            "Succeeded",
            "ok",
            None,
        ),
    );
    assert!(!requires_verification(&obj));
    obj.spec.verification.as_mut().unwrap().mode = Some("TagAndHEAD".into());
    assert!(requires_verification(&obj));
}

#[test]
fn rebuild_only_for_a_new_revision_or_changed_config() {
    let a = artifact("main@sha1:aaa", "sha256:1");
    assert!(rebuild_needed(None, "main@sha1:aaa", false));
    assert!(!rebuild_needed(Some(&a), "main@sha1:aaa", false));
    assert!(rebuild_needed(Some(&a), "main@sha1:bbb", false));
    assert!(rebuild_needed(Some(&a), "main@sha1:aaa", true));
    assert_eq!(artifact_file_name("abc"), "abc.tar.gz");
}

#[test]
fn includers_are_found_in_the_same_namespace() {
    let mut a = repo("a", "ns");
    a.spec.include = vec![include("lib")];
    let mut b = repo("b", "other");
    b.spec.include = vec![include("lib")];
    let c = repo("c", "ns");
    let lib = repo("lib", "ns");
    let found = includers([&a, &b, &c], &lib);
    assert_eq!(found, vec![("a".to_string(), "ns".to_string())]);
}

#[test]
fn artifact_hash_changes_with_the_revision_only() {
    let mut a = repo("a", "ns");
    let none = artifact_hash(&a);
    a.status = Some(GitRepositoryStatus {
        artifact: Some(artifact("main@sha1:1", "sha256:1")),
        ..Default::default()
    });
    let one = artifact_hash(&a);
    assert_ne!(none, one);
    a.status
        .as_mut()
        .unwrap()
        .conditions
        .push(summary::condition(
            "Ready",
            CONDITION_TRUE,
            "Succeeded",
            "x",
            None,
        ));
    assert_eq!(one, artifact_hash(&a));
}

#[test]
fn secure_join_stays_inside() {
    let base = Path::new("/tmp/x");
    assert_eq!(secure_join(base, "a/b"), Some(base.join("a/b")));
    assert_eq!(secure_join(base, "/a"), Some(base.join("a")));
    assert_eq!(secure_join(base, "./a"), Some(base.join("a")));
    assert_eq!(secure_join(base, ""), Some(base.to_path_buf()));
    assert_eq!(secure_join(base, "../a"), None);
    assert_eq!(secure_join(base, "a/../../b"), None);
}

#[test]
fn artifact_converts_both_ways_without_loss() {
    let a = artifact("main@sha1:aaa", "sha256:abc");
    let back = to_api(&to_storage(&a));
    assert_eq!(back, a);
    let mut empty = a.clone();
    empty.digest = String::new();
    assert_eq!(to_storage(&empty).digest, None);
}

#[test]
fn sshpub_keys_are_not_pgp_key_rings() {
    let data = [
        ("author.asc".to_string(), b"PGP".to_vec()),
        ("other".to_string(), b"PGP2".to_vec()),
        ("ci.sshpub".to_string(), b"ssh-ed25519 AAAA".to_vec()),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        key_rings(&data),
        vec!["PGP".to_string(), "PGP2".to_string()]
    );
}

#[test]
fn proxy_secret_needs_an_address() {
    let data = |kv: &[(&str, &str)]| -> std::collections::BTreeMap<String, Vec<u8>> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    };
    let p = proxy_options(&data(&[
        ("address", "http://proxy:3128\n"),
        ("username", "u"),
        ("password", "p"),
    ]))
    .unwrap();
    assert_eq!(p.address, "http://proxy:3128");
    assert_eq!(p.username.as_deref(), Some("u"));
    assert_eq!(p.password.as_deref(), Some("p"));
    let e = proxy_options(&data(&[("username", "u")])).unwrap_err();
    assert!(e.contains("address"), "{e}");
}

#[test]
fn tag_modes_need_an_annotated_tag_and_unsigned_commits_fail() {
    use super::verify::verify_commit_and_tag;
    let commit = flux_git::Commit::partial(&"a".repeat(40), "refs/heads/main", false);
    let keys = vec!["-----BEGIN PGP PUBLIC KEY BLOCK-----".to_string()];
    for mode in ["Tag", "TagAndHEAD"] {
        let e = verify_commit_and_tag(&commit, mode, "main@sha1:a", &keys).unwrap_err();
        assert!(e.contains("tag reference is not specified"), "{mode}: {e}");
    }
    let e = verify_commit_and_tag(&commit, "HEAD", "main@sha1:a", &keys).unwrap_err();
    assert!(e.contains("unable to verify Git commit"), "{e}");
}
