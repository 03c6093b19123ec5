//! Encodings: JSON (Go's encoding/json), YAML, TOML, base64/base32, hashes,
//! paths, and stubs for Sprig's crypto generators.

use base64::Engine as _;
use sha2::Digest;

use super::{FnResult, arg_str, strval, want};
use crate::template::gofmt::format_float_v;
use crate::template::value::{MAX_DEPTH, Map, Value};
use crate::yaml::emit::to_yaml;
use crate::yaml::load::{parse_yaml, parse_yaml_stream};

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "b64enc",
    "b64dec",
    "b32enc",
    "b32dec",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "adler32sum",
    "toJson",
    "mustToJson",
    "toPrettyJson",
    "mustToPrettyJson",
    "toRawJson",
    "mustToRawJson",
    "fromJson",
    "mustFromJson",
    "fromJsonArray",
    "toYaml",
    "mustToYaml",
    "toYamlPretty",
    "fromYaml",
    "fromYamlArray",
    "toToml",
    "fromToml",
    "base",
    "dir",
    "ext",
    "clean",
    "isAbs",
    "osBase",
    "osDir",
    "osExt",
    "osClean",
    "osIsAbs",
    "urlParse",
    "urlJoin",
    "randBytes",
    "getHostByName",
];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let r = match name {
        "b64enc" => want(a, 1).and_then(|_| Ok(Value::from(b64.encode(arg_str(a, 0)?)))),
        "b64dec" => want(a, 1).and_then(|_| {
            let s = arg_str(a, 0)?;
            Ok(match b64.decode(s.as_bytes()) {
                Ok(b) => Value::from(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => Value::from(format!("illegal base64 data: {e}")),
            })
        }),
        "b32enc" => want(a, 1).and_then(|_| {
            Ok(Value::from(super::base32::encode(
                arg_str(a, 0)?.as_bytes(),
            )))
        }),
        "b32dec" => want(a, 1).and_then(|_| {
            Ok(Value::from(
                super::base32::decode(arg_str(a, 0)?)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_else(|e| e),
            ))
        }),
        "sha256sum" => (|| {
            want(a, 1)?;
            Ok(Value::from(hex::encode(sha2::Sha256::digest(
                arg_str(a, 0)?.as_bytes(),
            ))))
        })(),
        "sha512sum" => (|| {
            want(a, 1)?;
            Ok(Value::from(hex::encode(sha2::Sha512::digest(
                arg_str(a, 0)?.as_bytes(),
            ))))
        })(),
        "sha1sum" => (|| {
            want(a, 1)?;
            Ok(Value::from(hex::encode(super::time::sha1(
                arg_str(a, 0)?.as_bytes(),
            ))))
        })(),
        "adler32sum" => (|| {
            want(a, 1)?;
            let (mut x, mut y) = (1u32, 0u32);
            for b in arg_str(a, 0)?.bytes() {
                x = (x + u32::from(b)) % 65521;
                y = (y + x) % 65521;
            }
            Ok(Value::from(((y << 16) | x).to_string()))
        })(),
        "toJson" | "mustToJson" => {
            want(a, 1).and_then(|_| json(&a[0], true, None).map(Value::from))
        }
        "toRawJson" | "mustToRawJson" => {
            want(a, 1).and_then(|_| json(&a[0], false, None).map(Value::from))
        }
        "toPrettyJson" | "mustToPrettyJson" => {
            want(a, 1).and_then(|_| json(&a[0], true, Some(0)).map(Value::from))
        }
        "fromJson" | "mustFromJson" => (|| {
            want(a, 1)?;
            let s = arg_str(a, 0)?;
            match serde_json::from_str::<serde_json::Value>(s) {
                Ok(v @ serde_json::Value::Object(_)) => Ok(from_json_value(v)),
                Ok(_) => Ok(err_map(
                    "json: cannot unmarshal non-object into Go value of type map[string]interface {}",
                )),
                Err(e) if name == "mustFromJson" => Err(e.to_string()),
                Err(e) => Ok(err_map(&e.to_string())),
            }
        })(),
        "fromJsonArray" => (|| {
            want(a, 1)?;
            match serde_json::from_str::<serde_json::Value>(arg_str(a, 0)?) {
                Ok(v @ serde_json::Value::Array(_)) => Ok(from_json_value(v)),
                Ok(_) => Ok(Value::from(vec![Value::from(
                    "json: cannot unmarshal object into Go value of type []interface {}",
                )])),
                Err(e) => Ok(Value::from(vec![Value::from(e.to_string())])),
            }
        })(),
        "toYaml" | "toYamlPretty" => want(a, 1).map(|_| {
            let s = if name == "toYaml" {
                to_yaml(&a[0])
            } else {
                crate::yaml::emit::to_yaml_pretty(&a[0])
            }
            .unwrap_or_default();
            Value::from(s.strip_suffix('\n').unwrap_or(&s).to_string())
        }),
        "mustToYaml" => want(a, 1).and_then(|_| {
            let s = to_yaml(&a[0])?;
            Ok(Value::from(s.strip_suffix('\n').unwrap_or(&s).to_string()))
        }),
        "fromYaml" => (|| {
            want(a, 1)?;
            Ok(match parse_yaml(arg_str(a, 0)?) {
                Ok(Value::Nil) => Value::new_map(),
                Ok(v @ Value::Map(_)) => v.ints_to_floats(),
                Ok(other) => err_map(&format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&other)
                )),
                Err(e) => err_map(&e),
            })
        })(),
        "fromYamlArray" => (|| {
            want(a, 1)?;
            Ok(match parse_yaml(arg_str(a, 0)?) {
                Ok(Value::Nil) => Value::from(Vec::new()),
                Ok(v @ Value::List(_)) => v.ints_to_floats(),
                Ok(_) => Value::from(vec![Value::from(
                    "error unmarshaling JSON: cannot unmarshal into []interface {}",
                )]),
                Err(e) => Value::from(vec![Value::from(e)]),
            })
        })(),
        "fromToml" => want(a, 1).and_then(|_| Ok(super::from_toml::from_toml(arg_str(a, 0)?))),
        "toToml" => want(a, 1).map(|_| Value::from(toml(&a[0]))),
        "base" | "osBase" => path1(a, |p| {
            let t = p.trim_end_matches('/');
            if p.is_empty() {
                ".".into()
            } else if t.is_empty() {
                "/".into()
            } else {
                t.rsplit('/').next().unwrap_or(t).to_string()
            }
        }),
        "dir" | "osDir" => path1(a, |p| match p.rfind('/') {
            Some(0) => "/".into(),
            Some(i) => clean(&p[..i]),
            None => ".".into(),
        }),
        "ext" | "osExt" => path1(a, |p| {
            let base = p.rsplit('/').next().unwrap_or(p);
            base.rfind('.')
                .map(|i| base[i..].to_string())
                .unwrap_or_default()
        }),
        "clean" | "osClean" => path1(a, clean),
        "isAbs" | "osIsAbs" => want(a, 1).map(|_| Value::Bool(strval(&a[0]).starts_with('/'))),
        "urlParse" => want(a, 1).map(|_| super::url::url_parse(&strval(&a[0]))),
        "urlJoin" => want(a, 1).and_then(|_| super::url::url_join(&a[0])),
        "randBytes" => want(a, 1).map(|_| {
            let n = super::to_i64(&a[0]).clamp(0, 1 << 16) as usize;
            let bytes: Vec<u8> = (0..n).map(|_| super::strings::rand_u64() as u8).collect();
            Value::from(b64.encode(bytes))
        }),
        "getHostByName" => Ok(Value::from("")),
        _ if NAMES.contains(&name) => Err(format!("{name} is not supported by this renderer")),
        _ => return None,
    };
    Some(r)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Str(_) => "string",
        Value::Int(_) | Value::Float(_) => "number",
        Value::Bool(_) => "bool",
        _ => "object",
    }
}

