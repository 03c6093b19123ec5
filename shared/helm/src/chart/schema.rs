//! values.schema.json validation: the JSON Schema keywords charts use
//! (types, properties, required, items, enums, bounds, patterns,
//! combinators and local `$ref`s).

use regex::Regex;
use serde_json::Value as J;

use crate::template::value::Value;

const MAX_DEPTH: usize = 200;

/// Convert template values to JSON for validation.
pub fn to_json(v: &Value) -> J {
    to_json_depth(v, 0)
}

fn to_json_depth(v: &Value, d: usize) -> J {
    if d > MAX_DEPTH {
        return J::Null;
    }
    match v {
        Value::Nil => J::Null,
        Value::Stringer(_, s) => J::String(s.to_string()),
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9e15 {
                J::from(*f as i64)
            } else {
                serde_json::Number::from_f64(*f)
                    .map(J::Number)
                    .unwrap_or(J::Null)
            }
        }
        Value::Str(s) => J::String(s.to_string()),
        Value::List(l) => J::Array(l.iter().map(|e| to_json_depth(e, d + 1)).collect()),
        Value::Map(_) => J::Object(
            v.map_snapshot()
                .unwrap_or_default()
                .iter()
                .map(|(k, e)| (k.clone(), to_json_depth(e, d + 1)))
                .collect(),
        ),
        Value::ApiVersions(l) => J::Array(l.iter().map(|s| J::String(s.clone())).collect()),
        Value::Files(_) => J::Object(Default::default()),
    }
}

/// Validate; returns the list of `- at '<path>': <problem>` lines.
pub fn validate(schema: &J, instance: &J) -> Vec<String> {
    // Helm 4 compiles the schema with references resolved against `file:///`,
    // so any non-local `$ref` fails to load whatever the values are.
    if let Some(r) = external_ref(schema, 0) {
        return vec![format!(
            "failing loading \"file:///{}\": open /{}: no such file or directory",
            r.trim_start_matches("./"),
            r.trim_start_matches("./")
        )];
    }
    let mut errs = Vec::new();
    let root = Root {
        schema,
        regexes: Default::default(),
    };
    check(&root, schema, instance, "", &mut errs, 0);
    errs
}

/// The schema being checked, with its patterns compiled once per validation
/// (a schema names the same patterns for every element it checks).
struct Root<'s> {
    schema: &'s J,
    regexes: std::cell::RefCell<std::collections::HashMap<String, Option<Regex>>>,
}

impl Root<'_> {
    fn regex(&self, pattern: &str) -> Option<Regex> {
        let mut cache = self.regexes.borrow_mut();
        if let Some(re) = cache.get(pattern) {
            return re.clone();
        }
        let re = Regex::new(pattern).ok();
        cache.insert(pattern.to_string(), re.clone());
        re
    }
}

fn external_ref(s: &J, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match s {
        J::Object(o) => {
            if let Some(J::String(r)) = o.get("$ref")
                && !r.starts_with('#')
            {
                return Some(r.clone());
            }
            o.values().find_map(|v| external_ref(v, depth + 1))
        }
        J::Array(a) => a.iter().find_map(|v| external_ref(v, depth + 1)),
        _ => None,
    }
}

fn type_ok(t: &str, v: &J) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    }
}

fn type_name(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(n) => {
            if n.as_f64().is_some_and(|f| f.fract() == 0.0) {
                "integer"
            } else {
                "number"
            }
        }
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

fn resolve<'a>(root: &'a J, r: &str) -> Option<&'a J> {
    let p = r.strip_prefix('#')?;
    if p.is_empty() {
        return Some(root);
    }
    root.pointer(p)
}

