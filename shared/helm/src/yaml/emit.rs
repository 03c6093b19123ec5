//! YAML encoding as Helm's `toYaml` produces it: sigs.k8s.io/yaml (JSON
//! numbers) through go-yaml v2's emitter: sorted keys, two-space indent,
//! sequences not indented under their key, literal blocks for multi-line
//! strings and go-yaml's quoting rules.

use regex::Regex;
use std::sync::OnceLock;

use crate::template::gofmt::format_float_v;
use crate::template::value::{MAX_DEPTH, Value};

/// Encode a value as a YAML document (ends with a newline).
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    match v {
        Value::Map(_) | Value::Files(_) if !is_empty_coll(v) => write_map(&mut out, v, 0, 0)?,
        Value::List(_) | Value::ApiVersions(_) if !is_empty_coll(v) => {
            write_list(&mut out, v, 0, 0)?
        }
        other => {
            out.push_str(&scalar(other, 2));
            out.push('\n');
        }
    }
    Ok(out)
}

fn is_empty_coll(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.try_borrow().map(|m| m.is_empty()).unwrap_or(true),
        Value::List(l) => l.is_empty(),
        Value::ApiVersions(l) => l.is_empty(),
        Value::Files(f) => f.is_empty(),
        _ => false,
    }
}

fn entries(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(_) => v.map_snapshot().unwrap_or_default().into_iter().collect(),
        Value::Files(f) => f.as_value_map().into_iter().collect(),
        _ => Vec::new(),
    }
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.as_ref().clone(),
        Value::ApiVersions(l) => l.iter().map(|s| Value::from(s.as_str())).collect(),
        _ => Vec::new(),
    }
}

fn is_block_coll(v: &Value) -> bool {
    matches!(
        v,
        Value::Map(_) | Value::List(_) | Value::Files(_) | Value::ApiVersions(_)
    ) && !is_empty_coll(v)
}

fn write_map(out: &mut String, v: &Value, indent: usize, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    let mut first = true;
    for (k, val) in entries(v) {
        if !first || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        first = false;
        out.push_str(&quote_str(&k, true));
        out.push(':');
        match &val {
            Value::Map(_) | Value::Files(_) if is_block_coll(&val) => {
                out.push('\n');
                write_map(out, &val, indent + 2, depth + 1)?;
            }
            Value::List(_) | Value::ApiVersions(_) if is_block_coll(&val) => {
                out.push('\n');
                write_list(out, &val, indent, depth + 1)?;
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other, indent + 2));
                out.push('\n');
            }
        }
    }
    Ok(())
}

fn write_list(out: &mut String, v: &Value, indent: usize, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    let mut first = true;
    for item in items(v) {
        if !first || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        first = false;
        out.push_str("- ");
        match &item {
            Value::Map(_) | Value::Files(_) if is_block_coll(&item) => {
                write_map(out, &item, indent + 2, depth + 1)?
            }
            Value::List(_) | Value::ApiVersions(_) if is_block_coll(&item) => {
                write_list(out, &item, indent + 2, depth + 1)?
            }
            other => {
                out.push_str(&scalar(other, indent + 2));
                out.push('\n');
            }
        }
    }
    Ok(())
}

fn push_indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// A scalar (or empty collection) in its go-yaml form; `indent` is for literal blocks.
fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Nil => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => json_number(*f),
        Value::Str(s) => {
            if s.contains('\n') {
                literal(s, indent)
            } else {
                quote_str(s, false)
            }
        }
        Value::Map(_) | Value::Files(_) => "{}".into(),
        Value::List(_) | Value::ApiVersions(_) => "[]".into(),
    }
}

/// A float after a JSON round trip: integral values become integers.
fn json_number(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f.abs() < 9.2e18 {
            return format!("{}", f as i64);
        }
        return format_float_v(f);
    }
    format_float_v(f)
}