fn err_map(msg: &str) -> Value {
    let mut m = Map::new();
    m.insert("Error".into(), Value::from(msg));
    Value::from(m)
}

fn path1(a: &[Value], f: impl Fn(&str) -> String) -> FnResult {
    want(a, 1)?;
    Ok(Value::from(f(&strval(&a[0]))))
}

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let j = parts.join("/");
    match (abs, j.is_empty()) {
        (true, _) => format!("/{j}"),
        (false, true) => ".".into(),
        (false, false) => j,
    }
}

/// Convert parsed JSON into a value with Go's float64 numbers.
pub fn from_json_value(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::from(s),
        serde_json::Value::Array(a) => {
            Value::from(a.into_iter().map(from_json_value).collect::<Vec<_>>())
        }
        serde_json::Value::Object(o) => Value::from(
            o.into_iter()
                .map(|(k, v)| (k, from_json_value(v)))
                .collect::<Map>(),
        ),
    }
}

/// Encode like Go's `json.Marshal` (`indent`: `Some(0)` for MarshalIndent with two spaces).
pub fn json(v: &Value, escape_html: bool, indent: Option<usize>) -> Result<String, String> {
    let mut out = String::new();
    write_json(&mut out, v, escape_html, indent, 0)?;
    Ok(out)
}

fn nl(out: &mut String, indent: Option<usize>, level: usize) {
    if indent.is_some() {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    }
}

