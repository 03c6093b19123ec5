//! Dotted field paths of replacements and vars: `spec.containers.[name=app].image`,
//! `spec.ports[0].port`, `metadata.annotations.[a.b/c]`.

use serde_json::{Map, Value};

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A map key.
    Field(String),
    /// A list index.
    Index(usize),
    /// The list element whose `key` equals `value` (key empty: scalar elements).
    Match(String, String),
    /// Every element of a list or value of a map.
    Wildcard,
}

/// Parses a dotted path.
pub fn parse(path: &str) -> Vec<Step> {
    let mut raw = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => {
                if depth == 0 && !cur.is_empty() {
                    raw.push(std::mem::take(&mut cur));
                }
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth -= 1;
                cur.push(c);
                if depth == 0 {
                    raw.push(std::mem::take(&mut cur));
                }
            }
            '.' if depth == 0 => {
                if !cur.is_empty() {
                    raw.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        raw.push(cur);
    }
    raw.into_iter()
        .map(|s| {
            if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                if let Some((k, v)) = inner.split_once('=') {
                    return Step::Match(k.to_string(), v.to_string());
                }
                if let Ok(i) = inner.parse() {
                    return Step::Index(i);
                }
                return Step::Field(inner.to_string());
            }
            if s == "*" {
                Step::Wildcard
            } else {
                Step::Field(s)
            }
        })
        .collect()
}

fn step_value<'a>(v: &'a Value, step: &Step) -> Vec<&'a Value> {
    match (step, v) {
        (Step::Field(f), Value::Object(m)) => m.get(f).into_iter().collect(),
        (Step::Field(f), Value::Array(a)) => match f.parse::<usize>() {
            Ok(i) => a.get(i).into_iter().collect(),
            Err(_) => Vec::new(),
        },
        (Step::Index(i), Value::Array(a)) => a.get(*i).into_iter().collect(),
        (Step::Match(k, val), Value::Array(a)) => {
            a.iter().filter(|e| matches_elem(e, k, val)).collect()
        }
        (Step::Wildcard, Value::Array(a)) => a.iter().collect(),
        (Step::Wildcard, Value::Object(m)) => m.values().collect(),
        _ => Vec::new(),
    }
}

fn matches_elem(e: &Value, k: &str, val: &str) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if k.is_empty() {
        return text(e) == val;
    }
    e.get(k).is_some_and(|x| text(x) == val)
}

/// All values at `steps`.
pub fn get<'a>(v: &'a Value, steps: &[Step]) -> Vec<&'a Value> {
    let mut cur = vec![v];
    for s in steps {
        cur = cur.into_iter().flat_map(|n| step_value(n, s)).collect();
    }
    cur
}

/// Calls `f` on each value at `steps`, creating missing map fields when `create`.
/// Returns how many values were visited.
pub fn visit_mut(
    v: &mut Value,
    steps: &[Step],
    create: bool,
    f: &mut dyn FnMut(&mut Value),
) -> usize {
    let Some((first, rest)) = steps.split_first() else {
        f(v);
        return 1;
    };
    match (first, &mut *v) {
        (Step::Field(k), Value::Object(m)) => {
            if !m.contains_key(k) {
                if !create {
                    return 0;
                }
                let fresh = match rest.first() {
                    Some(Step::Index(_)) | Some(Step::Match(..)) => Value::Array(Vec::new()),
                    Some(_) => Value::Object(Map::new()),
                    None => Value::Null,
                };
                m.insert(k.clone(), fresh);
            }
            match m.get_mut(k) {
                Some(n) => visit_mut(n, rest, create, f),
                None => 0,
            }
        }
        (Step::Field(k), Value::Array(a)) => match k.parse::<usize>() {
            Ok(i) => a.get_mut(i).map_or(0, |n| visit_mut(n, rest, create, f)),
            Err(_) => 0,
        },
        (Step::Index(i), Value::Array(a)) => {
            a.get_mut(*i).map_or(0, |n| visit_mut(n, rest, create, f))
        }
        (Step::Match(k, val), Value::Array(a)) => {
            let mut n = 0;
            for e in a.iter_mut() {
                if matches_elem(e, k, val) {
                    n += visit_mut(e, rest, create, f);
                }
            }
            if n == 0 && create && !k.is_empty() {
                let mut m = Map::new();
                m.insert(k.clone(), Value::String(val.clone()));
                a.push(Value::Object(m));
                if let Some(last) = a.last_mut() {
                    n += visit_mut(last, rest, create, f);
                }
            }
            n
        }
        (Step::Wildcard, Value::Array(a)) => {
            a.iter_mut().map(|e| visit_mut(e, rest, create, f)).sum()
        }
        (Step::Wildcard, Value::Object(m)) => {
            m.values_mut().map(|e| visit_mut(e, rest, create, f)).sum()
        }
        (_, Value::Null) if create => {
            *v = match first {
                Step::Field(_) => Value::Object(Map::new()),
                _ => Value::Array(Vec::new()),
            };
            visit_mut(v, steps, create, f)
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_walks() {
        let steps = parse("spec.containers.[name=b].image");
        assert_eq!(steps.len(), 4);
        let v = json!({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}});
        assert_eq!(get(&v, &steps), vec![&json!("2")]);
        assert_eq!(
            parse("metadata.annotations.[a.b/c]")[2],
            Step::Field("a.b/c".into())
        );
        assert_eq!(parse("spec.ports[0].port")[2], Step::Index(0));
    }
}
