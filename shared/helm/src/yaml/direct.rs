//! YAML → [`Value`] built in one pass (no intermediate tree), for documents
//! shallow enough to decode on the caller's stack. `FLOATS` turns every
//! integer into a `float64`, as Helm's values are.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};

use crate::template::gofmt::format_float_v;
use crate::template::value::{Map, Value};

/// One decoded node.
pub struct Direct<const FLOATS: bool>(pub Value);

impl<'de, const F: bool> Deserialize<'de> for Direct<F> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DirectVisitor::<F>).map(Direct)
    }
}

struct DirectVisitor<const FLOATS: bool>;

fn int<const F: bool>(i: i64) -> Value {
    if F {
        Value::Float(i as f64)
    } else {
        Value::Int(i)
    }
}

impl<'de, const F: bool> Visitor<'de> for DirectVisitor<F> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(int::<F>(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(int::<F>)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(int::<F>)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(int::<F>)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
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
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Direct::<F>(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::from(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        // Keys keep their YAML type (an int key prints as an int, not a float).
        while let Some(Direct::<false>(k)) = map.next_key()? {
            let key = match &k {
                Value::Str(s) => s.to_string(),
                Value::Nil => "null".into(),
                Value::Bool(b) => b.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Float(f) => format_float_v(*f),
                _ => {
                    // sigs.k8s.io/yaml cannot turn a collection key into JSON.
                    return Err(serde::de::Error::custom(
                        "invalid map key: a mapping or sequence cannot be a key",
                    ));
                }
            };
            let Direct::<F>(v) = map.next_value()?;
            // Duplicate keys: the last one wins.
            out.insert(key, v);
        }
        Ok(Value::from(out))
    }
}
