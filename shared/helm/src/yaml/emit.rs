//! YAML encoding as Helm's `toYaml` produces it: sigs.k8s.io/yaml (JSON
//! numbers) through go-yaml v2's emitter: sorted keys, two-space indent,
//! sequences not indented under their key, literal blocks for multi-line
//! strings and go-yaml's quoting rules.

use super::scalar::{Writer, write_plain_token, write_string};
use crate::template::gofmt::format_float_v;
use crate::template::value::{MAX_DEPTH, Value};

/// Encode a value as a YAML document (ends with a newline).
pub fn to_yaml(v: &Value) -> Result<String, String> {
    encode(v, 0)
}

/// `toYamlPretty`: like [`to_yaml`], but sequences are indented under their
/// key and long strings are not folded, as Helm's yaml.v3 encoder with
/// `SetIndent(2)` writes them.
pub fn to_yaml_pretty(v: &Value) -> Result<String, String> {
    encode(v, 2)
}

fn encode(v: &Value, seq_indent: usize) -> Result<String, String> {
    let mut w = Writer::new();
    if seq_indent > 0 {
        w.width = usize::MAX;
    }
    let s = Style { seq_indent };
    match v {
        Value::Map(_) | Value::Files(_) if !is_empty_coll(v) => write_map(&mut w, s, v, 0, 0)?,
        Value::List(_) | Value::ApiVersions(_) if !is_empty_coll(v) => {
            write_list(&mut w, s, v, 0, 0)?
        }
        other => write_scalar(&mut w, other, 2),
    }
    w.write_indent(0);
    Ok(w.out)
}

/// Layout choices that differ between `toYaml` and `toYamlPretty`.
#[derive(Clone, Copy)]
struct Style {
    /// Extra indentation of a sequence that is a map value.
    seq_indent: usize,
}

fn is_empty_coll(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.try_borrow().map(|m| m.is_empty()).unwrap_or(true),
        Value::List(l) => l.is_empty(),
        Value::ApiVersions(l) => l.is_empty(),
        Value::Files(f) => f.is_empty(),
        _ => false,
    }
}

fn entries(v: &Value) -> Vec<(String, Value)> {
    let mut e: Vec<(String, Value)> = match v {
        Value::Map(_) => v.map_snapshot().unwrap_or_default().into_iter().collect(),
        Value::Files(f) => f.as_value_map().into_iter().collect(),
        _ => Vec::new(),
    };
    merge_sort(&mut e, &|a, b| {
        key_order(&a.0, &b.0) == std::cmp::Ordering::Less
    });
    e
}

/// A stable merge sort that tolerates comparators that are not total orders:
/// go-yaml's key order is not one for some digit-heavy keys, and the standard
/// library's sort may panic on such a comparator.
fn merge_sort<T: Clone>(v: &mut [T], less: &dyn Fn(&T, &T) -> bool) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    if n <= 12 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && less(&v[j], &v[j - 1]) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mid = n / 2;
    merge_sort(&mut v[..mid], less);
    merge_sort(&mut v[mid..], less);
    let (left, right) = (v[..mid].to_vec(), v[mid..].to_vec());
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        if less(&right[j], &left[i]) {
            v[k] = right[j].clone();
            j += 1;
        } else {
            v[k] = left[i].clone();
            i += 1;
        }
        k += 1;
    }
    for x in left[i..].iter().chain(right[j..].iter()) {
        v[k] = x.clone();
        k += 1;
    }
}

/// go-yaml v2's `keyList.Less` for string keys: letters by code point,
/// non-letters before letters, digit runs compared as numbers.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.as_ref().clone(),
        Value::ApiVersions(l) => l.iter().map(|s| Value::from(s.as_str())).collect(),
        _ => Vec::new(),
    }
}

fn is_block_map(v: &Value) -> bool {
    matches!(v, Value::Map(_) | Value::Files(_)) && !is_empty_coll(v)
}

fn is_block_list(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::ApiVersions(_)) && !is_empty_coll(v)
}

fn write_map(
    w: &mut Writer,
    s: Style,
    v: &Value,
    indent: usize,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    for (k, val) in entries(v) {
        w.write_indent(indent);
        write_string(w, &k, indent + 2, true);
        w.write_indicator(":", false, false, false);
        if is_block_map(&val) {
            write_map(w, s, &val, indent + 2, depth + 1)?;
        } else if is_block_list(&val) {
            write_list(w, s, &val, indent + s.seq_indent, depth + 1)?;
        } else {
            write_scalar(w, &val, indent + 2);
        }
    }
    Ok(())
}

