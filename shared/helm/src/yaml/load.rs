//! YAML → [`Value`] decoding, matching what Helm gets from sigs.k8s.io/yaml:
//! YAML 1.1 booleans and octals, non-string keys turned into strings, and
//! (optionally) every number as a `float64`. Common block-style documents
//! take the hand-written fast path ([`crate::yaml::fast`]); anything it is
//! unsure of goes through serde-saphyr.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Options;
use serde_saphyr::options::DuplicateKeyPolicy;

use crate::template::gofmt::format_float_v;
use crate::template::value::{Map, Value};
use crate::yaml::direct::Direct;
use crate::yaml::fast;

/// A `Send` mirror of [`Value`] for decoding on a helper thread.
enum Raw {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Raw>),
    Map(Vec<(String, Raw)>),
}

impl Raw {
    fn into_value(self) -> Value {
        match self {
            Raw::Nil => Value::Nil,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Int(i) => Value::Int(i),
            Raw::Float(f) => Value::Float(f),
            Raw::Str(s) => Value::from(s),
            Raw::List(l) => Value::from(l.into_iter().map(Raw::into_value).collect::<Vec<_>>()),
            Raw::Map(m) => Value::from(
                m.into_iter()
                    .map(|(k, v)| (k, v.into_value()))
                    .collect::<Map>(),
            ),
        }
    }
}

struct Yv(Raw);

impl<'de> Deserialize<'de> for Yv {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YvVisitor).map(Yv)
    }
}

struct YvVisitor;

impl<'de> Visitor<'de> for YvVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(i64::try_from(v)
            .map(Raw::Int)
            .unwrap_or(Raw::Float(v as f64)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(i64::try_from(v)
            .map(Raw::Int)
            .unwrap_or(Raw::Float(v as f64)))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(i64::try_from(v)
            .map(Raw::Int)
            .unwrap_or(Raw::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Nil)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(YvVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut out = Vec::new();
        while let Some(Yv(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Raw::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut out: Vec<(String, Raw)> = Vec::new();
        while let Some(Yv(k)) = map.next_key()? {
            if matches!(k, Raw::List(_) | Raw::Map(_)) {
                // sigs.k8s.io/yaml cannot turn a collection key into JSON.
                return Err(serde::de::Error::custom(
                    "invalid map key: a mapping or sequence cannot be a key",
                ));
            }
            let Yv(v) = map.next_value()?;
            // Collected into a map later, where duplicate keys keep the last value.
            out.push((key_string(&k), v));
        }
        Ok(Raw::Map(out))
    }
}

/// Consumes a node without building it, still rejecting collection keys
/// anywhere inside (sigs.k8s.io/yaml cannot turn those into JSON).
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor { key: false })
    }
}

/// A map key: like [`Skip`], but a collection is an error.
struct SkipKey;

impl<'de> Deserialize<'de> for SkipKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor { key: true })
            .map(|_| SkipKey)
    }
}

struct SkipVisitor {
    key: bool,
}

impl SkipVisitor {
    fn collection<E: serde::de::Error>(&self) -> Result<Skip, E> {
        if self.key {
            Err(E::custom(
                "invalid map key: a mapping or sequence cannot be a key",
            ))
        } else {
            Ok(Skip)
        }
    }
}

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i128<E>(self, _: i128) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u128<E>(self, _: u128) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        self.collection()
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<SkipKey>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        self.collection()
    }
}

/// A manifest's head: `kind` and `metadata` decoded, the rest only checked.
/// Anything but a map is decoded whole (Helm reports its type).
struct Head(Raw);

impl<'de> Deserialize<'de> for Head {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(HeadVisitor).map(Head)
    }
}

struct HeadVisitor;

