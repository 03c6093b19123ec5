//! Prints documents the way `kustomize build` (kyaml, yaml.v3) does: two-space
//! indentation, sequences at their key's indentation, literal blocks for
//! multi-line strings, quotes only where a plain scalar would change meaning.

use serde_json::{Map, Value};
use std::fmt::Write;

/// Prints documents as a YAML stream separated by `---`.
pub fn to_yaml_stream(docs: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_root(doc, &mut out);
    }
    out
}

fn emit_root(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => emit_map(m, 0, out),
        Value::Array(a) if !a.is_empty() => emit_seq(a, 0, out),
        other => {
            emit_inline(other, 0, out);
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn emit_map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    // kustomize's output has every mapping's keys in sorted order.
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in entries {
        pad(out, indent);
        out.push_str(&scalar_string(k));
        out.push(':');
        match v {
            Value::Object(c) if !c.is_empty() => {
                out.push('\n');
                emit_map(c, indent + 2, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                emit_seq(a, indent, out);
            }
            other => {
                out.push(' ');
                emit_inline(other, indent + 2, out);
                out.push('\n');
            }
        }
    }
}

fn emit_seq(a: &[Value], indent: usize, out: &mut String) {
    for v in a {
        match v {
            Value::Object(c) if !c.is_empty() => {
                let mut tmp = String::new();
                emit_map(c, indent + 2, &mut tmp);
                pad(out, indent);
                out.push_str("- ");
                out.push_str(&tmp[indent + 2..]);
            }
            Value::Array(c) if !c.is_empty() => {
                let mut tmp = String::new();
                emit_seq(c, indent + 2, &mut tmp);
                pad(out, indent);
                out.push_str("- ");
                out.push_str(&tmp[indent + 2..]);
            }
            other => {
                pad(out, indent);
                out.push_str("- ");
                emit_inline(other, indent + 2, out);
                out.push('\n');
            }
        }
    }
}

/// Emits a scalar, an empty collection, or a block scalar whose body is
/// indented by `indent`. No trailing newline.
fn emit_inline(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => {
            if s.contains('\n') && block_allowed(s) {
                emit_block(s, indent, out);
            } else if s.contains('\n') || needs_double_quotes(s) || looks_like_other_type(s) {
                write_double_quoted(s, indent, out);
            } else if !plain_allowed(s) {
                out.push('\'');
                let escaped = s.replace('\'', "''");
                write_folded(&escaped, indent, out, true);
                out.push('\'');
            } else {
                write_folded(s, indent, out, false);
            }
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// yaml.v3 folds long plain and single-quoted scalars: a space past column 80
/// (not doubled, not the first or last character when quoted) becomes a line
/// break followed by the indentation.
fn write_folded(s: &str, indent: usize, out: &mut String, quoted: bool) {
    const WIDTH: usize = 80;
    let mut column = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
    let chars: Vec<char> = s.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next_space = chars.get(i + 1) == Some(&' ');
            let edge_ok = !quoted || (i > 0 && i + 1 < chars.len());
            if !spaces && column > WIDTH && !next_space && edge_ok && i + 1 < chars.len() {
                out.push('\n');
                pad(out, indent);
                column = indent;
            } else {
                out.push(' ');
                column += 1;
            }
            spaces = true;
        } else {
            out.push(c);
            column += 1;
            spaces = false;
        }
    }
}

fn block_allowed(s: &str) -> bool {
    !s.contains(" \n")
        && !s.contains("\t\n")
        && !s.ends_with(' ')
        && !s.chars().any(|c| c.is_control() && c != '\n')
}

fn emit_block(s: &str, indent: usize, out: &mut String) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    match trailing {
        0 => out.push('-'),
        1 if !body.is_empty() => {}
        _ => out.push('+'),
    }
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// A string as a one-line scalar: plain when safe, otherwise quoted.
fn scalar_string(s: &str) -> String {
    if needs_double_quotes(s) || looks_like_other_type(s) {
        double_quoted(s)
    } else if !plain_allowed(s) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

fn needs_double_quotes(s: &str) -> bool {
    s.chars().any(|c| c.is_control() || c == '\u{feff}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_double_quoted(s, usize::MAX, &mut out);
    out
}

fn escape_into(c: char, out: &mut String) -> bool {
    let e = match c {
        '\0' => "\\0",
        '\u{7}' => "\\a",
        '\u{8}' => "\\b",
        '\t' => "\\t",
        '\n' => "\\n",
        '\u{b}' => "\\v",
        '\u{c}' => "\\f",
        '\r' => "\\r",
        '\u{1b}' => "\\e",
        '"' => "\\\"",
        '\\' => "\\\\",
        '\u{85}' => "\\N",
        '\u{a0}' => "\\_",
        '\u{2028}' => "\\L",
        '\u{2029}' => "\\P",
        c if c.is_control() || c == '\u{feff}' => {
            let v = c as u32;
            let _ = if v <= 0xff {
                write!(out, "\\x{v:02X}")
            } else {
                write!(out, "\\u{v:04X}")
            };
            return true;
        }
        _ => return false,
    };
    out.push_str(e);
    true
}

/// yaml.v3's double-quoted writer, folding at spaces past column 80 when
/// `indent` is a real indentation (`usize::MAX` disables folding, for keys).
fn write_double_quoted(s: &str, indent: usize, out: &mut String) {
    const WIDTH: usize = 80;
    out.push('"');
    let fold = indent != usize::MAX;
    let mut column = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
    let chars: Vec<char> = s.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        let before = out.len();
        if escape_into(c, out) {
            column += out.len() - before;
            spaces = false;
        } else if c == ' ' {
            if fold && !spaces && column > WIDTH && i != 0 && i + 1 != chars.len() {
                out.push('\n');
                pad(out, indent);
                column = indent;
                if chars.get(i + 1) == Some(&' ') {
                    out.push('\\');
                    column += 1;
                }
            } else {
                out.push(' ');
                column += 1;
            }
            spaces = true;
        } else {
            out.push(c);
            column += 1;
            spaces = false;
        }
    }
    out.push('"');
}

/// True when yaml.v3 would not write this string plain: its resolver reads it
/// as null, a bool (YAML 1.2, or 1.1 like `yes`), a number, a timestamp or a
/// base-60 float.
fn looks_like_other_type(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y",
        "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
        ".nan", ".NaN", ".NAN",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return false;
    }
    is_go_int(&s.replace('_', "")) || is_yaml_float(s) || is_timestamp(s) || is_base60(s)
}

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint` syntax.
fn is_go_int(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        return !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(o) = lower.strip_prefix("0o") {
        return !o.is_empty() && o.chars().all(|c| ('0'..='7').contains(&c));
    }
    if let Some(b) = lower.strip_prefix("0b") {
        return !b.is_empty() && b.chars().all(|c| c == '0' || c == '1');
    }
    if t.len() > 1 && t.starts_with('0') {
        return t.chars().all(|c| ('0'..='7').contains(&c));
    }
    t.chars().all(|c| c.is_ascii_digit())
}

/// yaml.v3's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// yaml.v3's timestamps: `2006-1-2`, optionally with a `T`/`t`/space time part.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let date_ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1].len() <= 2
        && parts[2].len() <= 2;
    if !date_ok {
        return false;
    }
    match time {
        None => true,
        Some(t) => {
            let t = t.trim_end_matches('Z');
            let t = match t.rfind(['+', '-']) {
                Some(i) if i > 0 => &t[..i],
                _ => t,
            };
            let hms: Vec<&str> = t.split(':').collect();
            hms.len() == 3
                && hms[..2]
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()))
                && hms[2]
                    .split('.')
                    .next()
                    .is_some_and(|x| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit()))
        }
    }
}

/// YAML 1.1 base-60 floats like `1:20` (yaml.v3 quotes them).
fn is_base60(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut parts = t.split(':');
    let Some(head) = parts.next() else {
        return false;
    };
    if head.is_empty()
        || !head.starts_with(|c: char| c.is_ascii_digit())
        || !head.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return false;
    }
    for (i, p) in rest.iter().enumerate() {
        let p = if i == rest.len() - 1 {
            p.split('.').next().unwrap_or("")
        } else {
            p
        };
        if p.is_empty()
            || p.len() > 2
            || !p.chars().all(|c| c.is_ascii_digit())
            || p.len() == 2 && p.as_bytes()[0] > b'5'
        {
            return false;
        }
    }
    true
}

fn plain_allowed(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if "&*!|>'\"%@`#,[]{}".contains(first) {
        return false;
    }
    if "-?:".contains(first) {
        let second = s.chars().nth(1);
        if second.is_none() || second == Some(' ') {
            return false;
        }
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    !(s.contains(": ") || s.contains(" #"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_scalars_round_trip() {
        for s in ["\n", "\n\n", "\nx\n", " a\nb", "a\n\n", "a\nb", "x\n  y\n"] {
            let doc = json!({"k": s});
            let text = to_yaml_stream(std::slice::from_ref(&doc));
            let back = crate::yaml::parse_documents(&text, "t").unwrap();
            assert_eq!(back[0], doc, "{text:?}");
        }
    }

    #[test]
    fn quotes_like_yaml_v3() {
        for (s, quoted) in [
            ("1.15.1", false),
            ("2001:db8::1", false),
            ("8080", true),
            ("0755", true),
            ("1e3", true),
            ("2024-11-12T13:33:42Z", true),
            ("yes", true),
            ("1:20", true),
            ("v1", false),
            ("", true),
        ] {
            assert_eq!(looks_like_other_type(s), quoted, "{s}");
        }
        let long = "word ".repeat(30);
        let text = to_yaml_stream(&[json!({"description": long.trim()})]);
        assert!(
            text.lines().count() > 1 && text.lines().all(|l| l.len() <= 90),
            "{text}"
        );
        let back = crate::yaml::parse_documents(&text, "t").unwrap();
        assert_eq!(back[0]["description"], long.trim());
    }

    #[test]
    fn prints_in_kyaml_style() {
        let doc = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "data": {"a": "1", "b": "x\ny\n", "c": "true", "d": "", "e": "- x"},
            "list": [{"name": "a", "ports": [1, 2]}, "s"],
            "empty": {}
        });
        let text = to_yaml_stream(&[doc.clone(), json!({"k": "v"})]);
        let expected = "apiVersion: v1\ndata:\n  a: \"1\"\n  b: |\n    x\n    y\n  c: \"true\"\n  d: \"\"\n  e: '- x'\nempty: {}\nkind: ConfigMap\nlist:\n- name: a\n  ports:\n  - 1\n  - 2\n- s\n---\nk: v\n";
        assert_eq!(text, expected);
        let back = crate::yaml::parse_documents(&text, "t").unwrap();
        assert_eq!(back[0], doc);
    }
}
