//! Sprig's string functions (and its regex and random-string functions).

use std::cell::Cell;

use regex::Regex;

use super::text::{abbrev_full, camelcase, delimit, swapcase, title, untitle, wrap};
use super::{FnResult, arg_int, arg_str, strval, to_i64, want, want_at_least};
use crate::template::gofmt::go_quote;
use crate::template::value::{Map, Value};

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "trim",
    "trimAll",
    "trimall",
    "trimPrefix",
    "trimSuffix",
    "upper",
    "lower",
    "title",
    "untitle",
    "repeat",
    "substr",
    "nospace",
    "trunc",
    "abbrev",
    "abbrevboth",
    "initials",
    "wrap",
    "wrapWith",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "quote",
    "squote",
    "cat",
    "indent",
    "nindent",
    "replace",
    "plural",
    "snakecase",
    "camelcase",
    "kebabcase",
    "swapcase",
    "shuffle",
    "toString",
    "toStrings",
    "join",
    "split",
    "splitList",
    "splitn",
    "sortAlpha",
    "regexMatch",
    "mustRegexMatch",
    "regexFindAll",
    "mustRegexFindAll",
    "regexFind",
    "mustRegexFind",
    "regexReplaceAll",
    "mustRegexReplaceAll",
    "regexReplaceAllLiteral",
    "mustRegexReplaceAllLiteral",
    "regexSplit",
    "mustRegexSplit",
    "regexQuoteMeta",
    "randAlphaNum",
    "randAlpha",
    "randNumeric",
    "randAscii",
    "uuidv4",
];

