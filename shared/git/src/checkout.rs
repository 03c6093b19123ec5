//! `checkout` and `remote_head`: resolving `spec.ref` the way Flux's go-git client
//! does, fetching as little as possible, and writing the tree.

use std::path::Path;

use crate::commit::{AnnotatedTag, Commit, transform_revision};
use crate::error::{Error, Result};
use crate::fetch::{self, Fetched, RemoteRef};
use crate::options::{AuthOptions, CheckoutOptions, GitReference, Strategy};
use crate::transport::Session;
use crate::worktree;

/// A ref to fetch, the reference recorded on the commit, and how to print it.
struct Target {
    remote_ref: String,
    reference: String,
    full_ref_revision: bool,
    what: String,
    shallow: bool,
}

/// Picks the highest tag matching `constraint` from the advertised tags.
///
/// Tags that parse to equal versions (`v1.0.0` and `1.0.0`, or versions differing
/// only in build metadata) are ordered by ls-refs order, the last one winning; Flux
/// orders them by commit time, which is only known after fetching every tag.
fn resolve_semver(
    session: &Session,
    constraint: &flux_semver::Constraint,
) -> Result<(String, RemoteRef)> {
    let refs = fetch::list_refs(session, "refs/tags/*", "tags")?;
    let names = refs
        .iter()
        .filter_map(|r| r.name.strip_prefix("refs/tags/"))
        .filter(|n| !n.ends_with("^{}"));
    let (tag, _) =
        flux_semver::latest_matching(names, constraint).ok_or_else(|| Error::NotFound {
            url: session.redacted_url.clone(),
            what: format!("tag matching semver '{constraint}'"),
        })?;
    let full = format!("refs/tags/{tag}");
    let r = refs
        .into_iter()
        .find(|r| r.name == full)
        .ok_or_else(|| Error::NotFound {
            url: session.redacted_url.clone(),
            what: format!("tag '{tag}'"),
        })?;
    Ok((tag, r))
}

fn target_for(session: &Session, strategy: &Strategy, shallow: bool) -> Result<Option<Target>> {
    Ok(Some(match strategy {
        Strategy::Branch(b) => Target {
            remote_ref: format!("refs/heads/{b}"),
            reference: format!("refs/heads/{b}"),
            full_ref_revision: false,
            what: format!("branch '{b}'"),
            shallow,
        },
        Strategy::Tag(t) => Target {
            remote_ref: format!("refs/tags/{t}"),
            reference: format!("refs/tags/{t}"),
            full_ref_revision: false,
            what: format!("tag '{t}'"),
            shallow,
        },
        Strategy::Name(n) => Target {
            remote_ref: n.clone(),
            reference: n.clone(),
            full_ref_revision: true,
            what: format!("ref '{n}'"),
            shallow,
        },
        Strategy::SemVer(c) => {
            let (tag, _) = resolve_semver(session, c)?;
            Target {
                remote_ref: format!("refs/tags/{tag}"),
                reference: format!("refs/tags/{tag}"),
                full_ref_revision: false,
                what: format!("tag '{tag}'"),
                shallow,
            }
        }
        Strategy::Commit { .. } => return Ok(None),
    }))
}

/// Returns the revision a checkout of `reference` would produce right now
/// (`main@sha1:…`), using only an ls-refs request, or `None` when the ref does not
/// exist. For a commit ref the revision is known without asking the remote.
///
/// The controller compares this with the stored artifact's revision to skip the
/// clone (Flux's `OptimizedGitClones`).
pub fn remote_head(
    url: &str,
    reference: &GitReference,
    auth: &AuthOptions,
) -> Result<Option<String>> {
    remote_head_with_timeout(url, reference, auth, std::time::Duration::from_secs(60))
}