impl<'de> Visitor<'de> for HeadVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Raw, E> {
        YvVisitor.visit_bool(v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Raw, E> {
        YvVisitor.visit_i64(v)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Raw, E> {
        YvVisitor.visit_u64(v)
    }
    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Raw, E> {
        YvVisitor.visit_i128(v)
    }
    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Raw, E> {
        YvVisitor.visit_u128(v)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Raw, E> {
        YvVisitor.visit_f64(v)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Raw, E> {
        YvVisitor.visit_str(v)
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        YvVisitor.visit_bytes(v)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Nil)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(HeadVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Raw, A::Error> {
        YvVisitor.visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut out: Vec<(String, Raw)> = Vec::new();
        while let Some(Yv(k)) = map.next_key()? {
            if matches!(k, Raw::List(_) | Raw::Map(_)) {
                return Err(serde::de::Error::custom(
                    "invalid map key: a mapping or sequence cannot be a key",
                ));
            }
            let k = key_string(&k);
            if k == "kind" || k == "metadata" {
                let Yv(v) = map.next_value()?;
                out.push((k, v));
            } else {
                map.next_value::<Skip>()?;
            }
        }
        Ok(Raw::Map(out))
    }
}

fn key_string(k: &Raw) -> String {
    match k {
        Raw::Str(s) => s.clone(),
        Raw::Nil => "null".into(),
        Raw::Bool(b) => b.to_string(),
        Raw::Int(i) => i.to_string(),
        Raw::Float(f) => format_float_v(*f),
        Raw::List(_) | Raw::Map(_) => String::new(),
    }
}

fn options() -> Options {
    let mut o = Options::default();
    o.duplicate_keys = DuplicateKeyPolicy::LastWins;
    o.legacy_octal_numbers = true;
    // Helm has no such limits; keep generous ones that still stop nesting
    // bombs before they exhaust the stack.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 256;
    budget.max_documents = 1_000_000;
    budget.max_nodes = 50_000_000;
    budget.max_events = 100_000_000;
    o.budget = Some(budget);
    o
}

/// A cheap over-estimate of nesting: deep indentation or many open brackets.
fn looks_deep(text: &str) -> bool {
    let mut flow = 0usize;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent > 40 {
            return true;
        }
        for c in line.bytes() {
            match c {
                b'[' | b'{' => {
                    flow += 1;
                    if flow > 20 {
                        return true;
                    }
                }
                b']' | b'}' => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
    }
    false
}

/// Parse one YAML document (the first, as go-yaml's Unmarshal does); empty input is nil.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let docs = parse_yaml_stream(text)?;
    Ok(docs.into_iter().next().unwrap_or(Value::Nil))
}

/// Parse every document of a YAML stream.
pub fn parse_yaml_stream(text: &str) -> Result<Vec<Value>, String> {
    decode_values::<false>(text)
}

/// Decode a stream into values: by the fast path when it can, else by
/// serde-saphyr.
fn decode_values<const FLOATS: bool>(text: &str) -> Result<Vec<Value>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match fast::decode::<FLOATS>(text) {
        Some(v) => Ok(vec![v]),
        None => decode_values_serde::<FLOATS>(text),
    }
}

/// [`decode_values`] by serde-saphyr alone (the BOM already removed): in one
/// pass on this thread when shallow, through the `Send` mirror on a
/// deep-stack thread otherwise.
fn decode_values_serde<const FLOATS: bool>(text: &str) -> Result<Vec<Value>, String> {
    if looks_deep(text) {
        return Ok(decode_stream::<Yv>(text)?
            .into_iter()
            .map(|d| {
                let v = d.map(|Yv(v)| v.into_value()).unwrap_or(Value::Nil);
                if FLOATS { v.ints_to_floats() } else { v }
            })
            .collect());
    }
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let docs: Vec<Option<Direct<FLOATS>>> =
        serde_saphyr::from_multiple_with_options(text, options()).map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .map(|d| d.map(|Direct(v)| v).unwrap_or(Value::Nil))
        .collect())
}

/// Parse the first document of a rendered manifest for what Helm's
/// `SimpleHead` reads: the result holds only `kind` and `metadata` (the rest
/// is checked, not built); a document that is not a map comes back whole.
pub fn parse_manifest_head(text: &str) -> Result<Value, String> {
    match fast::decode_head(text.strip_prefix('\u{feff}').unwrap_or(text)) {
        Some(v) => Ok(v),
        None => manifest_head_serde(text),
    }
}

/// [`parse_manifest_head`] by serde-saphyr alone.
fn manifest_head_serde(text: &str) -> Result<Value, String> {
    Ok(decode_stream::<Head>(text)?
        .into_iter()
        .next()
        .and_then(|d| d.map(|Head(v)| v.into_value()))
        .unwrap_or(Value::Nil))
}

fn decode_stream<T>(text: &str) -> Result<Vec<Option<T>>, String>
where
    T: for<'de> Deserialize<'de> + Send,
{
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let parse = || -> Result<Vec<Option<T>>, String> {
        serde_saphyr::from_multiple_with_options(text, options()).map_err(|e| e.to_string())
    };
    // Deserializing recurses per nesting level; deep documents get a thread
    // with a deep stack so they fail on the depth limit, not on the stack.
    let docs = if looks_deep(text) {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, parse)
                .map_err(|e| format!("cannot start YAML parser thread: {e}"))?
                .join()
                .map_err(|_| "YAML parser panicked".to_string())?
        })?
    } else {
        parse()?
    };
    Ok(docs)
}

