//! Sprig's password and cipher helpers: `bcrypt`, `htpasswd`, `derivePassword`
//! (the Master Password algorithm), `encryptAES`, `decryptAES` (AES-256-CBC,
//! PKCS#7 padding, random IV in front, base64) and `buildCustomCert`.

use aes::Aes256;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use base64::Engine as _;

use super::{FnResult, arg_str, want};
use crate::template::value::Value;

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "bcrypt",
    "htpasswd",
    "derivePassword",
    "encryptAES",
    "decryptAES",
    "buildCustomCert",
];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "bcrypt" => want(a, 1).and_then(|_| Ok(Value::from(bcrypt_hash(arg_str(a, 0)?)))),
        "htpasswd" => want(a, 2).and_then(|_| {
            let user = arg_str(a, 0)?;
            Ok(Value::from(if user.contains(':') {
                format!("invalid username: {user}")
            } else {
                format!("{user}:{}", bcrypt_hash(arg_str(a, 1)?))
            }))
        }),
        "derivePassword" => want(a, 5).and_then(|_| {
            let counter = match &a[0] {
                Value::Int(n) => {
                    u32::try_from(*n).map_err(|_| format!("value {n} overflows uint32"))?
                }
                other => {
                    return Err(format!(
                        "wrong type for value; expected uint32; got {}",
                        other.type_name()
                    ));
                }
            };
            derive_password(
                counter,
                arg_str(a, 1)?,
                arg_str(a, 2)?,
                arg_str(a, 3)?,
                arg_str(a, 4)?,
            )
            .map(Value::from)
        }),
        "encryptAES" => want(a, 2).and_then(|_| encrypt_aes(arg_str(a, 0)?, arg_str(a, 1)?)),
        "decryptAES" => want(a, 2).and_then(|_| decrypt_aes(arg_str(a, 0)?, arg_str(a, 1)?)),
        "buildCustomCert" => {
            want(a, 2).and_then(|_| build_custom_cert(arg_str(a, 0)?, arg_str(a, 1)?))
        }
        _ => return None,
    };
    Some(r)
}

