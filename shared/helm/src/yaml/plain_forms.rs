//! The plain-scalar forms go-yaml v2 resolves to floats, base-60 numbers and
//! timestamps, matched by hand: the regular expressions they are specified by
//! (kept in the tests as the reference) cost more to compile than a whole
//! small chart takes to render.

fn digits(s: &[u8], i: &mut usize) -> usize {
    let start = *i;
    while s.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    *i - start
}

fn skip(s: &[u8], i: &mut usize, set: impl Fn(u8) -> bool) {
    while s.get(*i).is_some_and(|&c| set(c)) {
        *i += 1;
    }
}

fn sign(s: &[u8], i: &mut usize) {
    if matches!(s.get(*i), Some(b'-' | b'+')) {
        *i += 1;
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub fn is_float(s: &str) -> bool {
    let s = s.as_bytes();
    let mut i = 0;
    sign(s, &mut i);
    if s.get(i) == Some(&b'.') {
        i += 1;
        if digits(s, &mut i) == 0 {
            return false;
        }
    } else {
        if digits(s, &mut i) == 0 {
            return false;
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
            digits(s, &mut i);
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        sign(s, &mut i);
        if digits(s, &mut i) == 0 {
            return false;
        }
    }
    i == s.len()
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
pub fn is_base60(s: &str) -> bool {
    let s = s.as_bytes();
    let digit_or_underscore = |c: u8| c.is_ascii_digit() || c == b'_';
    let mut i = 0;
    sign(s, &mut i);
    if !s.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    skip(s, &mut i, digit_or_underscore);
    let mut groups = 0;
    while s.get(i) == Some(&b':') {
        i += 1;
        match (s.get(i), s.get(i + 1)) {
            (Some(a), Some(b)) if (b'0'..=b'5').contains(a) && b.is_ascii_digit() => i += 2,
            (Some(a), _) if a.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        skip(s, &mut i, digit_or_underscore);
    }
    i == s.len()
}

/// Exactly `n` digits at `i`.
fn fixed_digits(s: &[u8], i: &mut usize, n: usize) -> bool {
    let ok = s
        .get(*i..*i + n)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if ok {
        *i += n;
    }
    ok
}

/// One or two digits at `i` (two when there are).
fn one_or_two_digits(s: &[u8], i: &mut usize) -> bool {
    fixed_digits(s, i, 2) || fixed_digits(s, i, 1)
}

/// The whole of `s` is `Z` or `[-+][0-9]{1,2}(?::?[0-9]{2})?`.
fn is_zone(s: &[u8]) -> bool {
    match s {
        [b'Z'] => true,
        [b'-' | b'+', rest @ ..] => (1..=2).any(|h| {
            if rest.len() < h || !rest[..h].iter().all(u8::is_ascii_digit) {
                return false;
            }
            let t = &rest[h..];
            let t = t.strip_prefix(b":").unwrap_or(t);
            rest.len() == h || (t.len() == 2 && t.iter().all(u8::is_ascii_digit))
        }),
        _ => false,
    }
}

/// `^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$`
pub fn is_timestamp(s: &str) -> bool {
    let s = s.as_bytes();
    let blank = |c: u8| c == b' ' || c == b'\t';
    let mut i = 0;
    let date = fixed_digits(s, &mut i, 4)
        && s.get(i) == Some(&b'-')
        && {
            i += 1;
            one_or_two_digits(s, &mut i)
        }
        && s.get(i) == Some(&b'-')
        && {
            i += 1;
            one_or_two_digits(s, &mut i)
        };
    if !date {
        return false;
    }
    if i == s.len() {
        return true;
    }
    match s[i] {
        b'T' | b't' => i += 1,
        c if blank(c) => skip(s, &mut i, blank),
        _ => return false,
    }
    let time = one_or_two_digits(s, &mut i)
        && s.get(i) == Some(&b':')
        && {
            i += 1;
            fixed_digits(s, &mut i, 2)
        }
        && s.get(i) == Some(&b':')
        && {
            i += 1;
            fixed_digits(s, &mut i, 2)
        };
    if !time {
        return false;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        digits(s, &mut i);
    }
    if i == s.len() {
        return true;
    }
    skip(s, &mut i, blank);
    is_zone(&s[i..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    /// Every string over `alphabet` up to `max` long, and some longer random ones.
    fn strings(alphabet: &[u8], max: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..max {
            let mut next = Vec::new();
            for s in &level {
                for &c in alphabet {
                    let mut t = s.clone();
                    t.push(c as char);
                    next.push(t);
                }
            }
            out.extend(next.iter().cloned());
            level = next;
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..50_000 {
            let mut t = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 32) as usize;
            for k in 0..len {
                let r = seed.rotate_left(k as u32 * 5);
                t.push(alphabet[(r % alphabet.len() as u64) as usize] as char);
            }
            out.push(t);
        }
        out
    }

    /// Each case, and each with one byte deleted, replaced or inserted.
    fn edits(cases: &[&str], alphabet: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for case in cases {
            let b = case.as_bytes();
            out.push(case.to_string());
            for i in 0..=b.len() {
                if i < b.len() {
                    out.push(
                        String::from_utf8_lossy(&[&b[..i], &b[i + 1..]].concat()).into_owned(),
                    );
                }
                for &c in alphabet {
                    out.push(
                        String::from_utf8_lossy(&[&b[..i], &[c], &b[i..]].concat()).into_owned(),
                    );
                    if i < b.len() {
                        out.push(
                            String::from_utf8_lossy(&[&b[..i], &[c], &b[i + 1..]].concat())
                                .into_owned(),
                        );
                    }
                }
            }
        }
        out
    }

    fn same_as(pattern: &str, f: fn(&str) -> bool, cases: &[&str], alphabet: &[u8], max: usize) {
        let re = Regex::new(pattern).unwrap();
        let all = edits(cases, alphabet)
            .into_iter()
            .chain(strings(alphabet, max));
        for s in all {
            assert_eq!(f(&s), re.is_match(&s), "{s:?} against {pattern}");
        }
    }

    #[test]
    fn floats_match_the_regex() {
        same_as(
            r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$",
            is_float,
            &["1.5", "-.5e10", "+1.", "1e", ".e1", "1.2.3", "00"],
            b"0123456789.-+eE",
            4,
        );
    }

    #[test]
    fn base60_numbers_match_the_regex() {
        same_as(
            r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$",
            is_base60,
            &["190:20:30.15", "1:60", "1:59", "-1_0:5", "1:", ":1", "1:5:"],
            b"0569_:.-",
            5,
        );
    }

    #[test]
    fn timestamps_match_the_regex() {
        same_as(
            r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$",
            is_timestamp,
            &[
                "2001-12-14t21:59:43.10-05:00",
                "2001-12-14 21:59:43.10 -5",
                "2001-12-15T02:59:43.1Z",
                "2002-12-14",
                "2002-1-4",
                "2001-12-14 21:59:43.10 ",
                "2001-12-14T21:59:43+530",
                "2001-12-14T21:59:43+0530",
                "2001-12-14T21:59:43+05:3",
                "2001-12-14T1:59:43",
                "2001-12-14  \t1:59:43.",
            ],
            b"0123456789-:T .Z+\t",
            3,
        );
    }
}