/// [`remote_head`] bounded by `timeout` (`spec.timeout`).
pub fn remote_head_with_timeout(
    url: &str,
    reference: &GitReference,
    auth: &AuthOptions,
    timeout: std::time::Duration,
) -> Result<Option<String>> {
    let strategy = reference.strategy()?;
    if let Strategy::Commit { sha, branch } = &strategy {
        let reference = branch
            .as_ref()
            .map(|b| format!("refs/heads/{b}"))
            .unwrap_or_default();
        return Ok(Some(Commit::partial(sha, &reference, false).revision()));
    }
    let session = Session::new(url, auth, timeout)?;
    let target = match target_for(&session, &strategy, true) {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(None),
        Err(Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let refs = fetch::list_refs(&session, &target.remote_ref, &target.what)?;
    Ok(refs.first().map(|r| {
        Commit::partial(r.commit(), &target.reference, target.full_ref_revision).revision()
    }))
}

/// Fetches the ref selected by `opts.reference` and writes its tree into `dest`
/// (an existing, empty directory). No `.git` directory is written.
///
/// When `opts.last_observed_commit` equals the remote ref's current revision, nothing
/// is downloaded and a partial commit (see [`Commit::is_concrete`]) is returned.
pub fn checkout(opts: &CheckoutOptions, dest: &Path) -> Result<Commit> {
    let strategy = opts.reference.strategy()?;
    if opts.recurse_submodules {
        return crate::cli::checkout(opts, &strategy, dest);
    }
    let sparse = worktree::normalize_sparse(&opts.sparse_checkout);
    let session = Session::new(&opts.url, &opts.auth, opts.timeout)?;
    let last = opts
        .last_observed_commit
        .as_deref()
        .map(transform_revision)
        .filter(|s| !s.is_empty());

    let (commit_id, tag_id, reference, full_ref_revision) = match &strategy {
        Strategy::Commit { sha, branch } => {
            // Like Flux, a commit needs history: all branches, or the given one.
            fetch::fetch_branches(&session, branch.as_deref())?;
            let reference = branch
                .as_ref()
                .map(|b| format!("refs/heads/{b}"))
                .unwrap_or_default();
            (sha.clone(), None, reference, false)
        }
        _ => {
            let Some(target) = target_for(&session, &strategy, opts.shallow)? else {
                return Err(Error::InvalidReference("no reference to check out".into()));
            };
            let unchanged = |r: &RemoteRef| {
                let rev = Commit::partial(r.commit(), &target.reference, target.full_ref_revision)
                    .revision();
                last.as_deref() == Some(rev.as_str())
            };
            match fetch::fetch_ref(
                &session,
                &target.remote_ref,
                target.shallow,
                &target.what,
                unchanged,
            )? {
                Fetched::Unchanged(r) => {
                    tracing::debug!(
                        url = %session.redacted_url,
                        reference = %target.reference,
                        "remote ref unchanged since the last observed revision; nothing fetched"
                    );
                    return Ok(Commit::partial(
                        r.commit(),
                        &target.reference,
                        target.full_ref_revision,
                    ));
                }
                Fetched::Fetched(r) => {
                    let tag = r.peeled.is_some().then(|| r.target.clone());
                    (
                        r.commit().to_string(),
                        tag,
                        target.reference,
                        target.full_ref_revision,
                    )
                }
            }
        }
    };
    build(
        &session,
        &commit_id,
        tag_id.as_deref(),
        &reference,
        full_ref_revision,
        dest,
        &sparse,
    )
}

fn build(
    session: &Session,
    commit_id: &str,
    tag_id: Option<&str>,
    reference: &str,
    full_ref_revision: bool,
    dest: &Path,
    sparse: &[String],
) -> Result<Commit> {
    let repo = &session.repo;
    let not_found = || Error::NotFound {
        url: session.redacted_url.clone(),
        what: format!("commit '{commit_id}'"),
    };
    let id = gix::ObjectId::from_hex(commit_id.as_bytes()).map_err(|_| not_found())?;
    let object = repo.find_object(id).map_err(|_| not_found())?;
    // The advertised object may be a tag that was not peeled by the server.
    let commit = object
        .peel_to_commit()
        .map_err(|e| session.git_error(&format!("resolving commit '{commit_id}'"), &e))?;
    let commit_hex = commit.id.to_hex().to_string();
    let tree_id = commit
        .tree_id()
        .map_err(|e| session.git_error(&format!("reading tree of '{commit_hex}'"), &e))?
        .detach();
    let mut out = Commit::from_raw(&commit_hex, reference, full_ref_revision, &commit.data);

    let tag_id = tag_id
        .map(str::to_string)
        .or_else(|| (commit_hex != commit_id).then(|| commit_id.to_string()));
    if let Some(tag_hex) = tag_id
        && let Ok(tid) = gix::ObjectId::from_hex(tag_hex.as_bytes())
        && let Ok(obj) = repo.find_object(tid)
        && obj.kind == gix::object::Kind::Tag
    {
        out.referencing_tag = Some(AnnotatedTag::from_raw(&tag_hex, &obj.data));
    }

    worktree::write_tree(repo, tree_id, dest, sparse)?;
    tracing::debug!(
        url = %session.redacted_url,
        revision = %out.revision(),
        "checked out"
    );
    for dir in sparse {
        if std::fs::symlink_metadata(dest.join(dir)).is_err() {
            return Err(Error::NotFound {
                url: session.redacted_url.clone(),
                what: format!("sparse checkout directory '{dir}' in commit '{commit_hex}'"),
            });
        }
    }
    Ok(out)
}