/// Sprig's `indent`: `pad` spaces before the text and after every newline in
/// it (and a newline first for `nindent`), built in one pass.
fn indent(s: &str, pad: usize, leading_newline: bool) -> String {
    let newlines = memchr::memchr_iter(b'\n', s.as_bytes()).count();
    let mut out = String::with_capacity(s.len() + pad * (newlines + 1) + 1);
    if leading_newline {
        out.push('\n');
    }
    let spaces = |out: &mut String| out.extend(std::iter::repeat_n(' ', pad));
    spaces(&mut out);
    let mut last = 0;
    for i in memchr::memchr_iter(b'\n', s.as_bytes()) {
        out.push_str(&s[last..=i]);
        spaces(&mut out);
        last = i + 1;
    }
    out.push_str(&s[last..]);
    out
}

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "trim" => s1(a, |s| s.trim().to_string()),
        "upper" => s1(a, str::to_uppercase),
        "lower" => s1(a, str::to_lowercase),
        "title" => s1(a, title),
        "untitle" => s1(a, untitle),
        "nospace" => s1(a, |s| s.chars().filter(|c| !c.is_whitespace()).collect()),
        "initials" => s1(a, |s| s.split_whitespace().filter_map(|w| w.chars().next()).collect()),
        "swapcase" => s1(a, swapcase),
        "snakecase" => s1(a, |s| delimit(s, '_')),
        "kebabcase" => s1(a, |s| delimit(s, '-')),
        "camelcase" => s1(a, camelcase),
        "shuffle" => s1(a, |s| s.to_string()),
        "trimAll" | "trimall" => s2(a, |cut, s| s.trim_matches(|c| cut.contains(c)).to_string()),
        "trimPrefix" => s2(a, |p, s| s.strip_prefix(p).unwrap_or(s).to_string()),
        "trimSuffix" => s2(a, |p, s| s.strip_suffix(p).unwrap_or(s).to_string()),
        "contains" => b2(a, |sub, s| s.contains(sub)),
        "hasPrefix" => b2(a, |p, s| s.starts_with(p)),
        "hasSuffix" => b2(a, |p, s| s.ends_with(p)),
        "repeat" => (|| {
            want(a, 2)?;
            let n = arg_int(a, 0)?;
            let s = arg_str(a, 1)?;
            if n < 0 || (n as usize).saturating_mul(s.len()) > 64 << 20 {
                return Err("repeat count out of range".to_string());
            }
            Ok(Value::from(s.repeat(n as usize)))
        })(),
        "substr" => (|| {
            want(a, 3)?;
            Ok(Value::from(substr(arg_int(a, 0)?, arg_int(a, 1)?, arg_str(a, 2)?)))
        })(),
        "trunc" => (|| {
            want(a, 2)?;
            Ok(Value::from(trunc(arg_int(a, 0)?, arg_str(a, 1)?)))
        })(),
        "abbrev" => (|| {
            want(a, 2)?;
            let w = arg_int(a, 0)?;
            let s = arg_str(a, 1)?;
            if w < 4 || s.chars().count() <= w as usize {
                return Ok(Value::from(s));
            }
            let t: String = s.chars().take(w as usize - 3).collect();
            Ok(Value::from(format!("{t}...")))
        })(),
        "abbrevboth" => (|| {
            want(a, 3)?;
            Ok(Value::from(abbrev_full(arg_str(a, 2)?, arg_int(a, 0)?, arg_int(a, 1)?)))
        })(),
        "wrap" => (|| {
            want(a, 2)?;
            Ok(Value::from(wrap(arg_int(a, 0)?, arg_str(a, 1)?, "\n")))
        })(),
        "wrapWith" => (|| {
            want(a, 3)?;
            Ok(Value::from(wrap(arg_int(a, 0)?, arg_str(a, 2)?, arg_str(a, 1)?)))
        })(),
        "quote" => Ok(Value::from(
            a.iter().filter(|v| !v.is_nil()).map(|v| go_quote(&strval(v))).collect::<Vec<_>>().join(" "),
        )),
        "squote" => Ok(Value::from(
            a.iter().filter(|v| !v.is_nil()).map(|v| format!("'{}'", strval(v))).collect::<Vec<_>>().join(" "),
        )),
        "cat" => Ok(Value::from(a.iter().filter(|v| !v.is_nil()).map(strval).collect::<Vec<_>>().join(" "))),
        "indent" | "nindent" => (|| {
            want(a, 2)?;
            let n = arg_int(a, 0)?;
            let s = arg_str(a, 1)?;
            let pad = n.clamp(0, 10_000) as usize;
            Ok(Value::from(indent(s, pad, name == "nindent")))
        })(),
        "replace" => (|| {
            want(a, 3)?;
            Ok(Value::from(arg_str(a, 2)?.replace(arg_str(a, 0)?, arg_str(a, 1)?)))
        })(),
        "plural" => (|| {
            want(a, 3)?;
            let n = arg_int(a, 2)?;
            Ok(Value::from(if n == 1 { arg_str(a, 0)? } else { arg_str(a, 1)? }))
        })(),
        "toString" => want(a, 1).map(|_| Value::from(strval(&a[0]))),
        "toStrings" => want(a, 1).map(|_| strslice(&a[0])),
        "join" => (|| {
            want(a, 2)?;
            let sep = arg_str(a, 0)?;
            let parts: Vec<String> = match strslice(&a[1]) {
                Value::List(l) => l.iter().map(strval).collect(),
                _ => Vec::new(),
            };
            Ok(Value::from(parts.join(sep)))
        })(),
        "splitList" => (|| {
            want(a, 2)?;
            let (sep, s) = (arg_str(a, 0)?, arg_str(a, 1)?);
            Ok(Value::from(go_split(s, sep, -1).into_iter().map(Value::from).collect::<Vec<_>>()))
        })(),
        "split" => (|| {
            want(a, 2)?;
            Ok(indexed_map(go_split(arg_str(a, 1)?, arg_str(a, 0)?, -1)))
        })(),
        "splitn" => (|| {
            want(a, 3)?;
            Ok(indexed_map(go_split(arg_str(a, 2)?, arg_str(a, 0)?, arg_int(a, 1)?)))
        })(),
        "sortAlpha" => want(a, 1).map(|_| {
            let mut v: Vec<String> = match strslice(&a[0]) {
                Value::List(l) => l.iter().map(strval).collect(),
                _ => Vec::new(),
            };
            v.sort();
            Value::from(v.into_iter().map(Value::from).collect::<Vec<_>>())
        }),
        "regexMatch" | "mustRegexMatch" => (|| {
            want(a, 2)?;
            Ok(Value::Bool(re(arg_str(a, 0)?)?.is_match(arg_str(a, 1)?)))
        })(),
        "regexFind" | "mustRegexFind" => (|| {
            want(a, 2)?;
            let r = re(arg_str(a, 0)?)?;
            Ok(Value::from(r.find(arg_str(a, 1)?).map(|m| m.as_str()).unwrap_or("")))
        })(),
        "regexFindAll" | "mustRegexFindAll" => (|| {
            want(a, 3)?;
            let r = re(arg_str(a, 0)?)?;
            let n = arg_int(a, 2)?;
            let it = r.find_iter(arg_str(a, 1)?).map(|m| Value::from(m.as_str()));
            let v: Vec<Value> = if n < 0 { it.collect() } else { it.take(n as usize).collect() };
            Ok(Value::from(v))
        })(),
        "regexReplaceAll" | "mustRegexReplaceAll" => (|| {
            want(a, 3)?;
            let r = re(arg_str(a, 0)?)?;
            Ok(Value::from(r.replace_all(arg_str(a, 1)?, arg_str(a, 2)?).into_owned()))
        })(),
        "regexReplaceAllLiteral" | "mustRegexReplaceAllLiteral" => (|| {
            want(a, 3)?;
            let r = re(arg_str(a, 0)?)?;
            Ok(Value::from(r.replace_all(arg_str(a, 1)?, regex::NoExpand(arg_str(a, 2)?)).into_owned()))
        })(),
        "regexSplit" | "mustRegexSplit" => (|| {
            want(a, 3)?;
            let r = re(arg_str(a, 0)?)?;
            let n = arg_int(a, 2)?;
            let s = arg_str(a, 1)?;
            let v: Vec<Value> = if n < 0 {
                r.split(s).map(Value::from).collect()
            } else if n == 0 {
                Vec::new()
            } else {
                r.splitn(s, n as usize).map(Value::from).collect()
            };
            Ok(Value::from(v))
        })(),
        "regexQuoteMeta" => s1(a, regex::escape),
        "randAlphaNum" => rand_str(a, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
        "randAlpha" => rand_str(a, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
        "randNumeric" => rand_str(a, b"0123456789"),
        "randAscii" => rand_str(a, b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"),
        "uuidv4" => Ok(Value::from(uuidv4())),
        _ => return None,
    };
    Some(r)
}

fn s1(a: &[Value], f: impl Fn(&str) -> String) -> FnResult {
    want(a, 1)?;
    Ok(Value::from(f(arg_str(a, 0)?)))
}

fn s2(a: &[Value], f: impl Fn(&str, &str) -> String) -> FnResult {
    want(a, 2)?;
    Ok(Value::from(f(arg_str(a, 0)?, arg_str(a, 1)?)))
}

fn b2(a: &[Value], f: impl Fn(&str, &str) -> bool) -> FnResult {
    want(a, 2)?;
    Ok(Value::Bool(f(arg_str(a, 0)?, arg_str(a, 1)?)))
}

thread_local! {
    static REGEX_CACHE: std::cell::RefCell<std::collections::HashMap<String, Regex>> = std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Compile (or reuse) a Go regular expression; charts call the same few
/// patterns from helpers hundreds of times per render.
fn re(pat: &str) -> Result<Regex, String> {
    if let Some(r) = REGEX_CACHE.with(|c| c.borrow().get(pat).cloned()) {
        return Ok(r);
    }
    let r = Regex::new(&go_regex(pat)).map_err(|e| format!("error parsing regexp: {e}"))?;
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 1024 {
            c.clear();
        }
        c.insert(pat.to_string(), r.clone());
    });
    Ok(r)
}

