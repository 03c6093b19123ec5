//! The function library: text/template built-ins, Sprig and Helm's functions.
//!
//! Each module exposes `NAMES` and `call`; argument helpers here follow Go's
//! reflection rules (a `string` parameter rejects nil and non-strings) and
//! spf13/cast's lenient conversions where Sprig uses them.

pub mod base32;
pub mod builtin;
pub mod crypto;
pub mod dicts;
pub mod encoding;
mod from_toml;
pub mod helm;
pub mod keys;
pub mod lists;
pub mod math;
pub mod private_key;
pub mod secrets;
pub mod semver;
pub mod strings;
mod text;
pub mod time;
pub mod url;

use crate::template::gofmt::format_v;
use crate::template::value::Value;

/// A function's result.
pub type FnResult = Result<Value, String>;

/// Names handled by the executor itself.
const EXEC_NAMES: &[&str] = &["and", "or", "include", "tpl"];

type Dispatch = fn(&str, &[Value]) -> Option<FnResult>;

/// Every module's names and dispatcher, looked up once per call through a
/// hash map instead of matching the name against each module in turn.
type Registry =
    std::collections::HashMap<&'static str, Dispatch, crate::template::name_hash::BuildNameHasher>;

fn registry() -> &'static Registry {
    static REG: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REG.get_or_init(|| {
        let modules: [(&[&str], Dispatch); 11] = [
            (crypto::NAMES, crypto::call),
            (secrets::NAMES, secrets::call),
            (helm::NAMES, helm::call),
            (time::NAMES, time::call),
            (semver::NAMES, semver::call),
            (encoding::NAMES, encoding::call),
            (math::NAMES, math::call),
            (dicts::NAMES, dicts::call),
            (lists::NAMES, lists::call),
            (strings::NAMES, strings::call),
            (builtin::NAMES, builtin::call),
        ];
        // Later modules win on duplicate names, matching the old lookup order.
        let mut m = Registry::default();
        for (names, f) in modules {
            for n in names {
                m.insert(*n, f);
            }
        }
        m
    })
}

/// Does a function of this name exist (checked at parse time, like Go)?
/// Every function name templates can call, sorted.
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = registry().keys().copied().collect();
    v.extend(EXEC_NAMES);
    v.sort_unstable();
    v.dedup();
    v
}

pub fn exists(name: &str) -> bool {
    EXEC_NAMES.contains(&name) || registry().contains_key(name)
}

/// Call a function by name.
pub fn call(name: &str, args: Vec<Value>) -> FnResult {
    if let Some(f) = registry().get(name)
        && let Some(r) = f(name, &args)
    {
        return r;
    }
    Err(format!("function {name:?} not defined"))
}

/// Check the argument count.
pub fn want(args: &[Value], n: usize) -> Result<(), String> {
    if args.len() != n {
        return Err(format!("wrong number of args: want {n} got {}", args.len()));
    }
    Ok(())
}

/// Check a minimum argument count.
pub fn want_at_least(args: &[Value], n: usize) -> Result<(), String> {
    if args.len() < n {
        return Err(format!(
            "wrong number of args: want at least {n} got {}",
            args.len()
        ));
    }
    Ok(())
}

/// A `string` parameter.
pub fn arg_str(args: &[Value], i: usize) -> Result<&str, String> {
    match args.get(i) {
        Some(Value::Str(s)) => Ok(s),
        Some(Value::Nil) | None => Err("invalid value; expected string".into()),
        Some(v) => Err(format!(
            "wrong type for value; expected string; got {}",
            v.type_name()
        )),
    }
}

/// An `int` parameter.
pub fn arg_int(args: &[Value], i: usize) -> Result<i64, String> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::Nil) | None => Err("invalid value; expected int".into()),
        Some(v) => Err(format!(
            "wrong type for value; expected int; got {}",
            v.type_name()
        )),
    }
}

/// Sprig's `strval`: strings as-is, anything else through `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => format_v(other),
    }
}

/// spf13/cast `ToInt64`.
pub fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) => {
            if f.is_nan() {
                0
            } else {
                *f as i64
            }
        }
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_go_int(s).unwrap_or(0),
        _ => 0,
    }
}

/// strconv.ParseInt(s, 0, 64) after cast's trimming of a ".0…" suffix.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let s = match s.split_once('.') {
        Some((a, b)) if b.chars().all(|c| c == '0') => a,
        _ => s,
    };
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let body = body.replace('_', "");
    let lower = body.to_ascii_lowercase();
    let v = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        if lower.is_empty() || !lower.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        lower.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// spf13/cast `ToFloat64`.
pub fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => s.trim().parse::<f64>().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Sprig's `empty`.
pub fn is_empty(v: &Value) -> bool {
    !v.truthy()
}

/// A list parameter for Sprig's list functions (lists only; errors otherwise).
pub fn arg_list(args: &[Value], i: usize, func: &str) -> Result<Vec<Value>, String> {
    match args.get(i) {
        Some(Value::List(l)) => Ok(l.as_ref().clone()),
        Some(Value::ApiVersions(l)) => Ok(l.iter().map(|s| Value::from(s.as_str())).collect()),
        Some(v) => Err(format!("Cannot {func} on type {}", v.type_name())),
        None => Err("missing list argument".into()),
    }
}
