//! The fetch step: resolve `spec.ref` on the remote and check it out into a work
//! directory, unless the remote head still points at the stored artifact's revision
//! and nothing in the content configuration changed (Flux's `OptimizedGitClones`).

use std::path::Path;

use flux_api::Conditions;
use flux_api::constants::{
    ARTIFACT_OUTDATED_CONDITION, CONDITION_TRUE, FETCH_FAILED_CONDITION,
    GIT_OPERATION_FAILED_REASON, INVALID_PROVIDER_CONFIGURATION_REASON, NEW_REVISION_REASON,
    URL_INVALID_REASON,
};
use flux_api::source::gitrepository::{GitRepository, PROVIDER_GENERIC};
use flux_git::{AuthOptions, CheckoutOptions, Commit, GitReference};
use flux_runtime::reconcile::ReconcileError;
use flux_runtime::reconcile::summary;

use super::decide;

/// What the fetch step found.
#[derive(Debug)]
pub struct Fetched {
    /// The revision the ref points to, e.g. `main@sha1:<hex>`.
    pub revision: String,
    /// The checked-out commit; `None` when nothing was downloaded because the stored
    /// artifact is current.
    pub commit: Option<Commit>,
}

/// Checks what retrying cannot fix, before any Secret is read: the URL, the provider and
/// the ref. Failures stall.
pub fn check_spec(obj: &GitRepository) -> Result<(), ReconcileError> {
    let url = &obj.spec.url;
    if let Err(why) = decide::validate_url(url) {
        return Err(ReconcileError::stalling(
            URL_INVALID_REASON,
            format!("invalid Git URL '{}': {why}", flux_git::redact_url(url)),
        )
        .with_condition(FETCH_FAILED_CONDITION));
    }
    let provider = obj.provider();
    if provider != PROVIDER_GENERIC {
        return Err(ReconcileError::stalling(
            INVALID_PROVIDER_CONFIGURATION_REASON,
            format!("provider '{provider}' is not supported by this source-controller; use a secretRef with the 'generic' provider"),
        )
        .with_condition(FETCH_FAILED_CONDITION));
    }
    let reference = decide::git_reference(obj.spec.reference.as_ref());
    if let Err(e) = reference.strategy() {
        return Err(decide::git_error(&e, "invalid spec.ref"));
    }
    Ok(())
}

/// Runs the fetch step for `obj` into `dir` (an empty directory); [`check_spec`] ran
/// before.
pub async fn reconcile_source(
    obj: &mut GitRepository,
    auth: AuthOptions,
    config_changed: bool,
    dir: &Path,
) -> Result<Fetched, ReconcileError> {
    let url = obj.spec.url.clone();
    let reference = decide::git_reference(obj.spec.reference.as_ref());
    let current = obj
        .status
        .as_ref()
        .and_then(|s| s.artifact.as_ref())
        .map(|a| a.revision.clone());

    if let Some(current) = current.as_deref()
        && !config_changed
        && let Some(head) = remote_head(&url, &reference, &auth).await?
        && head == current
    {
        tracing::debug!(revision = %head, "no changes since last reconciliation");
        summary::remove(obj.conditions_mut(), FETCH_FAILED_CONDITION);
        return Ok(Fetched {
            revision: head,
            commit: None,
        });
    }

    let opts = CheckoutOptions {
        url,
        reference,
        auth,
        shallow: true,
        sparse_checkout: obj.spec.sparse_checkout.clone(),
        recurse_submodules: obj.spec.recurse_submodules,
        timeout: decide::timeout(&obj.spec),
        last_observed_commit: None,
    };
    let dest = dir.to_path_buf();
    let commit = tokio::task::spawn_blocking(move || flux_git::checkout(&opts, &dest))
        .await
        .map_err(|e| {
            ReconcileError::transient(GIT_OPERATION_FAILED_REASON, format!("checkout task: {e}"))
                .with_condition(FETCH_FAILED_CONDITION)
        })?
        .map_err(|e| decide::git_error(&e, "failed to checkout and determine revision"))?;
    summary::remove(obj.conditions_mut(), FETCH_FAILED_CONDITION);
    let revision = commit.revision();
    if current.as_deref() != Some(revision.as_str()) {
        let generation = obj.metadata.generation;
        summary::set(
            obj.conditions_mut(),
            summary::condition(
                ARTIFACT_OUTDATED_CONDITION,
                CONDITION_TRUE,
                NEW_REVISION_REASON,
                &format!("new upstream revision '{revision}'"),
                generation,
            ),
        );
    }
    Ok(Fetched {
        revision,
        commit: Some(commit),
    })
}

async fn remote_head(
    url: &str,
    reference: &GitReference,
    auth: &AuthOptions,
) -> Result<Option<String>, ReconcileError> {
    let (url, reference, auth) = (url.to_string(), reference.clone(), auth.clone());
    tokio::task::spawn_blocking(move || flux_git::remote_head(&url, &reference, &auth))
        .await
        .map_err(|e| {
            ReconcileError::transient(GIT_OPERATION_FAILED_REASON, format!("ls-remote task: {e}"))
                .with_condition(FETCH_FAILED_CONDITION)
        })?
        .map_err(|e| decide::git_error(&e, "failed to determine the remote revision"))
}
