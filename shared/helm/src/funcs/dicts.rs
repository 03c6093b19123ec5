//! Sprig's dict functions (with mergo's merge rules) and its defaults,
//! reflection and equality helpers.

use std::rc::Rc;

use super::{FnResult, arg_str, is_empty, strval, want, want_at_least};
use crate::template::value::{MAX_DEPTH, Map, Value};

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "dict",
    "get",
    "set",
    "unset",
    "hasKey",
    "pluck",
    "keys",
    "values",
    "pick",
    "omit",
    "merge",
    "mustMerge",
    "mergeOverwrite",
    "mustMergeOverwrite",
    "deepCopy",
    "mustDeepCopy",
    "dig",
    "default",
    "empty",
    "coalesce",
    "ternary",
    "all",
    "any",
    "typeOf",
    "kindOf",
    "kindIs",
    "typeIs",
    "typeIsLike",
    "deepEqual",
];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "dict" => {
            let mut m = Map::new();
            for pair in a.chunks(2) {
                let v = pair.get(1).cloned().unwrap_or_else(|| Value::from(""));
                m.insert(strval(&pair[0]), v);
            }
            Ok(Value::from(m))
        }
        "get" => (|| {
            want(a, 2)?;
            let m = arg_map(a, 0)?;
            let k = arg_str(a, 1)?;
            Ok(m.try_borrow()
                .ok()
                .and_then(|m| m.get(k).cloned())
                .unwrap_or_else(|| Value::from("")))
        })(),
        "set" => (|| {
            want(a, 3)?;
            let m = arg_map(a, 0)?;
            let k = arg_str(a, 1)?.to_string();
            m.try_borrow_mut()
                .map_err(|_| "map is in use")?
                .insert(k, a[2].clone());
            Ok(a[0].clone())
        })(),
        "unset" => (|| {
            want(a, 2)?;
            let m = arg_map(a, 0)?;
            let k = arg_str(a, 1)?;
            m.try_borrow_mut().map_err(|_| "map is in use")?.remove(k);
            Ok(a[0].clone())
        })(),
        "hasKey" => (|| {
            want(a, 2)?;
            let m = arg_map(a, 0)?;
            let k = arg_str(a, 1)?;
            Ok(Value::Bool(
                m.try_borrow().map(|m| m.contains_key(k)).unwrap_or(false),
            ))
        })(),
        "pluck" => (|| {
            want_at_least(a, 1)?;
            let k = arg_str(a, 0)?;
            let mut out = Vec::new();
            for d in &a[1..] {
                if let Some(m) = d.map_snapshot()
                    && let Some(v) = m.get(k)
                {
                    out.push(v.clone());
                }
            }
            Ok(Value::from(out))
        })(),
        "keys" => (|| {
            let mut out = Vec::new();
            for (i, _) in a.iter().enumerate() {
                let m = arg_map(a, i)?;
                let snap = m.try_borrow().map(|m| m.clone()).unwrap_or_default();
                out.extend(snap.into_keys().map(Value::from));
            }
            Ok(Value::from(out))
        })(),
        "values" => (|| {
            want(a, 1)?;
            let snap = a[0]
                .map_snapshot()
                .ok_or("values: argument is not a dict")?;
            Ok(Value::from(snap.into_values().collect::<Vec<_>>()))
        })(),
        "pick" | "omit" => (|| {
            want_at_least(a, 1)?;
            let snap = a[0]
                .map_snapshot()
                .ok_or_else(|| format!("{name}: argument is not a dict"))?;
            let names: Vec<String> = a[1..].iter().map(strval).collect();
            let keep = name == "pick";
            Ok(Value::from(
                snap.into_iter()
                    .filter(|(k, _)| names.contains(k) == keep)
                    .collect::<Map>(),
            ))
        })(),
        "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite" => (|| {
            want_at_least(a, 1)?;
            let dst = arg_map(a, 0)?;
            let overwrite = name.contains("Overwrite");
            for src in &a[1..] {
                if let Some(s) = src.map_snapshot() {
                    merge_into(&dst, &s, overwrite, 0);
                }
            }
            Ok(a[0].clone())
        })(),
        "deepCopy" | "mustDeepCopy" => want(a, 1).map(|_| a[0].deep_copy()),
        "dig" => (|| {
            want_at_least(a, 3)?;
            let n = a.len();
            let mut cur = a[n - 1].clone();
            let default = a[n - 2].clone();
            for k in &a[..n - 2] {
                let k = strval(k);
                match cur.map_snapshot().and_then(|m| m.get(&k).cloned()) {
                    Some(v) => cur = v,
                    None => return Ok(default),
                }
            }
            Ok(cur)
        })(),
        "default" => (|| {
            want_at_least(a, 1)?;
            match a.get(1) {
                Some(g) if !is_empty(g) => Ok(g.clone()),
                _ => Ok(a[0].clone()),
            }
        })(),
        "empty" => want(a, 1).map(|_| Value::Bool(is_empty(&a[0]))),
        "coalesce" => Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or_default()),
        "all" => Ok(Value::Bool(a.iter().all(|v| !is_empty(v)))),
        "any" => Ok(Value::Bool(a.iter().any(|v| !is_empty(v)))),
        "ternary" => (|| {
            want(a, 3)?;
            match &a[2] {
                Value::Bool(b) => Ok(if *b { a[0].clone() } else { a[1].clone() }),
                other => Err(format!(
                    "wrong type for value; expected bool; got {}",
                    other.type_name()
                )),
            }
        })(),
        "typeOf" => want(a, 1).map(|_| Value::from(a[0].type_name())),
        "kindOf" => want(a, 1).map(|_| Value::from(a[0].kind_name())),
        "kindIs" => (|| {
            want(a, 2)?;
            Ok(Value::Bool(arg_str(a, 0)? == a[1].kind_name()))
        })(),
        "typeIs" => (|| {
            want(a, 2)?;
            Ok(Value::Bool(arg_str(a, 0)? == a[1].type_name()))
        })(),
        "typeIsLike" => (|| {
            want(a, 2)?;
            let t = arg_str(a, 0)?;
            let n = a[1].type_name();
            Ok(Value::Bool(t == n || t == format!("*{n}")))
        })(),
        "deepEqual" => want(a, 2).map(|_| Value::Bool(a[0].deep_eq(&a[1]))),
        _ => return None,
    };
    Some(r)
}

