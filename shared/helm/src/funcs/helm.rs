//! Helm's own functions (`required`, `fail`, `lookup`) and the methods of
//! `.Files` and `.Capabilities.APIVersions`. `include` and `tpl` live in the
//! executor, which owns the template set.

use std::rc::Rc;

use super::{FnResult, arg_str, want};
use crate::template::value::Value;

/// Function names in this module.
pub const NAMES: &[&str] = &["required", "fail", "lookup"];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "required" => (|| {
            want(a, 2)?;
            let msg = arg_str(a, 0)?;
            match &a[1] {
                Value::Nil => Err(msg.to_string()),
                Value::Str(s) if s.is_empty() => Err(msg.to_string()),
                v => Ok(v.clone()),
            }
        })(),
        "fail" => (|| {
            want(a, 1)?;
            Err(arg_str(a, 0)?.to_string())
        })(),
        "lookup" => want(a, 4).map(|_| Value::new_map()),
        _ => return None,
    };
    Some(r)
}

/// Call a method of a built-in object (`.Files.Get`, `.Capabilities.APIVersions.Has`).
pub fn call_method(recv: &Value, name: &str, a: &[Value]) -> FnResult {
    match recv {
        Value::Files(f) => match name {
            "Get" | "GetBytes" => {
                want(a, 1)?;
                Ok(Value::from(f.get(arg_str(a, 0)?)))
            }
            "Glob" => {
                want(a, 1)?;
                Ok(Value::Files(Rc::new(f.glob(arg_str(a, 0)?))))
            }
            "Lines" => {
                want(a, 1)?;
                Ok(Value::from(
                    f.lines(arg_str(a, 0)?)
                        .into_iter()
                        .map(Value::from)
                        .collect::<Vec<_>>(),
                ))
            }
            "AsConfig" => Ok(Value::from(f.as_config())),
            "AsSecrets" => Ok(Value::from(f.as_secrets())),
            _ => {
                if !a.is_empty() {
                    return Err(format!("{name} is not a method but has arguments"));
                }
                Ok(Value::Nil)
            }
        },
        Value::ApiVersions(v) => match name {
            "Has" => {
                want(a, 1)?;
                let s = arg_str(a, 0)?;
                Ok(Value::Bool(v.iter().any(|x| x == s)))
            }
            _ => Err(format!(
                "can't evaluate field {name} in type common.VersionSet"
            )),
        },
        other => Err(format!(
            "can't evaluate field {name} in type {}",
            other.type_name()
        )),
    }
}
