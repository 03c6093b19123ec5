//! Sprig's private keys: generation (`genPrivateKey`, the keys of `genCA` &
//! co.), PEM as Sprig's `pemBlockForKey` writes it and `parsePrivateKeyPEM`
//! as the `...WithKey` functions read it.
//!
//! RSA and DSA keys come from the RustCrypto `rsa`/`dsa` crates; rcgen (ring)
//! signs certificates with RSA, ECDSA and Ed25519 keys given as PKCS#8.

use dsa::{Components, KeySize, SigningKey};
use rcgen::KeyPair;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::rand_core::OsRng;

use super::keys::{der, der_uint, pem_decode, pem_encode, pkcs8_to_sec1, sec1_to_pkcs8, tlv};

/// Sprig's `genPrivateKey` for a key type: `""`/`"rsa"` (RSA 4096, PKCS#1),
/// `"dsa"` (L2048N256, Sprig's `DSAKeyFormat`), `"ecdsa"` (P-256, SEC1),
/// `"ed25519"` (PKCS#8). `Ok(None)` for an unknown type.
pub fn generate_pem(kind: &str) -> Result<Option<String>, String> {
    let fail = |e: &dyn std::fmt::Display| format!("failed to generate private key: {e}");
    Ok(Some(match kind {
        "" | "rsa" => rsa_pem(&RsaPrivateKey::new(&mut OsRng, 4096).map_err(|e| fail(&e))?)?,
        "dsa" => dsa_pem(&SigningKey::generate(
            &mut OsRng,
            Components::generate(&mut OsRng, KeySize::DSA_2048_256),
        )),
        "ecdsa" => pem_for(&KeyPair::generate().map_err(|e| fail(&e))?)?,
        "ed25519" => pem_for(&KeyPair::generate_for(&rcgen::PKCS_ED25519).map_err(|e| fail(&e))?)?,
        _ => return Ok(None),
    }))
}

/// The key `genCA`, `genSelfSignedCert` and `genSignedCert` make: RSA 2048.
pub fn generate_cert_key() -> Result<KeyPair, String> {
    let key = RsaPrivateKey::new(&mut OsRng, 2048)
        .map_err(|e| format!("error generating rsa key: {e}"))?;
    let pkcs8 = key.to_pkcs8_der().map_err(|e| e.to_string())?;
    KeyPair::try_from(pkcs8.as_bytes()).map_err(|e| e.to_string())
}

/// A private key from PEM as Sprig reads it: `PRIVATE KEY` (PKCS#8),
/// `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1, P-256). DSA keys are
/// rejected: Go cannot sign certificates with them either.
pub fn parse_key(pem: &str) -> Result<KeyPair, String> {
    let (label, body) = pem_decode(pem).ok_or("error parsing private key: no PEM data in input")?;
    let pkcs8 = match label.as_str() {
        "PRIVATE KEY" => body,
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&body)
            .and_then(|k| k.to_pkcs8_der().map_err(rsa::pkcs1::Error::from))
            .map_err(|e| format!("error parsing private key: decoding PEM as PKCS#1: {e}"))?
            .as_bytes()
            .to_vec(),
        "EC PRIVATE KEY" => {
            sec1_to_pkcs8(&body).ok_or("error parsing private key: unsupported EC private key")?
        }
        other => {
            return Err(format!(
                "error parsing private key: unsupported key type {other}"
            ));
        }
    };
    KeyPair::try_from(pkcs8.as_slice()).map_err(|e| format!("error parsing private key: {e}"))
}

/// Does Sprig's `parsePrivateKeyPEM` accept this key? As [`parse_key`], and
/// also DSA keys in Sprig's `DSAKeyFormat` (six INTEGERs).
pub fn check_key(pem: &str) -> Result<(), String> {
    if let Some((label, body)) = pem_decode(pem)
        && label == "DSA PRIVATE KEY"
    {
        let Some((0x30, mut rest, _)) = tlv(&body) else {
            return Err("error parsing private key: bad DSA key".into());
        };
        for _ in 0..6 {
            match tlv(rest) {
                Some((0x02, _, next)) => rest = next,
                _ => return Err("error parsing private key: bad DSA key".into()),
            }
        }
        return Ok(());
    }
    parse_key(pem).map(|_| ())
}

