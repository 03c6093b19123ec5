//! Sigstore bundles (`application/vnd.dev.sigstore.bundle.v0.3+json`), the format
//! `cosign sign --new-bundle-format` writes (the default from cosign v3): an OCI 1.1
//! referrer of the signed manifest whose layer is a bundle holding a DSSE envelope. The
//! envelope's payload is an in-toto statement naming the manifest digest as its subject
//! with the predicate type `https://sigstore.dev/cosign/sign/v1`; the signature covers
//! the DSSE pre-authentication encoding (PAE) of payload type and payload.
//!
//! Key-based verification only, and, as Flux does for public keys, without consulting a
//! transparency log.

use base64::Engine as _;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;

/// Prefix of the artifact and layer media types of Sigstore bundles.
pub const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
/// The in-toto predicate type of a cosign image signature.
pub const COSIGN_SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";
const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Checks that `bundle` is a DSSE signature of the manifest `digest` (`sha256:<hex>`)
/// by one of `keys`.
pub fn check_bundle(bundle: &[u8], digest: &str, keys: &[VerifyingKey]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(bundle).map_err(|e| format!("bundle is not JSON: {e}"))?;
    let Some(envelope) = value.get("dsseEnvelope") else {
        return Err(if value.get("messageSignature").is_some() {
            "bundle holds a message signature, not a DSSE envelope; only image signatures made by `cosign sign` are supported".into()
        } else {
            "bundle has no DSSE envelope".into()
        });
    };
    let b64 = |v: &Value, what: &str| -> Result<Vec<u8>, String> {
        let text = v
            .as_str()
            .ok_or_else(|| format!("bundle {what} is missing"))?;
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| format!("bundle {what} is not base64"))
    };
    let payload = b64(&envelope["payload"], "payload")?;
    let payload_type = envelope["payloadType"].as_str().unwrap_or_default();
    if payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(format!(
            "bundle payload type '{payload_type}' is not '{IN_TOTO_PAYLOAD_TYPE}'"
        ));
    }
    let signed = pae(payload_type, &payload);
    let signatures = envelope["signatures"]
        .as_array()
        .filter(|s| !s.is_empty())
        .ok_or("bundle has no signatures")?;
    let mut valid = false;
    for s in signatures {
        let bytes = b64(&s["sig"], "signature")?;
        let Ok(sig) = Signature::from_der(&bytes).or_else(|_| Signature::from_slice(&bytes)) else {
            continue;
        };
        if keys.iter().any(|k| k.verify(&signed, &sig).is_ok()) {
            valid = true;
            break;
        }
    }
    if !valid {
        return Err("no matching signatures: invalid signature for the given public keys".into());
    }
    check_statement(&payload, digest)
}

/// The in-toto statement must be a cosign signature naming `digest` as a subject.
fn check_statement(payload: &[u8], digest: &str) -> Result<(), String> {
    let statement: Value = serde_json::from_slice(payload)
        .map_err(|e| format!("bundle payload is not an in-toto statement: {e}"))?;
    let predicate = statement["predicateType"].as_str().unwrap_or_default();
    if predicate != COSIGN_SIGN_PREDICATE_TYPE {
        return Err(format!(
            "bundle predicate type '{predicate}' is not a cosign signature ('{COSIGN_SIGN_PREDICATE_TYPE}')"
        ));
    }
    let (algorithm, hex) = digest
        .split_once(':')
        .ok_or_else(|| format!("digest '{digest}' has no algorithm"))?;
    let names_digest = statement["subject"].as_array().is_some_and(|subjects| {
        subjects
            .iter()
            .any(|s| s["digest"][algorithm].as_str() == Some(hex))
    });
    if names_digest {
        Ok(())
    } else {
        Err(format!("bundle statement does not name '{digest}'"))
    }
}

/// DSSE's pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{DerSignature, SigningKey};

    fn bundle(key: &SigningKey, statement: &str, payload_type: &str) -> Vec<u8> {
        let sig: DerSignature = key.sign(&pae(payload_type, statement.as_bytes()));
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        serde_json::to_vec(&serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "dsseEnvelope": {
                "payload": b64(statement.as_bytes()),
                "payloadType": payload_type,
                "signatures": [{"sig": b64(sig.as_bytes())}]
            }
        }))
        .unwrap()
    }

    fn statement(hex: &str, predicate: &str) -> String {
        format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{hex}"}}}}],"predicateType":"{predicate}"}}"#
        )
    }

    #[test]
    fn pae_is_dsse_v1() {
        assert_eq!(pae("t", b"abc"), b"DSSEv1 1 t 3 abc");
    }

    #[test]
    fn bundles_are_checked_for_key_subject_and_predicate() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let other = SigningKey::from_slice(&[8u8; 32]).unwrap();
        let pk = *key.verifying_key();
        let good = bundle(
            &key,
            &statement("ab", COSIGN_SIGN_PREDICATE_TYPE),
            IN_TOTO_PAYLOAD_TYPE,
        );
        assert_eq!(check_bundle(&good, "sha256:ab", &[pk]), Ok(()));
        let err = check_bundle(&good, "sha256:cd", &[pk]).unwrap_err();
        assert!(err.contains("does not name"), "{err}");
        let err = check_bundle(&good, "sha256:ab", &[*other.verifying_key()]).unwrap_err();
        assert!(err.contains("invalid signature"), "{err}");
        let attestation = bundle(
            &key,
            &statement("ab", "https://slsa.dev/provenance/v1"),
            IN_TOTO_PAYLOAD_TYPE,
        );
        let err = check_bundle(&attestation, "sha256:ab", &[pk]).unwrap_err();
        assert!(err.contains("predicate type"), "{err}");
        let wrong_type = bundle(
            &key,
            &statement("ab", COSIGN_SIGN_PREDICATE_TYPE),
            "text/plain",
        );
        assert!(check_bundle(&wrong_type, "sha256:ab", &[pk]).is_err());
        assert!(check_bundle(b"{}", "sha256:ab", &[pk]).is_err());
        assert!(check_bundle(b"not json", "sha256:ab", &[pk]).is_err());
    }
}