/// Go's Perl classes and word boundaries are ASCII-only (Rust's are
/// Unicode, and their tables make every regex using them slow to compile):
/// `\d`, `\w`, `\s`, their negations and `\b`/`\B`, spelled out for use
/// outside or inside brackets.
fn ascii_perl_class(c: char, in_class: bool) -> Option<&'static str> {
    Some(match (c, in_class) {
        ('d', false) => "[0-9]",
        ('d', true) => "0-9",
        ('D', _) => "[^0-9]",
        ('w', false) => "[0-9A-Za-z_]",
        ('w', true) => "0-9A-Za-z_",
        ('W', _) => "[^0-9A-Za-z_]",
        ('s', false) => "[\\t\\n\\f\\r ]",
        ('s', true) => "\\t\\n\\f\\r ",
        ('S', _) => "[^\\t\\n\\f\\r ]",
        ('b', false) => "(?-u:\\b)",
        ('B', false) => "(?-u:\\B)",
        _ => return None,
    })
}

/// Adapt RE2 (Go) syntax to Rust's regex: a `-` next to a Perl class inside
/// brackets (`[\w-.]`) is a literal in Go, and Perl classes are ASCII.
fn go_regex(pat: &str) -> String {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::with_capacity(pat.len());
    let mut in_class = false;
    let mut prev_perl = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            match ascii_perl_class(n, in_class) {
                Some(class) => out.push_str(class),
                None => {
                    out.push(c);
                    out.push(n);
                }
            }
            prev_perl = in_class && "wdsWDS".contains(n);
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            } else if c == '-'
                && (prev_perl
                    || (chars.get(i + 1) == Some(&'\\')
                        && chars.get(i + 2).is_some_and(|n| "wdsWDS".contains(*n))))
            {
                out.push_str("\\-");
                prev_perl = false;
                i += 1;
                continue;
            }
        } else if c == '[' {
            in_class = true;
            out.push(c);
            i += 1;
            if chars.get(i) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                out.push_str("\\]");
                i += 1;
            }
            prev_perl = false;
            continue;
        }
        prev_perl = false;
        out.push(c);
        i += 1;
    }
    out
}

