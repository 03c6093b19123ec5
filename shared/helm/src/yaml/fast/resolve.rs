//! Scalars for the fast path: plain-scalar resolution (the subset of
//! serde-saphyr's YAML 1.1 resolution that is certain), quoted scalars on one
//! line, and the byte checks that keep the fast path away from anything odd.

use std::borrow::Cow;

use crate::template::gofmt::format_float_v;
use crate::template::value::Value;

/// A resolved scalar, borrowed from the input where possible.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    /// The value; integers become `float64` when `FLOATS`.
    pub(super) fn into_value<const FLOATS: bool>(self) -> Value {
        match self {
            Scalar::Nil => Value::Nil,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) if FLOATS => Value::Float(i as f64),
            Scalar::Int(i) => Value::Int(i),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Str(s) => Value::from(&*s),
        }
    }

    /// A map key's text, as `direct.rs` turns typed keys into strings.
    pub(super) fn into_key(self) -> String {
        match self {
            Scalar::Nil => "null".into(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => format_float_v(f),
            Scalar::Str(s) => s.into_owned(),
        }
    }

    /// Is this the string `s` (a key compared without allocating)?
    pub(super) fn is_str(&self, s: &str) -> bool {
        matches!(self, Scalar::Str(t) if t == s)
    }
}

/// Can a plain scalar start with this text? Only the unambiguous starts:
/// indicators, `+`, `<<`, `-.` and the like bail.
pub(super) fn plain_start(rest: &[u8]) -> bool {
    let next = rest.get(1).copied().unwrap_or(b' ');
    match rest.first() {
        Some(c) if c.is_ascii_alphanumeric() || *c >= 0x80 => true,
        Some(b'/' | b'_' | b'$' | b'(' | b'^' | b';' | b'.') => true,
        Some(b'-') => next.is_ascii_alphanumeric() || next == b'-',
        Some(b':' | b'<') => next.is_ascii_alphanumeric() || next == b'_',
        Some(b'~') => matches!(next, b' ' | b':' | b',' | b']' | b'}'),
        _ => false,
    }
}

/// Words that some spelling of resolves to a bool or null. (`inf`, `nan`
/// and `infinity` are strings: only digit-led or dotted spellings are floats.)
const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

/// Could serde-saphyr read this digit-led text (sign removed) as an integer
/// (any radix, legacy octal, `_` separators)?
fn maybe_int(u: &[u8]) -> bool {
    let radix = u.len() > 1 && u[0] == b'0' && matches!(u[1] | 0x20, b'x' | b'o' | b'b');
    radix || u.iter().all(|c| c.is_ascii_digit() || *c == b'_')
}

/// Could Rust's float parser read this digit-led text (with its sign)?
fn maybe_float(t: &[u8]) -> bool {
    let mut dots = 0;
    for (i, c) in t.iter().enumerate() {
        match c {
            b'0'..=b'9' | b'e' | b'E' => {}
            b'.' => dots += 1,
            b'+' | b'-' if i == 0 || matches!(t[i - 1], b'e' | b'E') => {}
            _ => return false,
        }
    }
    dots <= 1
}

/// Resolve a plain scalar (already trimmed, non-empty, `plain_start`), or
/// `None` when serde-saphyr's answer is not certain.
pub(super) fn resolve_plain(t: &str) -> Option<Scalar<'_>> {
    match t {
        "~" | "null" | "Null" | "NULL" => return Some(Scalar::Nil),
        "true" | "True" | "TRUE" => return Some(Scalar::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Scalar::Bool(false)),
        _ => {}
    }
    let b = t.as_bytes();
    let u = b.strip_prefix(b"-").unwrap_or(b);
    let first = *u.first()?;
    if first == b'.' {
        // `.5`, `.inf`, `.nan` are floats; `.x` is not.
        if u.get(1).is_none_or(u8::is_ascii_digit)
            || [b".inf", b".nan"]
                .iter()
                .any(|w| u.eq_ignore_ascii_case(*w))
        {
            return None;
        }
        return Some(Scalar::Str(Cow::Borrowed(t)));
    }
    if !first.is_ascii_digit() {
        if first == b'~' || WORDS.iter().any(|w| t.eq_ignore_ascii_case(w)) {
            return None;
        }
        return Some(Scalar::Str(Cow::Borrowed(t)));
    }
    let int_len = if first == b'0' {
        1
    } else {
        u.iter().take_while(|c| c.is_ascii_digit()).count()
    };
    let tail = &u[int_len..];
    if tail.is_empty() {
        if t == "-0" {
            return None;
        }
        return t.parse::<i64>().ok().map(Scalar::Int);
    }
    if first == b'0'
        && b[0] == b'0'
        && tail.len() <= 20
        && tail.iter().all(|c| matches!(c, b'0'..=b'7'))
    {
        // Legacy (YAML 1.1) octal, as `legacy_octal_numbers` reads it.
        return i64::from_str_radix(&t[1..], 8).ok().map(Scalar::Int);
    }
    if tail[0] == b'.' && tail.len() > 1 && tail[1..].iter().all(u8::is_ascii_digit) {
        return t.parse::<f64>().ok().map(Scalar::Float);
    }
    if maybe_int(u) || maybe_float(b) {
        return None;
    }
    Some(Scalar::Str(Cow::Borrowed(t)))
}