fn write_list(
    w: &mut Writer,
    s: Style,
    v: &Value,
    indent: usize,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    for item in items(v) {
        w.write_indent(indent);
        w.write_indicator("-", true, false, true);
        if is_block_map(&item) {
            write_map(w, s, &item, indent + 2, depth + 1)?;
        } else if is_block_list(&item) {
            write_list(w, s, &item, indent + 2, depth + 1)?;
        } else {
            write_scalar(w, &item, indent + 2);
        }
    }
    Ok(())
}

/// A scalar (or empty collection) in its go-yaml form.
fn write_scalar(w: &mut Writer, v: &Value, indent: usize) {
    match v {
        Value::Str(s) => write_string(w, s, indent, false),
        Value::Stringer(_, s) => write_string(w, s, indent, false),
        Value::Nil => write_plain_token(w, "null"),
        Value::Bool(b) => write_plain_token(w, if *b { "true" } else { "false" }),
        Value::Int(i) => write_plain_token(w, &i.to_string()),
        Value::Float(f) => write_plain_token(w, &json_number(*f)),
        Value::Map(_) | Value::Files(_) => write_plain_token(w, "{}"),
        Value::List(_) | Value::ApiVersions(_) => write_plain_token(w, "[]"),
    }
}

/// A float after a JSON round trip: integral values become integers.
fn json_number(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return format!("{}", f as i64);
    }
    format_float_v(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::parse_yaml;

    fn y(text: &str) -> String {
        to_yaml(&parse_yaml(text).unwrap()).unwrap()
    }

    #[test]
    fn pretty_indents_sequences_and_does_not_fold() {
        let v = parse_yaml(&format!(
            "a: [1, [2, 3], {{b: [x]}}]\nl: {}\n",
            "w ".repeat(60)
        ))
        .unwrap();
        assert_eq!(
            to_yaml_pretty(&v).unwrap(),
            format!(
                "a:\n  - 1\n  - - 2\n    - 3\n  - b:\n      - x\nl: {}\n",
                "w ".repeat(60).trim_end()
            )
        );
        assert!(to_yaml(&v).unwrap().starts_with("a:\n- 1\n"));
    }

    #[test]
    fn emits_go_yaml_layout() {
        assert_eq!(
            y("b: 1\na:\n  - x\n  - k: v\n    j: w\n"),
            "a:\n- x\n- j: w\n  k: v\nb: 1\n"
        );
        assert_eq!(y("a: {}\nb: []\nc: null\n"), "a: {}\nb: []\nc: null\n");
        assert_eq!(
            y("a: 'true'\nb: '123'\nc: 'x: y'\nd: ''\ne: '*x'\n"),
            "a: \"true\"\nb: \"123\"\nc: 'x: y'\nd: \"\"\ne: '*x'\n"
        );
        assert_eq!(y("a: \"l1\\nl2\\n\"\n"), "a: |\n  l1\n  l2\n");
        assert_eq!(y("a: \"l1\\nl2\"\n"), "a: |-\n  l1\n  l2\n");
        assert_eq!(to_yaml(&Value::Float(3.0)).unwrap(), "3\n");
        assert_eq!(y("- - a\n  - b\n"), "- - a\n  - b\n");
    }

    #[test]
    fn key_order_is_natural_and_never_panics() {
        let keys = [
            "a10",
            "a9",
            "b",
            "A",
            "1",
            "01",
            "0333330y8g",
            "33)1#",
            ";30y3)1g",
            ";30y8g",
            "p33)1",
            "033)1#",
            "717",
        ];
        let mut m = crate::template::value::Map::new();
        for k in keys {
            m.insert(k.to_string(), Value::Int(1));
        }
        let out = to_yaml(&Value::from(m)).unwrap();
        let a9 = out.find("a9:").unwrap();
        let a10 = out.find("a10:").unwrap();
        assert!(a9 < a10, "{out}");
    }

    #[test]
    fn round_trips_as_data() {
        let src =
            "a:\n  b: [1, 2.5, 'x y', 'on', '']\n  c: |\n    multi\n     line\n  d: \"  lead\"\n";
        let v = parse_yaml(src).unwrap();
        let back = parse_yaml(&to_yaml(&v).unwrap()).unwrap();
        assert!(v.deep_eq(&back));
    }
}