/// Sprig's `strslice`: a list of strings from a list (nils dropped) or a scalar.
pub fn strslice(v: &Value) -> Value {
    match v {
        Value::List(l) => Value::from(
            l.iter()
                .filter(|e| !e.is_nil())
                .map(|e| Value::from(strval(e)))
                .collect::<Vec<_>>(),
        ),
        Value::ApiVersions(l) => Value::from(
            l.iter()
                .map(|e| Value::from(e.as_str()))
                .collect::<Vec<_>>(),
        ),
        Value::Nil => Value::from(Vec::new()),
        other => Value::from(vec![Value::from(strval(other))]),
    }
}

fn indexed_map(parts: Vec<String>) -> Value {
    Value::from(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("_{i}"), Value::from(p)))
            .collect::<Map>(),
    )
}

/// Go's `strings.SplitN` (n < 0: all).
pub fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<String> = s.chars().map(String::from).collect();
        if n > 0 && chars.len() > n as usize {
            let mut v: Vec<String> = chars[..n as usize - 1].to_vec();
            v.push(s.chars().skip(n as usize - 1).collect());
            return v;
        }
        return chars;
    }
    if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(n as usize, sep).map(String::from).collect()
    }
}

fn substr(start: i64, end: i64, s: &str) -> String {
    let len = s.len() as i64;
    let (lo, hi) = if start < 0 {
        (0, end)
    } else if end < 0 || end > len {
        (start, len)
    } else {
        (start, end)
    };
    if lo > hi || hi > len || lo < 0 {
        return String::new();
    }
    String::from_utf8_lossy(&s.as_bytes()[lo as usize..hi as usize]).into_owned()
}

fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    let b = s.as_bytes();
    if c < 0 && len + c > 0 {
        return String::from_utf8_lossy(&b[(len + c) as usize..]).into_owned();
    }
    if c >= 0 && len > c {
        return String::from_utf8_lossy(&b[..c as usize]).into_owned();
    }
    s.to_string()
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// A non-cryptographic random u64 (Sprig's random functions are not reproducible anyway).
pub fn rand_u64() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        if x == 0 {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9e37_79b9_7f4a_7c15);
            x = t ^ 0x2545_f491_4f6c_dd1d ^ (std::process::id() as u64) << 32;
            if x == 0 {
                x = 1;
            }
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        r.set(x);
        x
    })
}

