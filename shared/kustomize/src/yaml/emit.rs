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
            } else {
                out.push_str(&scalar_string(s));
            }
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn block_allowed(s: &str) -> bool {
    !s.starts_with(' ')
        && !s.starts_with('\n')
        && !s.contains(" \n")
        && !s.contains("\t\n")
        && !s.ends_with(' ')
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

fn emit_block(s: &str, indent: usize, out: &mut String) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
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
    if s.is_empty() || needs_double_quotes(s) || looks_like_other_type(s) {
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
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// True when a plain scalar with this text would be read as something other
/// than a string (YAML 1.1 or 1.2 rules, as yaml.v3 checks both).
fn looks_like_other_type(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", "-.inf", "+.inf",
        ".nan",
    ];
    let lower = s.to_ascii_lowercase();
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let t = t.strip_prefix('.').unwrap_or(t);
    match t.chars().next() {
        Some(c) if c.is_ascii_digit() => t
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "xXoO._+-:".contains(c)),
        _ => false,
    }
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
    if s == "---" || s == "..." || s.starts_with("--- ") {
        return false;
    }
    !(s.contains(": ") || s.contains(" #"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