/// Parse values the way Helm reads them: a map (nil for an empty file), numbers as float64.
pub fn parse_values(text: &str) -> Result<Value, String> {
    match decode_values::<true>(text)?
        .into_iter()
        .next()
        .unwrap_or(Value::Nil)
    {
        Value::Nil => Ok(Value::new_map()),
        v @ Value::Map(_) => Ok(v),
        other => Err(format!(
            "error unmarshaling JSON: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            other.kind_name()
        )),
    }
}

/// The serde-saphyr decoders without the fast path, for differential tests
/// of [`crate::yaml::fast`] (the `tests/yaml_fast.rs` corpus test and the
/// `yaml_fast` fuzz target).
#[doc(hidden)]
pub mod serde_path {
    use super::*;

    /// Every document of a stream (a BOM removed first), numbers as
    /// `float64` when `FLOATS`: what the fast path's `decode` replaces.
    pub fn stream<const FLOATS: bool>(text: &str) -> Result<Vec<Value>, String> {
        decode_values_serde::<FLOATS>(text.strip_prefix('\u{feff}').unwrap_or(text))
    }

    /// [`parse_manifest_head`] without the fast path.
    pub fn manifest_head(text: &str) -> Result<Value, String> {
        manifest_head_serde(text)
    }

    /// Decode `text` with each of the fast path's decoders (values, plain YAML,
    /// manifest head) and, where it answers, with the serde path too: which
    /// of the three the fast path took, or the first disagreement.
    pub fn compare_with_fast_path(text: &str) -> Result<[bool; 3], String> {
        // The loaders hand the fast path the text without its BOM.
        let bare = text.strip_prefix('\u{feff}').unwrap_or(text);
        let one = |r: Result<Vec<Value>, String>| -> Result<Value, String> {
            let docs = r.map_err(|e| format!("fast path accepted, serde path failed: {e}"))?;
            match <[Value; 1]>::try_from(docs) {
                Ok([v]) => Ok(v),
                Err(d) => Err(format!(
                    "fast path accepted a stream of {} documents",
                    d.len()
                )),
            }
        };
        let same = |what: &str, v: &Value, s: &Value| {
            if identical(v, s) {
                Ok(())
            } else {
                Err(format!("{what} differ:\nfast  {v:?}\nserde {s:?}"))
            }
        };
        let mut took = [false; 3];
        if let Some(v) = crate::yaml::fast::decode::<true>(bare) {
            took[0] = true;
            same("values", &v, &one(stream::<true>(text))?)?;
        }
        if let Some(v) = crate::yaml::fast::decode::<false>(bare) {
            took[1] = true;
            same("YAML values", &v, &one(stream::<false>(text))?)?;
        }
        if let Some(v) = crate::yaml::fast::decode_head(bare) {
            took[2] = true;
            let s = manifest_head(text)
                .map_err(|e| format!("fast head accepted, serde head failed: {e}"))?;
            same("heads", &v, &s)?;
        }
        Ok(took)
    }

    /// Equality to the type, for comparing the two paths: int, float and
    /// string told apart, floats compared bit for bit.
    pub fn identical(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::Str(x), Value::Str(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| identical(p, q))
            }
            (Value::Map(_), Value::Map(_)) => {
                let (x, y) = (
                    a.map_snapshot().unwrap_or_default(),
                    b.map_snapshot().unwrap_or_default(),
                );
                x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|((k, p), (l, q))| k == l && identical(p, q))
            }
            _ => false,
        }
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
        let nested = (0..100).fold(String::from("x: 1"), |acc, _| {
            format!(
                "a:\n{}",
                acc.lines()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert!(parse_yaml(&nested).is_ok());
        assert!(parse_yaml("policy: {{ .Release.Name }}\n").is_err());
    }

    #[test]
    fn nesting_bombs_are_errors() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_yaml(&deep).is_err());
        let deep_block = (0..300)
            .map(|i| format!("{}- ", "  ".repeat(i)))
            .collect::<String>()
            + "x";
        assert!(parse_yaml(&deep_block).is_err());
    }
}
