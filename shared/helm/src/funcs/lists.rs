//! Sprig's list functions.

use super::{FnResult, arg_list, is_empty, strval, to_i64, want, want_at_least};
use crate::template::value::Value;

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "list",
    "tuple",
    "first",
    "mustFirst",
    "last",
    "mustLast",
    "rest",
    "mustRest",
    "initial",
    "mustInitial",
    "append",
    "push",
    "mustAppend",
    "mustPush",
    "prepend",
    "mustPrepend",
    "concat",
    "reverse",
    "mustReverse",
    "uniq",
    "mustUniq",
    "without",
    "mustWithout",
    "has",
    "mustHas",
    "compact",
    "mustCompact",
    "until",
    "untilStep",
    "seq",
    "chunk",
    "mustChunk",
    "mustSlice",
    "slice",
];

const MAX_LEN: i64 = 1_000_000;

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "list" | "tuple" => Ok(Value::from(a.to_vec())),
        "first" | "mustFirst" => {
            one_list(a, "find first").map(|l| l.first().cloned().unwrap_or_default())
        }
        "last" | "mustLast" => {
            one_list(a, "find last").map(|l| l.last().cloned().unwrap_or_default())
        }
        "rest" | "mustRest" => one_list(a, "find rest")
            .map(|l| Value::from(l.get(1..).map(<[Value]>::to_vec).unwrap_or_default())),
        "initial" | "mustInitial" => one_list(a, "find initial").map(|l| {
            let n = l.len().saturating_sub(1);
            Value::from(l[..n].to_vec())
        }),
        "append" | "push" | "mustAppend" | "mustPush" => (|| {
            want(a, 2)?;
            let mut l = arg_list(a, 0, "append")?;
            l.push(a[1].clone());
            Ok(Value::from(l))
        })(),
        "prepend" | "mustPrepend" => (|| {
            want(a, 2)?;
            let mut l = arg_list(a, 0, "prepend")?;
            l.insert(0, a[1].clone());
            Ok(Value::from(l))
        })(),
        "concat" => (|| {
            let mut out = Vec::new();
            for (i, v) in a.iter().enumerate() {
                match v {
                    Value::Nil => {}
                    _ => out.extend(arg_list(a, i, "concat")?),
                }
            }
            Ok(Value::from(out))
        })(),
        "reverse" | "mustReverse" => one_list(a, "find reverse").map(|mut l| {
            l.reverse();
            Value::from(l)
        }),
        "uniq" | "mustUniq" => one_list(a, "find uniq").map(|l| {
            let mut out: Vec<Value> = Vec::new();
            for v in l {
                if !out.iter().any(|o| o.deep_eq(&v)) {
                    out.push(v);
                }
            }
            Value::from(out)
        }),
        "compact" | "mustCompact" => one_list(a, "compact")
            .map(|l| Value::from(l.into_iter().filter(|v| !is_empty(v)).collect::<Vec<_>>())),
        "without" | "mustWithout" => (|| {
            want_at_least(a, 1)?;
            let l = arg_list(a, 0, "find without")?;
            Ok(Value::from(
                l.into_iter()
                    .filter(|v| !a[1..].iter().any(|o| o.deep_eq(v)))
                    .collect::<Vec<_>>(),
            ))
        })(),
        "has" | "mustHas" => (|| {
            want(a, 2)?;
            match &a[1] {
                Value::Nil => Ok(Value::Bool(false)),
                _ => {
                    let l = arg_list(a, 1, "find has")?;
                    Ok(Value::Bool(l.iter().any(|v| v.deep_eq(&a[0]))))
                }
            }
        })(),
        "until" => (|| {
            want(a, 1)?;
            let n = to_i64(&a[0]);
            step_range(0, n, if n < 0 { -1 } else { 1 })
        })(),
        "untilStep" => (|| {
            want(a, 3)?;
            step_range(to_i64(&a[0]), to_i64(&a[1]), to_i64(&a[2]))
        })(),
        "seq" => seq(a),
        "chunk" | "mustChunk" => (|| {
            want(a, 2)?;
            let size = to_i64(&a[0]).max(1) as usize;
            let l = arg_list(a, 1, "chunk")?;
            Ok(Value::from(
                l.chunks(size)
                    .map(|c| Value::from(c.to_vec()))
                    .collect::<Vec<_>>(),
            ))
        })(),
        "mustSlice" | "slice" => (|| {
            want_at_least(a, 1)?;
            let l = match &a[0] {
                Value::List(_) | Value::ApiVersions(_) => arg_list(a, 0, "slice")?,
                other => {
                    return Err(format!(
                        "list should be type of slice or array but {}",
                        other.kind_name()
                    ));
                }
            };
            if l.is_empty() {
                return Ok(Value::Nil);
            }
            let lo = a.get(1).map(to_i64).unwrap_or(0).max(0) as usize;
            let hi = a.get(2).map(to_i64).unwrap_or(l.len() as i64).max(0) as usize;
            if lo > hi || hi > l.len() {
                return Err("slice bounds out of range".into());
            }
            Ok(Value::from(l[lo..hi].to_vec()))
        })(),
        _ => return None,
    };
    Some(r)
}

fn one_list(a: &[Value], what: &str) -> Result<Vec<Value>, String> {
    want(a, 1)?;
    arg_list(a, 0, what)
}

fn step_range(start: i64, stop: i64, step: i64) -> FnResult {
    let mut out = Vec::new();
    if step == 0 {
        return Ok(Value::from(out));
    }
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if out.len() as i64 >= MAX_LEN {
            return Err("list too long".into());
        }
        out.push(Value::Int(i));
        i = match i.checked_add(step) {
            Some(n) => n,
            None => break,
        };
    }
    Ok(Value::from(out))
}

fn seq(a: &[Value]) -> FnResult {
    let p: Vec<i64> = a.iter().map(to_i64).collect();
    let (start, step, end) = match p.as_slice() {
        [] => return Ok(Value::from("")),
        [end] => (1, if *end >= 1 { 1 } else { -1 }, *end),
        [start, end] => (*start, if end >= start { 1 } else { -1 }, *end),
        [start, step, end] => (*start, *step, *end),
        _ => return Err("seq: too many arguments".into()),
    };
    if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
        return Ok(Value::from(""));
    }
    let stop = if step > 0 {
        end.saturating_add(1)
    } else {
        end.saturating_sub(1)
    };
    match step_range(start, stop, step)? {
        Value::List(l) => Ok(Value::from(
            l.iter().map(strval).collect::<Vec<_>>().join(" "),
        )),
        _ => Ok(Value::from("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_functions() {
        let l = Value::from(vec![Value::Int(1), Value::Int(2), Value::Int(1)]);
        let u = call("uniq", std::slice::from_ref(&l)).unwrap().unwrap();
        assert_eq!(crate::template::gofmt::format_v(&u), "[1 2]");
        let h = call("has", &[Value::Int(2), l.clone()]).unwrap().unwrap();
        assert!(h.truthy());
        assert!(call("first", &[Value::Nil]).unwrap().is_err());
        let s = call("seq", &[Value::Int(3)]).unwrap().unwrap();
        assert_eq!(strval(&s), "1 2 3");
        assert!(call("seq", &[Value::Int(i64::MAX)]).unwrap().is_err());
        assert!(
            call("seq", &[Value::Int(i64::MIN), Value::Int(i64::MIN)])
                .unwrap()
                .is_ok()
        );
        let u = call("until", &[Value::Int(3)]).unwrap().unwrap();
        assert_eq!(strval(&u), "[0 1 2]");
    }
}
