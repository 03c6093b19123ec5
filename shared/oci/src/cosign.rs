//! cosign key-based signatures, in the layout `cosign sign --key` writes: a manifest
//! tagged `<alg>-<hex>.sig` next to the artifact whose layers are simple-signing JSON
//! payloads (`application/vnd.dev.cosign.simplesigning.v1+json`) naming the signed
//! manifest digest, each carrying its base64 ECDSA P-256/SHA-256 signature in the
//! `dev.cosignproject.cosign/signature` annotation.
//!
//! Verification (Flux's `cosign` provider with `secretRef`): at least one payload must
//! name the artifact's digest and carry a signature valid for one of the public keys.
//! Signatures in the newer Sigstore bundle format (OCI referrers, see
//! [`crate::sigstore_bundle`]) are accepted too.
//! Keyless (Fulcio/Rekor) verification is not implemented.

use std::collections::BTreeMap;

use base64::Engine as _;
use oci_client::client::{Config, ImageLayer};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use serde_json::Value;

use crate::Error;
use crate::client::OciClient;

/// Media type of a cosign simple-signing payload layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Annotation holding the base64 signature of a payload.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
const MAX_PAYLOAD: u64 = 1 << 20;
/// Referrers of one artifact inspected for Sigstore bundles.
const MAX_REFERRERS: usize = 64;

/// The signature tag for a manifest digest: `sha256:<hex>` → `sha256-<hex>.sig`.
pub fn signature_tag(digest: &str) -> String {
    format!("{}.sig", digest.replacen(':', "-", 1))
}

/// Parses PEM public keys (`cosign.pub`).
pub fn parse_public_key(pem: &[u8]) -> Result<VerifyingKey, Error> {
    let text = std::str::from_utf8(pem)
        .map_err(|_| Error::InvalidAuth("public key is not UTF-8 PEM".into()))?;
    VerifyingKey::from_public_key_pem(text.trim())
        .map_err(|e| Error::InvalidAuth(format!("not an ECDSA P-256 public key in PEM: {e}")))
}

/// Verifies that the manifest `digest` of `client`'s repository is signed by one of
/// `keys` (PEM): by a simple-signing payload under the `.sig` tag, or by a Sigstore
/// bundle referring to it.
pub async fn verify(client: &OciClient, digest: &str, keys: &[Vec<u8>]) -> Result<(), Error> {
    let reference = format!("{}@{digest}", client.url().to_url());
    let fail = |reason: String| Error::Verification {
        reference: reference.clone(),
        reason,
    };
    if keys.is_empty() {
        return Err(fail("no public keys given".into()));
    }
    let keys: Vec<VerifyingKey> = keys
        .iter()
        .map(|k| parse_public_key(k))
        .collect::<Result<_, _>>()?;
    let mut reasons = Vec::new();
    let sig_tag = signature_tag(digest);
    let tag = verify_sig_tag(client, &sig_tag, digest, &keys, &mut reasons).await?;
    if tag == Outcome::Verified {
        return Ok(());
    }
    let bundles = verify_bundles(client, digest, &keys, &mut reasons).await?;
    match (tag, bundles) {
        (_, Outcome::Verified) => Ok(()),
        (Outcome::Absent, Outcome::Absent) => Err(fail(format!(
            "no signature found (neither tag '{sig_tag}' nor a Sigstore bundle referrer)"
        ))),
        _ => Err(fail(reasons.join("; "))),
    }
}

/// What one kind of signature storage held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// A signature verified.
    Verified,
    /// Signatures were there, none verified (the reasons are collected).
    Failed,
    /// No signatures of this kind.
    Absent,
}

/// Checks the simple-signing layers under the `.sig` tag.
async fn verify_sig_tag(
    client: &OciClient,
    sig_tag: &str,
    digest: &str,
    keys: &[VerifyingKey],
    reasons: &mut Vec<String>,
) -> Result<Outcome, Error> {
    let resolved = match client
        .resolve(&crate::OciRef::Tag(sig_tag.to_string()))
        .await
    {
        Ok(r) => r,
        Err(Error::NotFound(_)) => return Ok(Outcome::Absent),
        Err(e) => return Err(e),
    };
    let manifest = client.manifest(&resolved.digest).await?;
    let before = reasons.len();
    for layer in &manifest.layers {
        if layer.media_type != SIMPLE_SIGNING_MEDIA_TYPE {
            continue;
        }
        let Some(sig_b64) = layer
            .annotations
            .as_ref()
            .and_then(|a| a.get(SIGNATURE_ANNOTATION))
        else {
            reasons.push("a signature layer has no signature annotation".to_string());
            continue;
        };
        let payload = client
            .small_blob(&resolved.digest, layer, MAX_PAYLOAD)
            .await?;
        match check_payload(&payload, sig_b64, digest, keys) {
            Ok(()) => return Ok(Outcome::Verified),
            Err(why) => reasons.push(why),
        }
    }
    if reasons.len() == before {
        reasons.push("the signature manifest has no simple-signing layers".into());
    }
    Ok(Outcome::Failed)
}

