//! text/template's predefined functions: comparisons with Go's type rules,
//! `not`, `len`, `index`, `slice`, `print*`, and the escapers.

use std::cmp::Ordering;

use super::{FnResult, want, want_at_least};
use crate::template::gofmt::{sprint, sprintf, sprintln};
use crate::template::value::Value;

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "eq", "ne", "lt", "le", "gt", "ge", "not", "len", "index", "print", "printf", "println",
    "html", "js", "urlquery", "call",
];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    Some(match name {
        "eq" => eq(a).map(Value::Bool),
        "ne" => want(a, 2).and_then(|_| eq(a)).map(|b| Value::Bool(!b)),
        "lt" => cmp(a).map(|o| Value::Bool(o == Ordering::Less)),
        "le" => cmp(a).map(|o| Value::Bool(o != Ordering::Greater)),
        "gt" => cmp(a).map(|o| Value::Bool(o == Ordering::Greater)),
        "ge" => cmp(a).map(|o| Value::Bool(o != Ordering::Less)),
        "not" => want(a, 1).map(|_| Value::Bool(!a[0].truthy())),
        "len" => want(a, 1).and_then(|_| len(&a[0])),
        "index" => want_at_least(a, 1).and_then(|_| index(a)),
        "print" => Ok(Value::from(sprint(a))),
        "println" => Ok(Value::from(sprintln(a))),
        "printf" => match a.first() {
            Some(Value::Str(f)) => Ok(Value::from(sprintf(f, &a[1..]))),
            _ => Err("printf: format must be a string".into()),
        },
        "html" => Ok(Value::from(html_escape(&sprint(a)))),
        "js" => Ok(Value::from(js_escape(&sprint(a)))),
        "urlquery" => Ok(Value::from(query_escape(&sprint(a)))),
        "call" => Err("call of non-function".into()),
        _ => return None,
    })
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Other,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Other,
    }
}

/// Go's `eq arg1 arg2...`.
pub fn eq(a: &[Value]) -> Result<bool, String> {
    if a.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    let x = &a[0];
    for y in &a[1..] {
        let (kx, ky) = (kind(x), kind(y));
        let truth = if kx != ky {
            if !x.is_nil() && !y.is_nil() {
                return Err("incompatible types for comparison".into());
            }
            false
        } else {
            match (x, y) {
                (Value::Bool(p), Value::Bool(q)) => p == q,
                (Value::Int(p), Value::Int(q)) => p == q,
                (Value::Float(p), Value::Float(q)) => p == q,
                (Value::Str(p), Value::Str(q)) => p == q,
                _ => {
                    if x.is_nil() || y.is_nil() {
                        x.is_nil() == y.is_nil()
                    } else {
                        return Err(format!(
                            "non-comparable types {}: {}",
                            x.type_name(),
                            y.type_name()
                        ));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn cmp(a: &[Value]) -> Result<Ordering, String> {
    want(a, 2)?;
    let (x, y) = (&a[0], &a[1]);
    match (x, y) {
        (Value::Int(p), Value::Int(q)) => Ok(p.cmp(q)),
        (Value::Float(p), Value::Float(q)) => Ok(p.partial_cmp(q).unwrap_or(Ordering::Equal)),
        (Value::Str(p), Value::Str(q)) => Ok(p.cmp(q)),
        _ => {
            let (kx, ky) = (kind(x), kind(y));
            if matches!(kx, Kind::Other | Kind::Bool) || matches!(ky, Kind::Other | Kind::Bool) {
                Err("invalid type for comparison".into())
            } else {
                Err("incompatible types for comparison".into())
            }
        }
    }
}

fn len(v: &Value) -> FnResult {
    Ok(Value::Int(match v {
        Value::Str(s) => s.len() as i64,
        Value::List(l) => l.len() as i64,
        Value::ApiVersions(l) => l.len() as i64,
        Value::Map(m) => m.try_borrow().map(|m| m.len()).unwrap_or(0) as i64,
        Value::Files(f) => f.len() as i64,
        Value::Nil => return Err("len of nil pointer".into()),
        other => return Err(format!("len of type {}", other.type_name())),
    }))
}

fn index(a: &[Value]) -> FnResult {
    let mut item = a[0].clone();
    for idx in &a[1..] {
        item = match &item {
            Value::Nil => return Err("index of untyped nil".into()),
            Value::Map(_) => match idx {
                Value::Str(k) => item.get(k),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ));
                }
            },
            Value::List(l) => {
                let i = idx_int(idx)?;
                if i < 0 || i as usize >= l.len() {
                    return Err(format!("error calling index: index out of range: {i}"));
                }
                l[i as usize].clone()
            }
            Value::Str(s) => {
                let i = idx_int(idx)?;
                if i < 0 || i as usize >= s.len() {
                    return Err(format!("error calling index: index out of range: {i}"));
                }
                Value::Int(i64::from(s.as_bytes()[i as usize]))
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn idx_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Nil => Err("cannot index slice/array with nil".into()),
        other => Err(format!(
            "cannot index slice/array with type {}",
            other.type_name()
        )),
    }
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '\'' => o.push_str("&#39;"),
            '"' => o.push_str("&#34;"),
            '\0' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

fn js_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '"' => o.push_str("\\\""),
            '<' => o.push_str("\\u003C"),
            '>' => o.push_str("\\u003E"),
            '&' => o.push_str("\\u0026"),
            '=' => o.push_str("\\u003D"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            b => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq_follows_go_kinds() {
        assert_eq!(eq(&[Value::Int(1), Value::Int(1)]), Ok(true));
        assert_eq!(
            eq(&[Value::from("a"), Value::from("b"), Value::from("a")]),
            Ok(true)
        );
        assert!(eq(&[Value::Float(1.0), Value::Int(1)]).is_err());
        assert_eq!(eq(&[Value::Nil, Value::from("a")]), Ok(false));
        assert_eq!(eq(&[Value::Nil, Value::Nil]), Ok(true));
    }

    #[test]
    fn index_and_len() {
        let l = Value::from(vec![Value::Int(5)]);
        assert!(
            index(&[l.clone(), Value::Int(0)])
                .unwrap()
                .deep_eq(&Value::Int(5))
        );
        assert!(index(&[l, Value::Int(3)]).is_err());
        assert!(index(&[Value::Nil, Value::from("a")]).is_err());
        assert!(len(&Value::Nil).is_err());
    }
}
