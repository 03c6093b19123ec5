//! Decrypt-only SOPS for Kubernetes Secrets (getsops/sops v3 format), as Flux's decryptor
//! uses it: the data key is unwrapped with an age identity (`*.agekey`) or an OpenPGP
//! private key (`*.asc`) from the decryption Secret, each `ENC[AES256_GCM,…]` value is
//! decrypted with AES-256-GCM (32-byte IV, the key path as additional data), and the
//! SHA-512 MAC over the values is checked. Decrypted values never appear in errors.

use std::collections::BTreeMap;
use std::io::Read;

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pgp::composed::{Deserializable, Message, SignedSecretKey};
use pgp::types::Password;
use serde_json::{Map, Value};
use sha2::{Digest, Sha512};

use crate::Error;

type SopsCipher = AesGcm<Aes256, U32>;

/// Private keys from a decryption Secret.
#[derive(Default)]
pub struct Keys {
    age: Vec<Box<dyn age::Identity + Send + Sync>>,
    pgp: Vec<SignedSecretKey>,
}

impl Keys {
    /// Reads `*.agekey` (age identities) and `*.asc` (armored OpenPGP private keys) entries;
    /// other entries (cloud KMS credentials) are ignored. `source` names the Secret.
    pub fn from_secret_data(data: &BTreeMap<String, Vec<u8>>, source: &str) -> Result<Keys, Error> {
        let mut keys = Keys::default();
        for (name, value) in data {
            if name.ends_with(".agekey") {
                let file = age::IdentityFile::from_buffer(value.as_slice())
                    .and_then(|f| f.into_identities().map_err(std::io::Error::other))
                    .map_err(|e| {
                        Error::Decrypt(format!(
                            "failed to read age identities from '{source}' key '{name}': {e}"
                        ))
                    })?;
                keys.age.extend(file);
            } else if name.ends_with(".asc") {
                let text = String::from_utf8_lossy(value);
                let (parsed, _) = SignedSecretKey::from_string_many(&text).map_err(|e| {
                    Error::Decrypt(format!(
                        "failed to import OpenPGP keys from '{source}' key '{name}': {e}"
                    ))
                })?;
                for key in parsed {
                    keys.pgp.push(key.map_err(|e| {
                        Error::Decrypt(format!(
                            "failed to import OpenPGP keys from '{source}' key '{name}': {e}"
                        ))
                    })?);
                }
            }
        }
        Ok(keys)
    }

    /// Whether no key was found.
    pub fn is_empty(&self) -> bool {
        self.age.is_empty() && self.pgp.is_empty()
    }
}

/// Whether an object carries SOPS metadata.
pub fn is_encrypted(obj: &Value) -> bool {
    obj.get("sops")
        .is_some_and(|s| s.get("mac").is_some() || s.get("version").is_some())
}

/// Decrypts a SOPS-encrypted object and verifies its MAC; the `sops` metadata is removed.
pub fn decrypt(obj: &Value, keys: &Keys) -> Result<Value, Error> {
    let Some(Value::Object(tree)) = Some(obj) else {
        return Err(Error::Decrypt("not a YAML mapping".into()));
    };
    let meta = tree
        .get("sops")
        .ok_or_else(|| Error::Decrypt("no sops metadata".into()))?;
    let data_key = data_key(meta, keys)?;
    let mac_only_encrypted = meta
        .get("mac_only_encrypted")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut out = Map::new();
    let mut hash = Sha512::new();
    for (k, v) in tree {
        if k == "sops" {
            continue;
        }
        let mut path = vec![k.clone()];
        out.insert(
            k.clone(),
            walk(v, &mut path, &data_key, &mut hash, mac_only_encrypted)?,
        );
    }
    let computed = hex::encode_upper(hash.finalize());
    if let Some(mac) = meta.get("mac").and_then(Value::as_str) {
        let last_modified = meta
            .get("lastmodified")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (stored, _) = decrypt_value(mac, &data_key, last_modified)
            .map_err(|e| Error::Decrypt(format!("failed to decrypt the MAC: {e}")))?;
        if stored != computed {
            return Err(Error::Decrypt(
                "MAC mismatch: the file was modified after encryption".into(),
            ));
        }
    }
    Ok(Value::Object(out))
}