/// A key as Sprig's `pemBlockForKey` writes it: PKCS#1 for RSA, SEC1 for
/// P-256, else PKCS#8.
pub fn pem_for(key: &KeyPair) -> Result<String, String> {
    let pkcs8 = key.serialized_der();
    if let Some(sec1) = pkcs8_to_sec1(pkcs8) {
        return Ok(pem_encode("EC PRIVATE KEY", &sec1));
    }
    if let Ok(rsa) = RsaPrivateKey::from_pkcs8_der(pkcs8) {
        return rsa_pem(&rsa);
    }
    if key.algorithm() == &rcgen::PKCS_ED25519
        && let Some(v1) = pkcs8_v1(pkcs8)
    {
        return Ok(pem_encode("PRIVATE KEY", &v1));
    }
    Ok(key.serialize_pem())
}

/// ring writes PKCS#8 v2 (with the public key); Go writes v1: version 0,
/// algorithm and private key only.
fn pkcs8_v1(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let (0x30, body, _) = tlv(pkcs8)? else {
        return None;
    };
    let (0x02, _, after_version) = tlv(body)? else {
        return None;
    };
    let (_, _, after_alg) = tlv(after_version)?;
    let (_, _, after_key) = tlv(after_alg)?;
    let mut out = der(0x02, &[0]);
    out.extend_from_slice(&after_version[..after_version.len() - after_key.len()]);
    Some(der(0x30, &out))
}

fn rsa_pem(key: &RsaPrivateKey) -> Result<String, String> {
    let der = key.to_pkcs1_der().map_err(|e| e.to_string())?;
    Ok(pem_encode("RSA PRIVATE KEY", der.as_bytes()))
}

/// Sprig's `DSAKeyFormat`: SEQUENCE { version 0, P, Q, G, Y, X }.
fn dsa_pem(key: &SigningKey) -> String {
    let public = key.verifying_key();
    let c = public.components();
    let mut body = der(0x02, &[0]);
    for n in [c.p(), c.q(), c.g(), public.y(), key.x()] {
        body.extend(der_uint(&n.to_bytes_be()));
    }
    pem_encode("DSA PRIVATE KEY", &der(0x30, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_keys_are_pkcs1_and_read_back() {
        let pem = generate_pem("rsa").unwrap().unwrap();
        let (label, body) = pem_decode(&pem).unwrap();
        assert_eq!(label, "RSA PRIVATE KEY");
        let key = RsaPrivateKey::from_pkcs1_der(&body).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::size(&key), 512);
        let kp = parse_key(&pem).unwrap();
        assert!(kp.is_compatible(&rcgen::PKCS_RSA_SHA256));
        // Written back unchanged, as Go's MarshalPKCS1PrivateKey does.
        assert_eq!(pem_for(&kp).unwrap(), pem);
        let cert_key = generate_cert_key().unwrap();
        let (_, body) = pem_decode(&pem_for(&cert_key).unwrap()).unwrap();
        let key = RsaPrivateKey::from_pkcs1_der(&body).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::size(&key), 256);
    }

    #[test]
    fn dsa_keys_have_sprig_layout() {
        let pem = generate_pem("dsa").unwrap().unwrap();
        let (label, body) = pem_decode(&pem).unwrap();
        assert_eq!(label, "DSA PRIVATE KEY");
        // SEQUENCE of six INTEGERs; P is 2048 bits (257 bytes with the sign byte).
        assert_eq!(body[0], 0x30);
        assert_eq!(&body[4..7], &[0x02, 0x01, 0x00]);
        assert_eq!(&body[7..11], &[0x02, 0x82, 0x01, 0x01]);
        assert!(parse_key(&pem).is_err());
        check_key(&pem).unwrap();
        assert!(check_key(&pem_encode("DSA PRIVATE KEY", b"\x30\x03\x02\x01\x00")).is_err());
    }

    #[test]
    fn ed25519_keys_are_pkcs8_v1_like_go() {
        let pem = generate_pem("ed25519").unwrap().unwrap();
        let (label, body) = pem_decode(&pem).unwrap();
        assert_eq!(label, "PRIVATE KEY");
        // Go's MarshalPKCS8PrivateKey: 48 bytes, version 0.
        assert_eq!(body.len(), 48);
        assert_eq!(&body[2..5], &[0x02, 0x01, 0x00]);
        let kp = parse_key(&pem).unwrap();
        assert!(kp.is_compatible(&rcgen::PKCS_ED25519));
        assert_eq!(pem_for(&kp).unwrap(), pem);
    }

    #[test]
    fn unknown_and_bad_keys() {
        assert_eq!(generate_pem("x25519").unwrap(), None);
        assert!(parse_key("nothing").is_err());
        assert!(parse_key(&pem_encode("RSA PRIVATE KEY", b"\x30\x00")).is_err());
        assert!(parse_key(&pem_encode("CERTIFICATE", b"\x30\x00")).is_err());
    }
}
