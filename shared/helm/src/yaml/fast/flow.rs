//! Flow collections that open and close on one line (`[a, "b", 1]`,
//! `{key: app, values: [x]}`), without empty entries, trailing commas,
//! implicit nulls or anything else the fast path leaves to serde-saphyr.

use super::MAX_DEPTH;
use super::resolve::{Scalar, double_quoted, plain_start, resolve_plain, single_quoted};
use crate::template::value::{Map, Value};

fn spaces(t: &[u8], j: usize) -> usize {
    j + t[j..].iter().take_while(|c| **c == b' ').count()
}

/// The flow node at `j` of `line`: its value (nil unless `build`) and the
/// index after it.
pub(super) fn node<const F: bool>(
    line: &str,
    j: usize,
    depth: usize,
    build: bool,
) -> Option<(Value, usize)> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let t = line.as_bytes();
    let (close, is_map) = match t.get(j)? {
        b'[' => (b']', false),
        b'{' => (b'}', true),
        _ => {
            let (s, e) = scalar(line, j, false)?;
            return Some((
                if build {
                    s.into_value::<F>()
                } else {
                    Value::Nil
                },
                e,
            ));
        }
    };
    let mut items = Vec::new();
    let mut m = Map::new();
    let mut j = spaces(t, j + 1);
    if t.get(j) != Some(&close) {
        loop {
            let e = if is_map {
                let (k, e) = scalar(line, j, true)?;
                if t.get(e) != Some(&b':') || t.get(e + 1) != Some(&b' ') {
                    return None;
                }
                let (v, e) = node::<F>(line, spaces(t, e + 1), depth + 1, build)?;
                if build {
                    m.insert(k.into_key(), v);
                }
                e
            } else {
                let (v, e) = node::<F>(line, j, depth + 1, build)?;
                if build {
                    items.push(v);
                }
                e
            };
            j = spaces(t, e);
            match t.get(j)? {
                b',' => {
                    j = spaces(t, j + 1);
                    if t.get(j) == Some(&close) {
                        return None;
                    }
                }
                c if *c == close => break,
                _ => return None,
            }
        }
    }
    let v = match (build, is_map) {
        (false, _) => Value::Nil,
        (true, true) => Value::from(m),
        (true, false) => Value::from(items),
    };
    Some((v, j + 1))
}

/// A scalar inside a flow collection (a `key` ends before `: `).
fn scalar(line: &str, j: usize, key: bool) -> Option<(Scalar<'_>, usize)> {
    let t = line.as_bytes();
    match t.get(j)? {
        b'"' => {
            let (s, e) = double_quoted(line, j + 1)?;
            Some((Scalar::Str(s), e?))
        }
        b'\'' => {
            let (s, e) = single_quoted(line, j + 1)?;
            Some((Scalar::Str(s), e?))
        }
        _ => {
            if !plain_start(&t[j..]) {
                return None;
            }
            let mut e = j;
            while e < t.len() && !matches!(t[e], b',' | b']' | b'}') {
                if key && t[e] == b':' && t.get(e + 1) == Some(&b' ') {
                    break;
                }
                if matches!(t[e], b'[' | b'{' | b'#' | b':') {
                    return None;
                }
                e += 1;
            }
            Some((resolve_plain(line[j..e].trim_end_matches(' '))?, e))
        }
    }
}
