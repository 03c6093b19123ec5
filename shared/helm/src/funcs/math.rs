//! Sprig's integer and float math, and the cast conversions (`int`, `int64`,
//! `float64`, `atoi`).

use super::{FnResult, arg_str, to_f64, to_i64, want, want_at_least};
use crate::template::value::Value;

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "add",
    "add1",
    "sub",
    "mul",
    "div",
    "mod",
    "max",
    "min",
    "biggest",
    "floor",
    "ceil",
    "round",
    "int",
    "int64",
    "float64",
    "atoi",
    "addf",
    "add1f",
    "subf",
    "mulf",
    "divf",
    "maxf",
    "minf",
    "randInt",
    "toDecimal",
];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "add" => Ok(Value::Int(
            a.iter().map(to_i64).fold(0i64, i64::wrapping_add),
        )),
        "add1" => want(a, 1).map(|_| Value::Int(to_i64(&a[0]).wrapping_add(1))),
        "sub" => want(a, 2).map(|_| Value::Int(to_i64(&a[0]).wrapping_sub(to_i64(&a[1])))),
        "mul" => want_at_least(a, 1)
            .map(|_| Value::Int(a.iter().map(to_i64).fold(1i64, i64::wrapping_mul))),
        "div" | "mod" => (|| {
            want(a, 2)?;
            let (x, y) = (to_i64(&a[0]), to_i64(&a[1]));
            if y == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::Int(if name == "div" {
                x.wrapping_div(y)
            } else {
                x.wrapping_rem(y)
            }))
        })(),
        "max" | "biggest" => {
            want_at_least(a, 1).map(|_| Value::Int(a.iter().map(to_i64).max().unwrap_or(0)))
        }
        "min" => want_at_least(a, 1).map(|_| Value::Int(a.iter().map(to_i64).min().unwrap_or(0))),
        "floor" => want(a, 1).map(|_| Value::Float(to_f64(&a[0]).floor())),
        "ceil" => want(a, 1).map(|_| Value::Float(to_f64(&a[0]).ceil())),
        "round" => (|| {
            want_at_least(a, 2)?;
            let on = a.get(2).map(to_f64).unwrap_or(0.5);
            let pow = 10f64.powf(to_f64(&a[1]));
            let digit = pow * to_f64(&a[0]);
            let frac = digit.fract();
            let r = if frac >= on {
                digit.ceil()
            } else {
                digit.floor()
            };
            Ok(Value::Float(r / pow))
        })(),
        "int" | "int64" => want(a, 1).map(|_| Value::Int(to_i64(&a[0]))),
        "float64" => want(a, 1).map(|_| Value::Float(to_f64(&a[0]))),
        "atoi" => (|| {
            want(a, 1)?;
            Ok(Value::Int(arg_str(a, 0)?.parse::<i64>().unwrap_or(0)))
        })(),
        "addf" => Ok(Value::Float(a.iter().map(to_f64).sum())),
        "add1f" => want(a, 1).map(|_| Value::Float(to_f64(&a[0]) + 1.0)),
        "subf" => want_at_least(a, 1)
            .map(|_| Value::Float(a[1..].iter().map(to_f64).fold(to_f64(&a[0]), |x, y| x - y))),
        "mulf" => want_at_least(a, 1).map(|_| Value::Float(a.iter().map(to_f64).product())),
        "divf" => want_at_least(a, 1)
            .map(|_| Value::Float(a[1..].iter().map(to_f64).fold(to_f64(&a[0]), |x, y| x / y))),
        "maxf" => {
            want_at_least(a, 1).map(|_| Value::Float(a.iter().map(to_f64).fold(f64::MIN, f64::max)))
        }
        "minf" => {
            want_at_least(a, 1).map(|_| Value::Float(a.iter().map(to_f64).fold(f64::MAX, f64::min)))
        }
        "randInt" => (|| {
            want(a, 2)?;
            let (lo, hi) = (to_i64(&a[0]), to_i64(&a[1]));
            if hi <= lo {
                return Err("invalid argument to Intn".into());
            }
            let span = hi.wrapping_sub(lo) as u64;
            Ok(Value::Int(
                lo.wrapping_add((super::strings::rand_u64() % span) as i64),
            ))
        })(),
        "toDecimal" => (|| {
            want(a, 1)?;
            let s = super::strval(&a[0]);
            Ok(Value::Int(i64::from_str_radix(&s, 8).unwrap_or(0)))
        })(),
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::gofmt::format_v;

    fn v(name: &str, a: Vec<Value>) -> String {
        format_v(&call(name, &a).unwrap().unwrap())
    }

    #[test]
    fn cast_semantics() {
        assert_eq!(
            v(
                "add",
                vec![Value::Float(1.9), Value::Int(1), Value::from("3")]
            ),
            "5"
        );
        assert_eq!(v("int", vec![Value::from("0x10")]), "16");
        assert_eq!(v("int64", vec![Value::from("12.0")]), "12");
        assert_eq!(v("int", vec![Value::from("abc")]), "0");
        assert_eq!(v("float64", vec![Value::from("1.5")]), "1.5");
        assert_eq!(v("round", vec![Value::Float(2.555), Value::Int(2)]), "2.56");
        assert_eq!(
            v("max", vec![Value::Int(1), Value::Int(7), Value::Int(3)]),
            "7"
        );
        assert!(
            call("div", &[Value::Int(1), Value::Int(0)])
                .unwrap()
                .is_err()
        );
        let r = call("randInt", &[Value::Int(i64::MIN), Value::Int(i64::MAX)]);
        assert!(r.unwrap().is_ok());
        assert_eq!(
            v("add", vec![Value::Int(i64::MAX), Value::Int(1)]),
            i64::MIN.to_string()
        );
    }
}