fn walk(
    v: &Value,
    path: &mut Vec<String>,
    key: &[u8],
    hash: &mut Sha512,
    mac_only_encrypted: bool,
) -> Result<Value, Error> {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, child) in map {
                path.push(k.clone());
                let r = walk(child, path, key, hash, mac_only_encrypted);
                path.pop();
                out.insert(k.clone(), r?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|i| walk(i, path, key, hash, mac_only_encrypted))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::String(s) if s.starts_with("ENC[") => {
            let aad = format!("{}:", path.join(":"));
            let (plain, type_) = decrypt_value(s, key, &aad).map_err(|e| {
                Error::Decrypt(format!("failed to decrypt '{}': {e}", path.join(".")))
            })?;
            hash.update(plain.as_bytes());
            Ok(typed(plain, &type_))
        }
        other => {
            if !mac_only_encrypted {
                hash.update(go_bytes(other).as_bytes());
            }
            Ok(other.clone())
        }
    }
}

/// The bytes sops hashes for a cleartext value (Go formatting).
fn go_bytes(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        _ => String::new(),
    }
}

fn typed(plain: String, type_: &str) -> Value {
    match type_ {
        "int" => plain
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(plain)),
        "float" => plain
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or(Value::String(plain)),
        "bool" => match plain.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(plain),
        },
        _ => Value::String(plain),
    }
}

/// Decrypts `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`; returns the text and its type.
fn decrypt_value(enc: &str, key: &[u8], aad: &str) -> Result<(String, String), String> {
    let inner = enc
        .strip_prefix("ENC[AES256_GCM,")
        .and_then(|s| s.strip_suffix(']'))
        .ok_or("value is not in the ENC[AES256_GCM,...] format")?;
    let mut fields: BTreeMap<&str, &str> = BTreeMap::new();
    for part in inner.split(',') {
        if let Some((k, v)) = part.split_once(':') {
            fields.insert(k, v);
        }
    }
    let field = |name: &str| -> Result<Vec<u8>, String> {
        let v = fields.get(name).ok_or(format!("missing '{name}'"))?;
        STANDARD
            .decode(v)
            .map_err(|e| format!("invalid base64 in '{name}': {e}"))
    };
    let (mut data, iv, tag) = (field("data")?, field("iv")?, field("tag")?);
    if iv.len() != 32 || key.len() != 32 {
        return Err("unexpected IV or key size".into());
    }
    data.extend_from_slice(&tag);
    let cipher = SopsCipher::new(Key::<SopsCipher>::from_slice(key));
    let plain = cipher
        .decrypt(
            Nonce::<U32>::from_slice(&iv),
            Payload {
                msg: &data,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| "authentication failed (wrong key or tampered value)".to_string())?;
    let text = String::from_utf8(plain).map_err(|_| "decrypted value is not UTF-8".to_string())?;
    Ok((
        text,
        fields.get("type").copied().unwrap_or("str").to_string(),
    ))
}

/// Unwraps the data key with the first age or OpenPGP key that matches.
fn data_key(meta: &Value, keys: &Keys) -> Result<Vec<u8>, Error> {
    let entries = |name: &str| -> Vec<String> {
        meta.get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get("enc").and_then(Value::as_str).map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    for enc in entries("age") {
        let result = age::Decryptor::new(age::armor::ArmoredReader::new(enc.as_bytes()))
            .and_then(|d| d.decrypt(keys.age.iter().map(|i| i.as_ref() as &dyn age::Identity)))
            .map_err(|e| e.to_string())
            .and_then(|mut r| {
                let mut key = Vec::new();
                r.read_to_end(&mut key)
                    .map(|_| key)
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok(key) => return Ok(key),
            Err(e) => errors.push(format!("age: {e}")),
        }
    }
    for enc in entries("pgp") {
        let result = Message::from_string(&enc)
            .map_err(|e| e.to_string())
            .and_then(|(msg, _)| {
                let password = Password::empty();
                msg.decrypt_with_keys(vec![&password], keys.pgp.iter().collect())
                    .map_err(|e| e.to_string())
            })
            .and_then(|msg| msg.decompress().map_err(|e| e.to_string()))
            .and_then(|mut msg| msg.as_data_vec().map_err(|e| e.to_string()));
        match result {
            Ok(key) => return Ok(key),
            Err(e) => errors.push(format!("pgp: {e}")),
        }
    }
    Err(Error::Decrypt(format!(
        "failed to get the data key required to decrypt the SOPS file ({})",
        if errors.is_empty() {
            "no age or pgp key groups".to_string()
        } else {
            errors.join("; ")
        }
    )))
}

#[cfg(test)]
mod tests;
