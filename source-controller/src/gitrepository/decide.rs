//! The GitRepository decisions that need no I/O: which ref is fetched, whether the stored
//! artifact still matches the spec, which reason a Git failure gets, which objects an
//! artifact change requeues. Unit-tested in `tests.rs`.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use flux_api::constants::{
    AUTHENTICATION_FAILED_REASON, CONDITION_TRUE, FETCH_FAILED_CONDITION,
    GIT_OPERATION_FAILED_REASON, SOURCE_VERIFIED_CONDITION, URL_INVALID_REASON,
};
use flux_api::meta::Artifact;
use flux_api::source::gitrepository::{
    DEFAULT_TIMEOUT, GitRepository, GitRepositoryRef, GitRepositorySpec, GitRepositoryStatus,
};
use flux_git::{ErrorKind, GitReference};
use flux_runtime::reconcile::ReconcileError;

/// The `spec.ref` as flux-git takes it; flux-git applies Flux's precedence
/// (commit > name > semver > tag > branch, `master` when empty).
pub fn git_reference(spec_ref: Option<&GitRepositoryRef>) -> GitReference {
    let r = spec_ref.cloned().unwrap_or_default();
    GitReference {
        branch: r.branch,
        tag: r.tag,
        semver: r.semver,
        name: r.name,
        commit: r.commit,
    }
}

/// `spec.timeout`, 60s when unset or unparsable (the CRD pattern rejects bad values).
pub fn timeout(spec: &GitRepositorySpec) -> Duration {
    let parse = |s: &str| flux_api::meta::parse_duration(s).ok();
    spec.timeout
        .as_deref()
        .and_then(parse)
        .filter(|d| !d.is_zero())
        .or_else(|| parse(DEFAULT_TIMEOUT))
        .unwrap_or(Duration::from_secs(60))
}

/// The artifact file name for a commit: `<commit hex>.tar.gz`.
pub fn artifact_file_name(commit_hash: &str) -> String {
    format!("{commit_hash}.tar.gz")
}

/// Checks a GitRepository URL beyond the CRD pattern: http, https or ssh, a host, a
/// numeric port, no whitespace. Returns why it is invalid.
pub fn validate_url(url: &str) -> Result<(), String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("URL must start with http://, https:// or ssh://".into());
    };
    if !matches!(scheme, "http" | "https" | "ssh") {
        return Err(format!(
            "unsupported scheme '{scheme}': must be http, https or ssh"
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("URL contains whitespace or control characters".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err("unterminated IPv6 address".into()),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("URL has no host".into());
    }
    if let Some(p) = port
        && !p.is_empty()
        && p.parse::<u16>().is_err()
    {
        return Err(format!("invalid port '{p}'"));
    }
    Ok(())
}

/// A Git failure as a reconcile error with Flux's reason: an invalid URL or ref stalls
/// (retrying cannot help); rejected or unusable credentials are `AuthenticationFailed`;
/// everything else (unreachable host, missing ref, timeout) is a retried
/// `GitOperationFailed`.
pub fn git_error(err: &flux_git::Error, context: &str) -> ReconcileError {
    let message = format!("{context}: {err}");
    let error = match err.kind() {
        ErrorKind::InvalidUrl => ReconcileError::stalling(URL_INVALID_REASON, message),
        ErrorKind::InvalidReference => {
            ReconcileError::stalling(GIT_OPERATION_FAILED_REASON, message)
        }
        ErrorKind::InvalidAuth | ErrorKind::Authentication => {
            ReconcileError::transient(AUTHENTICATION_FAILED_REASON, message)
        }
        _ => ReconcileError::transient(GIT_OPERATION_FAILED_REASON, message),
    };
    error.with_condition(FETCH_FAILED_CONDITION)
}

/// Whether signatures must be (re)verified: verification is configured and the last
/// verification was for another mode or did not succeed.
pub fn requires_verification(obj: &GitRepository) -> bool {
    let Some(verify) = &obj.spec.verification else {
        return false;
    };
    let status = obj.status.as_ref();
    let mode_matches =
        status.and_then(|s| s.source_verification_mode.as_deref()) == Some(verify.effective_mode());
    let verified = status.is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == SOURCE_VERIFIED_CONDITION && c.status == CONDITION_TRUE)
    });
    !(mode_matches && verified)
}

/// Whether the artifact's content configuration drifted from the spec (Flux's
/// `gitContentConfigChanged`): ignore rules, submodules, sparse checkout, the include
/// list or the included artifacts, or a pending verification. When it did, the
/// repository is checked out even if the remote head did not move.
pub fn content_config_changed(obj: &GitRepository, included: &[Artifact]) -> bool {
    let empty = GitRepositoryStatus::default();
    let status = obj.status.as_ref().unwrap_or(&empty);
    let spec = &obj.spec;
    spec.ignore != status.observed_ignore
        || spec.recurse_submodules != status.observed_recurse_submodules
        || spec.sparse_checkout != status.observed_sparse_checkout
        || spec.include != status.observed_include
        || !same_artifacts(included, &status.included_artifacts)
        || requires_verification(obj)
}

fn same_artifacts(a: &[Artifact], b: &[Artifact]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.revision == y.revision && x.digest == y.digest)
}

/// Whether a new artifact must be built for `revision`: none is stored, it is for
/// another revision, or the content configuration changed.
pub fn rebuild_needed(current: Option<&Artifact>, revision: &str, config_changed: bool) -> bool {
    config_changed || current.is_none_or(|a| a.revision != revision)
}

/// The GitRepositories in `all` that include `changed` (same namespace), which must be
/// reconciled again when its artifact changes.
pub fn includers<'a>(
    all: impl IntoIterator<Item = &'a GitRepository>,
    changed: &GitRepository,
) -> Vec<(String, String)> {
    let ns = changed.metadata.namespace.as_deref().unwrap_or_default();
    let name = changed.metadata.name.as_deref().unwrap_or_default();
    all.into_iter()
        .filter(|r| r.metadata.namespace.as_deref().unwrap_or_default() == ns)
        .filter(|r| {
            r.spec
                .include
                .iter()
                .any(|i| i.git_repository_ref.name == name)
        })
        .filter_map(|r| r.metadata.name.clone().map(|n| (n, ns.to_string())))
        .collect()
}

/// What makes a GitRepository's change matter to the repositories including it: its
/// artifact revision and digest.
pub fn artifact_hash(obj: &GitRepository) -> Option<u64> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let artifact = obj.status.as_ref().and_then(|s| s.artifact.as_ref());
    let mut h = DefaultHasher::new();
    artifact.map(|a| (&a.revision, &a.digest)).hash(&mut h);
    Some(h.finish())
}

/// `base/rel` for a path without `..` elements (a leading `/` is relative to `base`);
/// `None` otherwise: an include's `toPath`/`fromPath` may not leave the directory.
pub fn secure_join(base: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = base.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(part) => out.push(part),
            // As Flux's SecureJoin: a leading '/' is relative to the directory.
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}
