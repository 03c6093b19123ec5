//! The verify step: PGP signatures of the checked-out commit and/or the tag it was
//! reached through, against the keys of `spec.verify.secretRef` (Flux's
//! `verifySignature`). Sets `SourceVerified` and `status.sourceVerificationMode`.

use flux_api::Conditions;
use flux_api::constants::{
    CONDITION_FALSE, CONDITION_TRUE, SOURCE_VERIFIED_CONDITION, SUCCEEDED_REASON,
    VERIFICATION_ERROR_REASON,
};
use flux_api::source::gitrepository::{
    GitRepository, VERIFY_MODE_HEAD, VERIFY_MODE_TAG, VERIFY_MODE_TAG_AND_HEAD,
};
use flux_git::Commit;
use flux_runtime::reconcile::ReconcileError;
use flux_runtime::reconcile::summary;
use kube::ResourceExt;

use super::auth::secret_data;
use super::fetch::Fetched;

/// Runs the verify step. Without `spec.verify` it clears what an earlier verification
/// left; when nothing was fetched the earlier verification (same mode, `True`) stands.
pub async fn reconcile_verification(
    client: &kube::Client,
    obj: &mut GitRepository,
    fetched: &Fetched,
) -> Result<(), ReconcileError> {
    let Some(verify) = obj.spec.verification.clone() else {
        summary::remove(obj.conditions_mut(), SOURCE_VERIFIED_CONDITION);
        if let Some(status) = obj.status.as_mut() {
            status.source_verification_mode = None;
        }
        return Ok(());
    };
    let Some(commit) = &fetched.commit else {
        // The fetch step only skips the checkout when no re-verification is required.
        return Ok(());
    };
    let mode = verify.effective_mode();
    let namespace = obj.namespace().unwrap_or_default();
    let generation = obj.metadata.generation;
    let fail = |obj: &mut GitRepository, message: String| {
        summary::set(
            obj.conditions_mut(),
            summary::condition(
                SOURCE_VERIFIED_CONDITION,
                CONDITION_FALSE,
                VERIFICATION_ERROR_REASON,
                &message,
                generation,
            ),
        );
        ReconcileError::transient(VERIFICATION_ERROR_REASON, message)
    };
    let data = match secret_data(client, &namespace, &verify.secret_ref.name).await {
        Ok(data) => data,
        Err(e) => return Err(fail(obj, format!("PGP public keys secret error: {e}"))),
    };
    let key_rings = key_rings(&data);
    if key_rings.is_empty() {
        return Err(fail(
            obj,
            format!(
                "no PGP public keys found in secret '{namespace}/{}' (SSH signature keys '*.sshpub' are not supported)",
                verify.secret_ref.name
            ),
        ));
    }
    let message = match verify_commit_and_tag(commit, mode, &fetched.revision, &key_rings) {
        Ok(message) => message,
        Err(message) => return Err(fail(obj, message)),
    };
    summary::set(
        obj.conditions_mut(),
        summary::condition(
            SOURCE_VERIFIED_CONDITION,
            CONDITION_TRUE,
            SUCCEEDED_REASON,
            &message,
            generation,
        ),
    );
    obj.status
        .get_or_insert_with(Default::default)
        .source_verification_mode = Some(mode.to_string());
    Ok(())
}

/// The armored key rings of a verification Secret: every value except `*.sshpub` keys
/// (Flux treats unknown suffixes as PGP).
pub fn key_rings(data: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<String> {
    data.iter()
        .filter(|(k, _)| !k.ends_with(".sshpub"))
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// Verifies what `mode` asks for and returns the `SourceVerified` message, or why it
/// failed.
pub fn verify_commit_and_tag(
    commit: &Commit,
    mode: &str,
    revision: &str,
    key_rings: &[String],
) -> Result<String, String> {
    let mut verified = Vec::new();
    if mode == VERIFY_MODE_TAG || mode == VERIFY_MODE_TAG_AND_HEAD {
        let Some(tag) = &commit.referencing_tag else {
            return Err(format!(
                "cannot verify tag object's signature if a tag reference is not specified (mode '{mode}' needs spec.ref.tag or spec.ref.semver pointing at an annotated tag)"
            ));
        };
        let key = flux_git::verify_tag(tag, key_rings).map_err(|e| e.to_string())?;
        verified.push(format!("tag '{}' with key '{key}'", tag.display()));
    }
    if mode == VERIFY_MODE_HEAD || mode == VERIFY_MODE_TAG_AND_HEAD {
        let key = flux_git::verify_commit(commit, key_rings).map_err(|e| e.to_string())?;
        verified.push(format!("commit '{revision}' with key '{key}'"));
    }
    Ok(format!(
        "verified signature of\n\t- {}",
        verified.join("\n\t- ")
    ))
}