fn rand_str(a: &[Value], alphabet: &[u8]) -> FnResult {
    want_at_least(a, 1)?;
    let n = to_i64(&a[0]).clamp(0, 1 << 20) as usize;
    Ok(Value::from(
        (0..n)
            .map(|_| alphabet[(rand_u64() % alphabet.len() as u64) as usize] as char)
            .collect::<String>(),
    ))
}

fn uuidv4() -> String {
    let mut b = [0u8; 16];
    for chunk in b.chunks_mut(8) {
        chunk.copy_from_slice(&rand_u64().to_le_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_is_sprigs_replace_in_one_pass() {
        for text in ["", "a", "a\n", "\n", "a\nb\n\nc", "é\nü", "\n\n"] {
            for pad in [0, 1, 4] {
                let p = " ".repeat(pad);
                let want = format!("{p}{}", text.replace('\n', &format!("\n{p}")));
                assert_eq!(indent(text, pad, false), want);
                assert_eq!(indent(text, pad, true), format!("\n{want}"));
            }
        }
    }

    #[test]
    fn perl_classes_and_word_boundaries_are_ascii_as_in_go() {
        let m = |pat: &str, text: &str| re(pat).unwrap().is_match(text);
        assert!(!m(r"^\d+$", "\u{663}4"));
        assert!(m(r"^\d+$", "1234"));
        assert!(!m(r"^\w+$", "é"));
        assert!(m(r"^\W+$", "é"));
        assert!(!m(r"\s", "a\u{a0}b"));
        assert!(m(r"^\S+$", "a\u{a0}b"));
        assert!(m(r"^[\d.]+$", "1.2.3"));
        assert!(m(r"^[\w-.]+$", "a-b.c"));
        assert!(m(r"^[^\D]+$", "12"));
        assert!(!m(r"^[^\D]+$", "1a"));
        // An ASCII word boundary: `é` is not a word character.
        assert!(m(r"\bx", "éx"));
        assert!(!m(r"\Bx", "éx"));
        assert_eq!(go_regex(r"\pN\.\d"), r"\pN\.[0-9]");
    }

    fn s(name: &str, a: Vec<Value>) -> String {
        strval(&call(name, &a).unwrap().unwrap())
    }

    #[test]
    fn sprig_strings() {
        assert_eq!(s("trunc", vec![Value::Int(3), "abcdef".into()]), "abc");
        assert_eq!(s("trunc", vec![Value::Int(-2), "abcdef".into()]), "ef");
        assert_eq!(
            s("nindent", vec![Value::Int(2), "a\nb".into()]),
            "\n  a\n  b"
        );
        assert_eq!(
            s("quote", vec!["a\"b".into(), Value::Nil, Value::Int(1)]),
            "\"a\\\"b\" \"1\""
        );
        assert_eq!(s("title", vec!["hello world-x".into()]), "Hello World-X");
        assert_eq!(s("snakecase", vec!["FirstName".into()]), "first_name");
        assert_eq!(
            s(
                "substr",
                vec![Value::Int(1), Value::Int(3), "abcdef".into()]
            ),
            "bc"
        );
        assert_eq!(
            s(
                "regexReplaceAll",
                vec!["a(x*)b".into(), "-ab-axxb-".into(), "${1}W".into()]
            ),
            "-W-xxW-"
        );
        assert_eq!(
            s(
                "join",
                vec!["-".into(), Value::from(vec![Value::Int(1), "b".into()])]
            ),
            "1-b"
        );
        assert!(call("upper", &[Value::Nil]).unwrap().is_err());
        assert_eq!(s("split", vec![".".into(), "a.b".into()]), "map[_0:a _1:b]");
        assert_eq!(
            s("regexMatch", vec![r"^[\w-\.]+$".into(), "a-b.c".into()]),
            "true"
        );
    }
}
