//! PGP verification of signed commits and tags against armored public keys, as
//! Flux's `Commit.Verify` / `AnnotatedTag.Verify` do (github.com/ProtonMail/go-crypto).
//! Signatures made by the primary key or by any of its subkeys are accepted.

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
use pgp::types::KeyDetails;

use crate::commit::{AnnotatedTag, Commit};
use crate::error::{Error, Result};

/// The id of the primary key that made a verified signature: 16 upper-case hex
/// digits, as Flux reports it (`KeyIdString`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyId(pub String);

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Verifies the commit's `gpgsig` against the key rings (each an armored public key
/// block, e.g. one per `*.asc` key of the verification Secret).
pub fn verify_commit(commit: &Commit, key_rings: &[impl AsRef<str>]) -> Result<KeyId> {
    verify_signature(commit.signature.as_deref(), &commit.encoded, key_rings)
        .map_err(|e| Error::Verification(format!("unable to verify Git commit: {e}")))
}

/// Verifies an annotated tag's signature against the key rings.
pub fn verify_tag(tag: &AnnotatedTag, key_rings: &[impl AsRef<str>]) -> Result<KeyId> {
    verify_signature(tag.signature.as_deref(), &tag.encoded, key_rings)
        .map_err(|e| Error::Verification(format!("unable to verify Git tag: {e}")))
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn verify_signature(
    signature: Option<&str>,
    payload: &[u8],
    key_rings: &[impl AsRef<str>],
) -> std::result::Result<KeyId, String> {
    let Some(signature) = signature.filter(|s| !s.trim().is_empty()) else {
        return Err("unable to verify payload as the provided signature is empty".into());
    };
    if !signature.contains("-----BEGIN PGP SIGNATURE-----") {
        return Err("the signature is not an OpenPGP signature".into());
    }
    let (sig, _) = DetachedSignature::from_string(signature)
        .map_err(|e| format!("unable to parse the signature: {e}"))?;
    for ring in key_rings {
        let (keys, _) = SignedPublicKey::from_string_many(ring.as_ref())
            .map_err(|e| format!("unable to read armored key ring: {e}"))?;
        for key in keys {
            let key = key.map_err(|e| format!("unable to read armored key ring: {e}"))?;
            if key.verify_bindings().is_err() {
                continue;
            }
            let by_primary = sig.verify(&key.primary_key, payload).is_ok();
            let by_subkey = || {
                key.public_subkeys
                    .iter()
                    .any(|sub| sig.verify(&sub.key, payload).is_ok())
            };
            if by_primary || by_subkey() {
                return Ok(KeyId(hex_upper(key.primary_key.legacy_key_id().as_ref())));
            }
        }
    }
    Err("unable to verify payload with any of the given key rings".into())
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
