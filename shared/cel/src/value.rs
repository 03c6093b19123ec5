//! Conversion between JSON values and CEL values, as cel-go adapts `map[string]any`:
//! integral numbers become `int` (`uint` only above `int64`), others `double`.

use std::collections::HashMap;
use std::sync::Arc;

use cel::Value;
use cel::objects::{Key, Map};
use serde_json::Value as Json;

/// The CEL value of a JSON value.
pub fn to_cel(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Json::Object(fields) => {
            let map: HashMap<Key, Value> = fields
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// The JSON value of a CEL value; `Err` carries the CEL type of a value without one.
pub fn to_json(value: &Value) -> Result<Json, String> {
    Ok(match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or_else(|| format!("double {f}"))?,
        Value::String(s) => Json::String(s.as_str().to_string()),
        // As protobuf's JSON mapping writes bytes.
        Value::Bytes(b) => Json::String(base64_std(b)),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Value::Map(map) => {
            let mut keys: Vec<(String, &Value)> =
                map.map.iter().map(|(k, v)| (key_string(k), v)).collect();
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = serde_json::Map::with_capacity(keys.len());
            for (k, v) in keys {
                out.insert(k, to_json(v)?);
            }
            Json::Object(out)
        }
        other => return Err(other.type_of().to_string()),
    })
}

fn key_string(key: &Key) -> String {
    match key {
        Key::Int(i) => i.to_string(),
        Key::Uint(u) => u.to_string(),
        Key::Bool(b) => b.to_string(),
        Key::String(s) => s.as_str().to_string(),
    }
}

fn base64_std(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The largest number of items in any list or map of `json`: how many times a macro
/// over part of it can loop.
pub fn widest(json: &Json) -> u64 {
    match json {
        Json::Array(items) => items.iter().map(widest).fold(items.len() as u64, u64::max),
        Json::Object(fields) => fields
            .values()
            .map(widest)
            .fold(fields.len() as u64, u64::max),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_follow_cel_go() {
        assert_eq!(to_cel(&json!(3)), Value::Int(3));
        assert_eq!(to_cel(&json!(-3)), Value::Int(-3));
        assert_eq!(to_cel(&json!(u64::MAX)), Value::UInt(u64::MAX));
        assert_eq!(to_cel(&json!(1.5)), Value::Float(1.5));
    }

    #[test]
    fn round_trip_and_bytes() {
        let doc = json!({"a": [1, "x", null, true, {"b": 2.5}]});
        assert_eq!(to_json(&to_cel(&doc)), Ok(doc));
        assert_eq!(base64_std(b"hello"), "aGVsbG8=");
        assert_eq!(base64_std(b"hi"), "aGk=");
        assert_eq!(base64_std(b"abc"), "YWJj");
    }

    #[test]
    fn widest_finds_the_largest_collection() {
        assert_eq!(
            widest(&json!({"a": [1, 2, 3], "b": {"c": [[1, 2, 3, 4, 5]]}})),
            5
        );
        assert_eq!(widest(&json!("long string")), 0);
    }
}
