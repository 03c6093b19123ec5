//! kustomize's content hash for generated ConfigMaps and Secrets: SHA-256 of a
//! canonical JSON (Go `encoding/json`: sorted keys, HTML-safe escaping), first
//! ten hex digits with vowels and look-alike digits swapped out.
//!
//! kustomize looks the name up with `yaml.Lookup("metadata/name")`, which finds
//! nothing (Lookup takes one field per argument), so the hashed name is always
//! empty; we reproduce that so suffixes match.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Go's `json.Marshal` of a value: keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => go_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                go_json(&m[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The ten-character encoding kustomize appends to names.
pub fn encode(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    hex::encode(digest)
        .chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

fn field(obj: &Value, path: &[&str]) -> Value {
    let mut cur = obj;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return Value::String(String::new()),
        }
    }
    match cur {
        Value::Null => Value::String(String::new()),
        other => other.clone(),
    }
}

/// The hash of an object, as kustomize computes it.
pub fn hash(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut m = Map::new();
    match kind {
        "ConfigMap" => {
            m.insert("kind".into(), Value::String("ConfigMap".into()));
            m.insert("name".into(), Value::String(String::new()));
            m.insert("data".into(), field(obj, &["data"]));
            let bd = field(obj, &["binaryData"]);
            if bd.is_object() {
                m.insert("binaryData".into(), bd);
            }
        }
        "Secret" => {
            m.insert("kind".into(), Value::String("Secret".into()));
            m.insert("type".into(), field(obj, &["type"]));
            m.insert("name".into(), Value::String(String::new()));
            m.insert("data".into(), field(obj, &["data"]));
            let sd = field(obj, &["stringData"]);
            if sd.is_object() {
                m.insert("stringData".into(), sd);
            }
        }
        _ => {
            let mut s = String::new();
            go_json(obj, &mut s);
            return encode(s.as_bytes());
        }
    }
    let mut s = String::new();
    go_json(&Value::Object(m), &mut s);
    encode(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_kustomize_hashes() {
        // From kustomize's hasher_test.go.
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ""}});
        assert_eq!(hash(&cm), "6ct58987ht");
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": ""}, "data": {"one": ""}});
        assert_eq!(hash(&cm), "9g67k2htb6");
    }
}
