//! YAML → [`Value`] decoding, matching what Helm gets from sigs.k8s.io/yaml:
//! YAML 1.1 booleans and octals, non-string keys turned into strings, and
//! (optionally) every number as a `float64`.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Options;
use serde_saphyr::options::DuplicateKeyPolicy;

use crate::template::gofmt::format_float_v;
use crate::template::value::{Map, Value};

struct Yv(Value);

impl<'de> Deserialize<'de> for Yv {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YvVisitor).map(Yv)
    }
}

struct YvVisitor;

impl<'de> Visitor<'de> for YvVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::from(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(YvVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Yv(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::from(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Yv(k)) = map.next_key()? {
            let Yv(v) = map.next_value()?;
            out.insert(key_string(&k), v);
        }
        Ok(Value::from(out))
    }
}

fn key_string(k: &Value) -> String {
    match k {
        Value::Str(s) => s.to_string(),
        Value::Nil => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float_v(*f),
        other => crate::template::gofmt::format_v(other),
    }
}

fn options() -> Options {
    let mut o = Options::default();
    o.duplicate_keys = DuplicateKeyPolicy::LastWins;
    o.legacy_octal_numbers = true;
    o.budget = None;
    o
}

/// Parse one YAML document (the first, as go-yaml's Unmarshal does); empty input is nil.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let docs = parse_yaml_stream(text)?;
    Ok(docs.into_iter().next().unwrap_or(Value::Nil))
}

/// Parse every document of a YAML stream.
pub fn parse_yaml_stream(text: &str) -> Result<Vec<Value>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let docs: Vec<Option<Yv>> =
        serde_saphyr::from_multiple_with_options(text, options()).map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .map(|d| d.map(|Yv(v)| v).unwrap_or(Value::Nil))
        .collect())
}

/// Parse values the way Helm reads them: a map (nil for an empty file), numbers as float64.
pub fn parse_values(text: &str) -> Result<Value, String> {
    match parse_yaml(text)? {
        Value::Nil => Ok(Value::new_map()),
        v @ Value::Map(_) => Ok(v.ints_to_floats()),
        other => Err(format!(
            "error unmarshaling JSON: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            other.kind_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::gofmt::format_v;

    #[test]
    fn decodes_like_go_yaml_v2() {
        let v = parse_yaml("a: yes\nb: 0755\nc: 1.5\n1: x\nd: ~\ne: [1, two]\n").unwrap();
        assert_eq!(
            format_v(&v),
            "map[1:x a:true b:493 c:1.5 d:<nil> e:[1 two]]"
        );
        let v = parse_values("num: 3\n").unwrap();
        assert!(matches!(v.get("num"), Value::Float(_)));
        assert!(parse_values("- a\n").is_err());
        assert_eq!(parse_yaml_stream("a: 1\n---\nb: 2\n").unwrap().len(), 2);
    }
}