/// Checks the Sigstore bundles referring to `digest`.
async fn verify_bundles(
    client: &OciClient,
    digest: &str,
    keys: &[VerifyingKey],
    reasons: &mut Vec<String>,
) -> Result<Outcome, Error> {
    use crate::sigstore_bundle::{BUNDLE_MEDIA_TYPE_PREFIX, check_bundle};
    let mut outcome = Outcome::Absent;
    // The index entries' artifactType cannot be trusted to pick bundles out: cosign
    // (through go-containerregistry) records the config's empty media type there. So
    // each referrer's manifest is read, up to a bound.
    let entries = match client.referrers(digest).await {
        Ok(entries) => entries,
        // Not fatal: a `.sig` failure reason, if any, stays the headline.
        Err(e) => {
            reasons.push(format!("listing Sigstore bundle referrers failed: {e}"));
            return Ok(Outcome::Failed);
        }
    };
    for entry in entries.iter().take(MAX_REFERRERS) {
        if entry.media_type != oci_client::manifest::OCI_IMAGE_MEDIA_TYPE {
            continue;
        }
        let manifest = client.manifest(&entry.digest).await?;
        for layer in &manifest.layers {
            if !layer.media_type.starts_with(BUNDLE_MEDIA_TYPE_PREFIX) {
                continue;
            }
            let bundle = client.small_blob(&entry.digest, layer, MAX_PAYLOAD).await?;
            match check_bundle(&bundle, digest, keys) {
                Ok(()) => return Ok(Outcome::Verified),
                Err(why) => {
                    reasons.push(why);
                    outcome = Outcome::Failed;
                }
            }
        }
    }
    Ok(outcome)
}

fn check_payload(
    payload: &[u8],
    sig_b64: &str,
    digest: &str,
    keys: &[VerifyingKey],
) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let signed = value
        .pointer("/critical/image/docker-manifest-digest")
        .and_then(Value::as_str)
        .ok_or("payload names no manifest digest")?;
    if signed != digest {
        return Err(format!("payload is for '{signed}', not '{digest}'"));
    }
    let sig_bytes = base64::engine::general_purpose::STANDARD
        .decode(sig_b64.trim())
        .map_err(|_| "signature is not base64".to_string())?;
    let sig = Signature::from_der(&sig_bytes)
        .or_else(|_| Signature::from_slice(&sig_bytes))
        .map_err(|_| "signature is not an ECDSA signature".to_string())?;
    if keys.iter().any(|k| k.verify(payload, &sig).is_ok()) {
        Ok(())
    } else {
        Err("no matching signatures: invalid signature for the given public keys".into())
    }
}

/// A signing key for tests and the CLI (ECDSA P-256).
pub struct CosignKey(SigningKey);

impl CosignKey {
    /// A key derived from 32 seed bytes (deterministic; for tests).
    pub fn from_seed(seed: &[u8; 32]) -> Result<CosignKey, Error> {
        SigningKey::from_slice(seed)
            .map(CosignKey)
            .map_err(|e| Error::InvalidAuth(format!("invalid key seed: {e}")))
    }

    /// The public key as PEM (what goes in `cosign.pub`).
    pub fn public_key_pem(&self) -> Result<String, Error> {
        VerifyingKey::from(&self.0)
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| Error::InvalidAuth(format!("encoding the public key: {e}")))
    }

    /// Signs the manifest `digest` in `client`'s repository the way `cosign sign --key`
    /// does, pushing the `.sig` manifest.
    pub async fn sign(&self, client: &OciClient, digest: &str) -> Result<(), Error> {
        let payload = serde_json::json!({
            "critical": {
                "identity": {"docker-reference": format!("{}/{}", client.url().registry, client.url().repository)},
                "image": {"docker-manifest-digest": digest},
                "type": "cosign container image signature"
            },
            "optional": null
        });
        let payload =
            serde_json::to_vec(&payload).map_err(|e| Error::InvalidAuth(e.to_string()))?;
        let sig: DerSignature = self.0.sign(&payload);
        let mut annotations = BTreeMap::new();
        annotations.insert(
            SIGNATURE_ANNOTATION.to_string(),
            base64::engine::general_purpose::STANDARD.encode(sig.as_bytes()),
        );
        let layer = ImageLayer::new(
            payload,
            SIMPLE_SIGNING_MEDIA_TYPE.to_string(),
            Some(annotations),
        );
        let config = Config::new(
            b"{}".to_vec(),
            "application/vnd.oci.image.config.v1+json".to_string(),
            None,
        );
        client
            .push_layers(&signature_tag(digest), vec![layer], config)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_checked_for_digest_and_key() {
        let key = CosignKey::from_seed(&[7u8; 32]).unwrap();
        let other = CosignKey::from_seed(&[9u8; 32]).unwrap();
        let digest = "sha256:abcd";
        let payload =
            format!(r#"{{"critical":{{"image":{{"docker-manifest-digest":"{digest}"}}}}}}"#);
        let sig: DerSignature = key.0.sign(payload.as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD.encode(sig.as_bytes());
        let pk = parse_public_key(key.public_key_pem().unwrap().as_bytes()).unwrap();
        let other_pk = parse_public_key(other.public_key_pem().unwrap().as_bytes()).unwrap();
        assert_eq!(
            check_payload(payload.as_bytes(), &b64, digest, &[pk]),
            Ok(())
        );
        assert!(check_payload(payload.as_bytes(), &b64, digest, &[other_pk]).is_err());
        assert!(check_payload(payload.as_bytes(), &b64, "sha256:other", &[pk]).is_err());
        assert!(check_payload(b"{}", &b64, digest, &[pk]).is_err());
        assert_eq!(signature_tag("sha256:ab"), "sha256-ab.sig");
    }
}