fn write_json(
    out: &mut String,
    v: &Value,
    esc: bool,
    indent: Option<usize>,
    level: usize,
) -> Result<(), String> {
    if level > MAX_DEPTH {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    match v {
        Value::Stringer(m, _) => {
            write_json(out, &Value::from(m.as_ref().clone()), esc, indent, level)?
        }
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(format!("json: unsupported value: {}", format_float_v(*f)));
            }
            out.push_str(&json_float(*f));
        }
        Value::Str(s) => json_str(out, s, esc),
        Value::List(_) | Value::ApiVersions(_) => {
            let items: Vec<Value> = match v {
                Value::List(l) => l.as_ref().clone(),
                Value::ApiVersions(l) => l.iter().map(|s| Value::from(s.as_str())).collect(),
                _ => Vec::new(),
            };
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, indent, level + 1);
                write_json(out, e, esc, indent, level + 1)?;
            }
            if !items.is_empty() {
                nl(out, indent, level);
            }
            out.push(']');
        }
        Value::Map(_) | Value::Files(_) => {
            let m: Vec<(String, Value)> = match v {
                Value::Files(f) => f.as_value_map().into_iter().collect(),
                _ => v.map_snapshot().unwrap_or_default().into_iter().collect(),
            };
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, indent, level + 1);
                json_str(out, k, esc);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, e, esc, indent, level + 1)?;
            }
            if !m.is_empty() {
                nl(out, indent, level);
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Go's JSON float formatting.
pub fn json_float(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = format!("{:e}", f);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
            .replace("e+0", "e+")
            .replace("e-0", "e-");
    }
    // Shortest round-trip digits, zero-padded, as strconv's 'f' with -1:
    // 12345678901234567890 prints as 12345678901234567000.
    format!("{f}")
}

fn json_str(out: &mut String, s: &str, esc: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if esc => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// BurntSushi/toml's encoder as Helm's `toToml` uses it.
fn toml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Map(_) => toml_table(&mut out, v, &[], 0),
        other => out.push_str(&toml_value(other)),
    }
    out
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml_str(k)
    }
}

fn toml_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            '\u{8}' => o.push_str("\\b"),
            '\u{c}' => o.push_str("\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                o.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn toml_value(v: &Value) -> String {
    match v {
        Value::Str(s) => toml_str(s),
        Value::List(l) => format!(
            "[{}]",
            l.iter()
                .filter(|e| !e.is_nil())
                .map(toml_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Float(f) => {
            let s = format_float_v(*f);
            if s.contains(['.', 'e', 'n', 'N', 'I']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        Value::Map(_) => {
            let m = v.map_snapshot().unwrap_or_default();
            let parts: Vec<String> = m
                .iter()
                .filter(|(_, e)| !e.is_nil())
                .map(|(k, e)| format!("{} = {}", toml_key(k), toml_value(e)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => strval(other),
    }
}

fn is_table_array(v: &Value) -> bool {
    matches!(v, Value::List(l) if !l.is_empty() && l.iter().all(|e| matches!(e, Value::Map(_))))
}

fn toml_table(out: &mut String, v: &Value, key: &[String], depth: usize) {
    if depth > 64 {
        return;
    }
    let indent = "  ".repeat(key.len());
    let m = v.map_snapshot().unwrap_or_default();
    for (k, e) in &m {
        if e.is_nil() || matches!(e, Value::Map(_)) || is_table_array(e) {
            continue;
        }
        out.push_str(&format!("{indent}{} = {}\n", toml_key(k), toml_value(e)));
    }
    for (k, e) in &m {
        let mut sub: Vec<String> = key.to_vec();
        sub.push(k.clone());
        let name = sub
            .iter()
            .map(|p| toml_key(p))
            .collect::<Vec<_>>()
            .join(".");
        let hdr_indent = "  ".repeat(sub.len() - 1);
        if let Value::Map(_) = e {
            if sub.len() == 1 && !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("{hdr_indent}[{name}]\n"));
            toml_table(out, e, &sub, depth + 1);
        } else if is_table_array(e)
            && let Value::List(l) = e
        {
            for item in l.iter() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{hdr_indent}[[{name}]]\n"));
                toml_table(out, item, &sub, depth + 1);
            }
        }
    }
}

/// Parse a multi-document YAML stream into values (used by `fromYamlArray` callers and tests).
pub fn yaml_docs(text: &str) -> Result<Vec<Value>, String> {
    parse_yaml_stream(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_like_go() {
        let v = parse_yaml("b: [1, 2.5, null]\na: '<x>'\n")
            .unwrap()
            .ints_to_floats();
        assert_eq!(
            json(&v, true, None).unwrap(),
            r#"{"a":"\u003cx\u003e","b":[1,2.5,null]}"#
        );
        assert_eq!(
            json(&v, false, Some(0)).unwrap(),
            "{\n  \"a\": \"<x>\",\n  \"b\": [\n    1,\n    2.5,\n    null\n  ]\n}"
        );
        assert_eq!(json_float(1e21), "1e+21");
        assert_eq!(json_float(12345678901234567890.0), "12345678901234567000");
        assert_eq!(json_float(-0.0), "-0");
        assert_eq!(json_float(3.0), "3");
        assert_eq!(json_float(1e-7), "1e-07".replace("e-07", "e-7"));
    }

    #[test]
    fn encodings() {
        let r = call("b64enc", &[Value::from("hi")]).unwrap().unwrap();
        assert_eq!(strval(&r), "aGk=");
        let r = call("sha256sum", &[Value::from("")]).unwrap().unwrap();
        assert!(strval(&r).starts_with("e3b0c442"));
        assert_eq!(super::super::base32::encode(b"f"), "MY======");
        assert_eq!(clean("a/../b/./c/"), "b/c");
        let r = call("fromYaml", &[Value::from("a: [")]).unwrap().unwrap();
        assert!(r.get("Error").truthy());
    }
}