fn check(root: &Root<'_>, s: &J, v: &J, at: &str, errs: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let J::Object(s) = s else {
        if s == &J::Bool(false) {
            errs.push(format!("- at '{at}': false schema"));
        }
        return;
    };
    let s = Keywords(s);
    if let Some(J::String(r)) = s.get("$ref")
        && let Some(t) = resolve(root.schema, r)
    {
        check(root, t, v, at, errs, depth + 1);
    }
    let mut err = |m: String| errs.push(format!("- at '{at}': {m}"));
    match s.get("type") {
        Some(J::String(t)) if !type_ok(t, v) => err(format!("got {}, want {t}", type_name(v))),
        Some(J::Array(ts)) if !ts.iter().any(|t| t.as_str().is_some_and(|t| type_ok(t, v))) => {
            let want: Vec<&str> = ts.iter().filter_map(J::as_str).collect();
            err(format!("got {}, want {}", type_name(v), want.join(" or ")));
        }
        _ => {}
    }
    if let Some(J::Array(e)) = s.get("enum")
        && !e.iter().any(|x| json_eq(x, v))
    {
        err(format!(
            "value must be one of {}",
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(c) = s.get("const")
        && !json_eq(c, v)
    {
        err(format!("value must be {c}"));
    }
    if let Some(f) = v.as_f64() {
        if let Some(m) = s.get("minimum").and_then(J::as_f64)
            && f < m
        {
            err(format!("minimum: got {v}, want {}", s["minimum"]));
        }
        if let Some(m) = s.get("maximum").and_then(J::as_f64)
            && f > m
        {
            err(format!("maximum: got {v}, want {}", s["maximum"]));
        }
        if let Some(m) = s.get("exclusiveMinimum").and_then(J::as_f64)
            && f <= m
        {
            err(format!("exclusiveMinimum: got {v}, want {m}"));
        }
        if let Some(m) = s.get("exclusiveMaximum").and_then(J::as_f64)
            && f >= m
        {
            err(format!("exclusiveMaximum: got {v}, want {m}"));
        }
        if let Some(m) = s.get("multipleOf").and_then(J::as_f64)
            && m != 0.0
            && (f / m).fract() != 0.0
        {
            err(format!("multipleOf: got {v}, want {m}"));
        }
    }
    if let J::String(st) = v {
        let n = st.chars().count() as u64;
        if let Some(m) = s.get("minLength").and_then(J::as_u64)
            && n < m
        {
            err(format!("minLength: got {n}, want {m}"));
        }
        if let Some(m) = s.get("maxLength").and_then(J::as_u64)
            && n > m
        {
            err(format!("maxLength: got {n}, want {m}"));
        }
        if let Some(J::String(p)) = s.get("pattern")
            && let Some(re) = root.regex(p)
            && !re.is_match(st)
        {
            err(format!("'{st}' does not match pattern '{p}'"));
        }
    }
    if let J::Array(items) = v {
        if let Some(m) = s.get("minItems").and_then(J::as_u64)
            && (items.len() as u64) < m
        {
            err(format!("minItems: got {}, want {m}", items.len()));
        }
        if let Some(m) = s.get("maxItems").and_then(J::as_u64)
            && (items.len() as u64) > m
        {
            err(format!("maxItems: got {}, want {m}", items.len()));
        }
        match s.get("items") {
            Some(J::Array(ss)) => {
                for (i, (it, sc)) in items.iter().zip(ss.iter()).enumerate() {
                    check(root, sc, it, &format!("{at}/{i}"), errs, depth + 1);
                }
            }
            Some(sc) => {
                for (i, it) in items.iter().enumerate() {
                    check(root, sc, it, &format!("{at}/{i}"), errs, depth + 1);
                }
            }
            None => {}
        }
    }
    if let J::Object(obj) = v {
        if let Some(J::Array(req)) = s.get("required") {
            for r in req.iter().filter_map(J::as_str) {
                if !obj.contains_key(r) {
                    errs.push(format!("- at '{at}': missing property '{r}'"));
                }
            }
        }
        let props = s.get("properties").and_then(J::as_object);
        let pats: Vec<(Regex, &J)> = s
            .get("patternProperties")
            .and_then(J::as_object)
            .map(|p| {
                p.iter()
                    .filter_map(|(k, v)| root.regex(k).map(|r| (r, v)))
                    .collect()
            })
            .unwrap_or_default();
        for (k, pv) in obj {
            let path = format!("{at}/{k}");
            let mut matched = false;
            if let Some(ps) = props.and_then(|p| p.get(k)) {
                matched = true;
                check(root, ps, pv, &path, errs, depth + 1);
            }
            for (re, ps) in &pats {
                if re.is_match(k) {
                    matched = true;
                    check(root, ps, pv, &path, errs, depth + 1);
                }
            }
            if !matched {
                match s.get("additionalProperties") {
                    Some(J::Bool(false)) => errs.push(format!(
                        "- at '{at}': additional properties '{k}' not allowed"
                    )),
                    Some(ap @ J::Object(_)) => check(root, ap, pv, &path, errs, depth + 1),
                    _ => {}
                }
            }
        }
    }
    let sub_ok = |sc: &J| {
        let mut e = Vec::new();
        check(root, sc, v, at, &mut e, depth + 1);
        e.is_empty()
    };
    if let Some(J::Array(all)) = s.get("allOf") {
        for sc in all {
            check(root, sc, v, at, errs, depth + 1);
        }
    }
    if let Some(J::Array(any)) = s.get("anyOf")
        && !any.iter().any(sub_ok)
    {
        errs.push(format!("- at '{at}': anyOf failed"));
    }
    if let Some(J::Array(one)) = s.get("oneOf")
        && one.iter().filter(|sc| sub_ok(sc)).count() != 1
    {
        errs.push(format!("- at '{at}': oneOf failed"));
    }
    if let Some(n) = s.get("not")
        && sub_ok(n)
    {
        errs.push(format!("- at '{at}': not failed"));
    }
    if let Some(i) = s.get("if") {
        let branch = if sub_ok(i) {
            s.get("then")
        } else {
            s.get("else")
        };
        if let Some(b) = branch {
            check(root, b, v, at, errs, depth + 1);
        }
    }
}

/// A schema object's keywords. A schema object has a handful of entries and
/// is asked for two dozen keywords: a scan beats hashing each name.
struct Keywords<'a>(&'a serde_json::Map<String, J>);

impl<'a> Keywords<'a> {
    fn get(&self, keyword: &str) -> Option<&'a J> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == keyword)
            .map(|(_, v)| v)
    }
}

impl std::ops::Index<&str> for Keywords<'_> {
    type Output = J;

    fn index(&self, keyword: &str) -> &J {
        static NULL: J = J::Null;
        self.get(keyword).unwrap_or(&NULL)
    }
}

fn json_eq(a: &J, b: &J) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_common_keywords() {
        let s: J = serde_json::from_str(r#"{"type":"object","required":["name","employmentInfo"],"properties":{"age":{"type":"integer","minimum":0},"name":{"type":"string","pattern":"^[a-z]+$"}}}"#).unwrap();
        let v: J = serde_json::from_str(r#"{"age":-5,"name":"bob"}"#).unwrap();
        let e = validate(&s, &v);
        assert_eq!(
            e,
            vec![
                "- at '': missing property 'employmentInfo'".to_string(),
                "- at '/age': minimum: got -5, want 0".to_string()
            ]
        );
        let ok: J = serde_json::from_str(r#"{"age":5,"name":"bob","employmentInfo":{}}"#).unwrap();
        assert!(validate(&s, &ok).is_empty());
    }
}