fn literal(s: &str, indent: usize) -> String {
    // go-yaml falls back to double quotes when a block scalar cannot hold the text.
    let trailing_space_line = s.split('\n').any(|l| l.ends_with(' ') || l.ends_with('\t'));
    if trailing_space_line
        || s.chars().any(|c| is_special(c) && c != '\n')
        || s.starts_with('\n') && s.trim().is_empty()
    {
        return double_quoted(s);
    }
    let mut head = String::from("|");
    if s.starts_with(' ') || s.starts_with('\n') {
        head.push('2');
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => head.push('-'),
        1 => {}
        _ => head.push('+'),
    }
    let body = if trailing > 0 { &s[..s.len() - 1] } else { s };
    let mut out = head;
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            for _ in 0..indent {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    out
}

fn is_special(c: char) -> bool {
    let u = c as u32;
    !(c == '\t'
        || c == '\n'
        || (0x20..=0x7e).contains(&u)
        || u == 0x85
        || (0xa0..=0xd7ff).contains(&u)
        || (0xe000..=0xfffd).contains(&u) && u != 0xfeff
        || (0x10000..=0x10ffff).contains(&u))
}

fn resolves_non_string(s: &str) -> bool {
    static FLOAT: OnceLock<Option<Regex>> = OnceLock::new();
    static BASE60: OnceLock<Option<Regex>> = OnceLock::new();
    static TIMESTAMP: OnceLock<Option<Regex>> = OnceLock::new();
    if matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | "<<"
    ) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return false;
    }
    let plain = s.replace('_', "");
    if crate::funcs::parse_go_int(&plain).is_some() {
        return true;
    }
    let float = FLOAT
        .get_or_init(|| Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").ok());
    let base60 = BASE60
        .get_or_init(|| Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").ok());
    let ts =
        TIMESTAMP.get_or_init(|| Regex::new(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$").ok());
    [float, base60, ts].iter().any(|r| {
        r.as_ref()
            .is_some_and(|r| r.is_match(&plain) || r.is_match(s))
    })
}

/// Can go-yaml's emitter write this string plain?
fn plain_allowed(s: &str, key: bool) -> bool {
    if s.is_empty() || s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']) {
        return false;
    }
    let b = s.as_bytes();
    let first = b[0];
    if b"#,[]{}&*!|>'\"%@`".contains(&first) {
        return false;
    }
    if (first == b'-' || first == b'?' || first == b':')
        && (b.len() == 1 || b[1] == b' ' || b[1] == b'\t')
    {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.contains(":\t")
        || s.contains("\t#")
    {
        return false;
    }
    if key && (s.contains(['{', '}', '[', ']', ',']) || s.len() > 128) {
        return false;
    }
    !s.chars().any(|c| is_special(c) || c == '\u{feff}')
}

fn quote_str(s: &str, key: bool) -> String {
    if resolves_non_string(s) {
        return double_quoted(s);
    }
    if plain_allowed(s, key) {
        return s.to_string();
    }
    if s.chars().any(|c| is_special(c) || c == '\n')
        || s.starts_with(' ') && s.trim().is_empty() && s.len() > 1
    {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn double_quoted(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            '\0' => o.push_str("\\0"),
            c if is_special(c) || c == '\u{feff}' => {
                let u = c as u32;
                if u <= 0xff {
                    o.push_str(&format!("\\x{u:02X}"));
                } else if u <= 0xffff {
                    o.push_str(&format!("\\u{u:04X}"));
                } else {
                    o.push_str(&format!("\\U{u:08X}"));
                }
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::parse_yaml;

    fn y(text: &str) -> String {
        to_yaml(&parse_yaml(text).unwrap()).unwrap()
    }

    #[test]
    fn emits_go_yaml_layout() {
        assert_eq!(
            y("b: 1\na:\n  - x\n  - k: v\n    j: w\n"),
            "a:\n- x\n- j: w\n  k: v\nb: 1\n"
        );
        assert_eq!(y("a: {}\nb: []\nc: null\n"), "a: {}\nb: []\nc: null\n");
        assert_eq!(
            y("a: 'true'\nb: '123'\nc: 'x: y'\nd: ''\ne: '*x'\n"),
            "a: \"true\"\nb: \"123\"\nc: 'x: y'\nd: \"\"\ne: '*x'\n"
        );
        assert_eq!(y("a: \"l1\\nl2\\n\"\n"), "a: |\n  l1\n  l2\n");
        assert_eq!(y("a: \"l1\\nl2\"\n"), "a: |-\n  l1\n  l2\n");
        assert_eq!(to_yaml(&Value::Float(3.0)).unwrap(), "3\n");
        assert_eq!(y("- - a\n  - b\n"), "- - a\n  - b\n");
    }

    #[test]
    fn round_trips_as_data() {
        let src =
            "a:\n  b: [1, 2.5, 'x y', 'on', '']\n  c: |\n    multi\n     line\n  d: \"  lead\"\n";
        let v = parse_yaml(src).unwrap();
        let back = parse_yaml(&to_yaml(&v).unwrap()).unwrap();
        assert!(v.deep_eq(&back));
    }
}