fn arg_map(a: &[Value], i: usize) -> Result<Rc<std::cell::RefCell<Map>>, String> {
    match a.get(i) {
        Some(Value::Map(m)) => Ok(m.clone()),
        // A nil map reads as empty (writes are lost, as Go would panic on them).
        Some(Value::Nil) => Ok(Rc::new(std::cell::RefCell::new(Map::new()))),
        None => Err("invalid value; expected map[string]interface {}".into()),
        Some(v) => Err(format!(
            "wrong type for value; expected map[string]interface {{}}; got {}",
            v.type_name()
        )),
    }
}

/// mergo's deep merge of `src` into the shared map `dst`.
pub fn merge_into(dst: &Rc<std::cell::RefCell<Map>>, src: &Map, overwrite: bool, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for (k, sv) in src {
        if sv.is_nil() {
            continue;
        }
        let dv = dst.try_borrow().ok().and_then(|d| d.get(k).cloned());
        if let (Value::Map(sm), Some(Value::Map(dm))) = (sv, &dv) {
            if Rc::ptr_eq(sm, dm) {
                continue;
            }
            let s = sm.try_borrow().map(|m| m.clone()).unwrap_or_default();
            merge_into(dm, &s, overwrite, depth + 1);
            continue;
        }
        let dst_empty = dv.as_ref().is_none_or(is_empty);
        let set = match sv {
            Value::Map(_) | Value::List(_) => {
                dst_empty || (overwrite && matches!(sv, Value::List(_)))
            }
            _ => overwrite || dst_empty,
        };
        if set && let Ok(mut d) = dst.try_borrow_mut() {
            d.insert(k.clone(), sv.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::gofmt::format_v;

    fn v(name: &str, a: Vec<Value>) -> Value {
        call(name, &a).unwrap().unwrap()
    }

    #[test]
    fn dict_and_merge() {
        let d = v("dict", vec!["a".into(), Value::Int(1), "b".into()]);
        assert_eq!(format_v(&d), "map[a:1 b:]");
        let src = v(
            "dict",
            vec!["a".into(), Value::Int(2), "c".into(), Value::Int(3)],
        );
        let m = v("merge", vec![d.clone(), src.clone()]);
        assert_eq!(format_v(&m), "map[a:1 b:2 c:3]".replace("b:2", "b:"));
        let o = v("mergeOverwrite", vec![d.clone(), src]);
        assert_eq!(format_v(&o), "map[a:2 b: c:3]");
        assert_eq!(format_v(&v("get", vec![d.clone(), "zz".into()])), "");
        v("set", vec![d.clone(), "z".into(), Value::Bool(true)]);
        assert!(d.get("z").truthy());
    }

    #[test]
    fn defaults() {
        assert_eq!(format_v(&v("default", vec!["x".into(), "".into()])), "x");
        assert_eq!(format_v(&v("default", vec!["x".into()])), "x");
        assert_eq!(
            format_v(&v("default", vec!["x".into(), Value::Bool(false)])),
            "x"
        );
        assert_eq!(
            format_v(&v("coalesce", vec![Value::Nil, "".into(), "y".into()])),
            "y"
        );
        assert_eq!(
            format_v(&v(
                "ternary",
                vec!["a".into(), "b".into(), Value::Bool(false)]
            )),
            "b"
        );
    }
}