/// Go's `bcrypt.GenerateFromPassword` at the default cost (10), `$2a$`.
fn bcrypt_hash(password: &str) -> String {
    if password.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(password, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new()
        .chain_update(k.map(|b| b ^ 0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(k.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Sprig's `derivePassword` (Master Password: scrypt N=32768 r=8 p=2, HMAC-SHA256).
fn derive_password(
    counter: u32,
    kind: &str,
    password: &str,
    user: &str,
    site: &str,
) -> Result<String, String> {
    let Some(templates) = password_templates(kind) else {
        return Ok(format!("cannot find password template {kind}"));
    };
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend((user.len() as u32).to_be_bytes());
    salt.extend(user.as_bytes());
    let params = scrypt::Params::new(15, 8, 2, 64).map_err(|e| e.to_string())?;
    let mut key = [0u8; 64];
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return Ok(format!("failed to derive password: {e}"));
    }
    let mut msg = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    msg.extend((site.len() as u32).to_be_bytes());
    msg.extend(site.as_bytes());
    msg.extend(counter.to_be_bytes());
    let seed = hmac_sha256(&key, &msg);
    let template = templates[usize::from(seed[0]) % templates.len()].as_bytes();
    Ok(template
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(*c);
            chars[usize::from(seed[i + 1]) % chars.len()] as char
        })
        .collect())
}

/// Sprig's key: the password's bytes copied into 32 zero bytes (longer ones cut).
fn cipher(password: &str) -> Aes256 {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    Aes256::new(&key.into())
}

fn encrypt_aes(password: &str, plaintext: &str) -> FnResult {
    if plaintext.is_empty() {
        return Ok(Value::from(""));
    }
    let c = cipher(password);
    let mut data = plaintext.as_bytes().to_vec();
    let pad = 16 - data.len() % 16;
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let mut iv = [0u8; 16];
    getrandom::fill(&mut iv).map_err(|e| format!("error calling encryptAES: {e}"))?;
    let mut out = iv.to_vec();
    let mut prev = iv;
    for chunk in data.chunks(16) {
        let mut block = [0u8; 16];
        for (i, b) in chunk.iter().enumerate() {
            block[i] = b ^ prev[i];
        }
        let mut ga = block.into();
        c.encrypt_block(&mut ga);
        prev = ga.into();
        out.extend_from_slice(&prev);
    }
    Ok(Value::from(
        base64::engine::general_purpose::STANDARD.encode(out),
    ))
}

fn decrypt_aes(password: &str, crypt64: &str) -> FnResult {
    if crypt64.is_empty() {
        return Ok(Value::from(""));
    }
    let crypt = base64::engine::general_purpose::STANDARD
        .decode(crypt64)
        .map_err(|e| format!("illegal base64 data: {e}"))?;
    // Go panics on these; text/template reports the panic as an error.
    if crypt.len() < 16 {
        return Err("runtime error: slice bounds out of range".into());
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let c = cipher(password);
    let mut prev: [u8; 16] = iv.try_into().map_err(|_| "bad IV".to_string())?;
    let mut out = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let block: [u8; 16] = chunk.try_into().map_err(|_| "bad block".to_string())?;
        let mut ga = block.into();
        c.decrypt_block(&mut ga);
        let plain: [u8; 16] = ga.into();
        out.extend(plain.iter().zip(prev.iter()).map(|(p, v)| p ^ v));
        prev = block;
    }
    let pad = usize::from(out.last().copied().unwrap_or(0));
    if pad > out.len() {
        return Err("runtime error: slice bounds out of range".into());
    }
    out.truncate(out.len() - pad);
    Ok(Value::from(String::from_utf8_lossy(&out).into_owned()))
}

/// Sprig's `buildCustomCert`: base64 PEM certificate and key, checked and
/// returned as a `certificate`.
fn build_custom_cert(b64cert: &str, b64key: &str) -> FnResult {
    let b64 = base64::engine::general_purpose::STANDARD;
    let cert = b64
        .decode(b64cert)
        .map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key = b64
        .decode(b64key)
        .map_err(|_| "unable to decode base64 private key".to_string())?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let (_, der) =
        super::keys::pem_decode(&cert).ok_or_else(|| "unable to decode certificate".to_string())?;
    x509_parser::parse_x509_certificate(&der)
        .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    super::private_key::check_key(&key)?;
    Ok(super::crypto::cert_value(cert, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::funcs::strval;

    fn run(name: &str, args: &[&str]) -> FnResult {
        let a: Vec<Value> = args.iter().map(|s| Value::from(*s)).collect();
        call(name, &a).unwrap()
    }

    #[test]
    fn aes_round_trips_like_sprig() {
        let enc = strval(&run("encryptAES", &["key", "plain text"]).unwrap());
        // IV + one block, base64.
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&enc)
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            strval(&run("decryptAES", &["key", &enc]).unwrap()),
            "plain text"
        );
        assert_ne!(
            strval(&run("decryptAES", &["other", &enc]).unwrap_or_default()),
            "plain text"
        );
        assert_eq!(strval(&run("encryptAES", &["key", ""]).unwrap()), "");
        assert!(run("decryptAES", &["key", "AAAA"]).is_err());
        // Ciphertexts made by helm v4.2.3's encryptAES.
        let go = "OvP/LU8l9Mk0cYgojSGkrYiofcrgBxubf34SKCR4KIQ=";
        assert_eq!(
            strval(&run("decryptAES", &["0123456789abcdef0123456789abcdef", go]).unwrap()),
            "secret"
        );
        let go = "13h9e+PagfL+oP7kx8NU3c8jMe32/RVJu83BpXsnia7PV1z6PJR0CuW2YxlhVXWVSBc/gYt4HZHySGGu1M4xoA==";
        assert_eq!(
            strval(&run("decryptAES", &["key", go]).unwrap()),
            "a longer plain text of more than one block"
        );
    }

    #[test]
    fn derive_password_like_sprig() {
        // helm v4.2.3: {{ derivePassword 1 "long" "password" "user" "example.com" }}
        let a = [
            Value::Int(1),
            Value::from("long"),
            Value::from("password"),
            Value::from("user"),
            Value::from("example.com"),
        ];
        assert_eq!(
            strval(&call("derivePassword", &a).unwrap().unwrap()),
            "ZedaFaxcZaso9*"
        );
        let mut b = a.clone();
        b[1] = Value::from("nope");
        assert_eq!(
            strval(&call("derivePassword", &b).unwrap().unwrap()),
            "cannot find password template nope"
        );
        b[0] = Value::Int(-1);
        assert!(call("derivePassword", &b).unwrap().is_err());
    }

    #[test]
    fn custom_certs_with_rsa_keys() {
        let ca = crate::funcs::crypto::call("genCA", &[Value::from("ca"), Value::Int(3)])
            .unwrap()
            .unwrap();
        let (cert, key) = (strval(&ca.get("Cert")), strval(&ca.get("Key")));
        assert!(
            key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
            "{key}"
        );
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let built = run("buildCustomCert", &[&b64(&cert), &b64(&key)]).unwrap();
        assert_eq!(strval(&built.get("Cert")), cert);
        assert_eq!(strval(&built.get("Key")), key);
        let garbled = cert.replace(
            "-----BEGIN CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA",
        );
        assert!(run("buildCustomCert", &[&b64(&garbled), &b64(&key)]).is_err());
        assert!(run("buildCustomCert", &[&b64(&cert), &b64("no key")]).is_err());
        assert!(run("buildCustomCert", &[&b64("no cert"), &b64(&key)]).is_err());
    }

    #[test]
    fn bcrypt_hashes_verify() {
        let h = strval(&run("bcrypt", &["pw"]).unwrap());
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert!(bcrypt::verify("pw", &h).unwrap());
        let ht = strval(&run("htpasswd", &["user", "pw"]).unwrap());
        let (u, hash) = ht.split_once(':').unwrap();
        assert_eq!(u, "user");
        assert!(bcrypt::verify("pw", hash).unwrap());
        assert_eq!(
            strval(&run("htpasswd", &["a:b", "pw"]).unwrap()),
            "invalid username: a:b"
        );
        assert!(strval(&run("bcrypt", &[&"x".repeat(73)]).unwrap()).contains("exceeds 72 bytes"));
    }
}