/// A quoted scalar's text up to its closing quote (and the index after the
/// quote) or up to the end of the line (`None`, the scalar goes on).
pub(super) type Quoted<'a> = (Cow<'a, str>, Option<usize>);

/// A quoted scalar's text from `from` to `i`: borrowed from the line unless
/// an escape made a copy (`owned`, complete up to `run`).
fn quoted_text(
    line: &str,
    from: usize,
    owned: Option<String>,
    run: usize,
    i: usize,
) -> Cow<'_, str> {
    match owned {
        Some(mut s) => {
            s.push_str(&line[run..i]);
            Cow::Owned(s)
        }
        None => Cow::Borrowed(&line[from..i]),
    }
}

/// The part of a double-quoted scalar from `from` (after the opening quote
/// or a line's indentation) to its closing quote or the end of the line;
/// `None` for an escape outside `\\ \" \/ \n \t \r \0 \uXXXX`.
pub(super) fn double_quoted(line: &str, from: usize) -> Option<Quoted<'_>> {
    let b = line.as_bytes();
    let mut i = from;
    let mut owned: Option<String> = None;
    let mut run = from;
    let text = |owned, run, i| quoted_text(line, from, owned, run, i);
    while i < b.len() {
        match b[i] {
            b'"' => return Some((text(owned, run, i), Some(i + 1))),
            b'\\' => {
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&line[run..i]);
                let (c, len) = match *b.get(i + 1)? {
                    b'\\' => ('\\', 2),
                    b'"' => ('"', 2),
                    b'/' => ('/', 2),
                    b'n' => ('\n', 2),
                    b't' => ('\t', 2),
                    b'r' => ('\r', 2),
                    b'0' => ('\0', 2),
                    b'u' => {
                        let hex = line.get(i + 2..i + 6)?;
                        if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                            return None;
                        }
                        (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 6)
                    }
                    _ => return None,
                };
                s.push(c);
                i += len;
                run = i;
            }
            _ => i += 1,
        }
    }
    Some((text(owned, run, i), None))
}

/// Like [`double_quoted`] for a single-quoted scalar (`''` is a quote).
pub(super) fn single_quoted(line: &str, from: usize) -> Option<Quoted<'_>> {
    let b = line.as_bytes();
    let mut i = from;
    let mut owned: Option<String> = None;
    let mut run = from;
    let text = |owned, run, i| quoted_text(line, from, owned, run, i);
    while i < b.len() {
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&line[run..=i]);
                i += 2;
                run = i;
                continue;
            }
            return Some((text(owned, run, i), Some(i + 1)));
        }
        i += 1;
    }
    Some((text(owned, run, i), None))
}

/// Is every character printable for YAML and free of line-break lookalikes?
/// Rejects tabs, carriage returns, control characters, C1 controls (NEL),
/// U+2028/U+2029, a BOM and U+FFFE/U+FFFF.
pub(super) fn plain_bytes(line: &[u8]) -> bool {
    // Printable ASCII, the common case, checked without branches per byte.
    if line
        .iter()
        .fold(true, |ok, c| ok & (c.wrapping_sub(0x20) < 0x5f))
    {
        return true;
    }
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if c < 0x80 {
            if c < 0x20 || c == 0x7f {
                return false;
            }
            i += 1;
            continue;
        }
        match (c, line.get(i + 1), line.get(i + 2)) {
            (0xc2, Some(d), _) if *d < 0xa0 => return false,
            (0xe2, Some(0x80), Some(0xa8 | 0xa9)) => return false,
            (0xef, Some(0xbb), Some(0xbf)) => return false,
            (0xef, Some(0xbf), Some(0xbe | 0xbf)) => return false,
            _ => i += 1,
        }
    }
    true
}
