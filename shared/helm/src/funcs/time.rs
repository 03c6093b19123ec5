//! Sprig's date functions (times are carried as Unix seconds) and a SHA-1
//! for `sha1sum`.

use chrono::{DateTime, TimeZone, Utc};

use super::{FnResult, arg_str, want, want_at_least};
use crate::template::value::Value;

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "now",
    "date",
    "dateInZone",
    "date_in_zone",
    "htmlDate",
    "htmlDateInZone",
    "toDate",
    "mustToDate",
    "unixEpoch",
    "dateModify",
    "mustDateModify",
    "date_modify",
    "duration",
    "durationRound",
    "ago",
];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "now" => Ok(Value::Int(Utc::now().timestamp())),
        "date" => (|| {
            want(a, 2)?;
            Ok(Value::from(format_go(arg_str(a, 0)?, secs(&a[1]))))
        })(),
        "dateInZone" | "date_in_zone" => (|| {
            want(a, 3)?;
            Ok(Value::from(format_go(arg_str(a, 0)?, secs(&a[1]))))
        })(),
        "htmlDate" => want(a, 1).map(|_| Value::from(format_go("2006-01-02", secs(&a[0])))),
        "htmlDateInZone" => want(a, 2).map(|_| Value::from(format_go("2006-01-02", secs(&a[0])))),
        "unixEpoch" => want(a, 1).map(|_| Value::from(secs(&a[0]).to_string())),
        "toDate" | "mustToDate" => (|| {
            want(a, 2)?;
            let layout = go_layout_to_chrono(arg_str(a, 0)?);
            let s = arg_str(a, 1)?;
            let t = chrono::NaiveDateTime::parse_from_str(s, &layout)
                .map(|d| d.and_utc().timestamp())
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(s, &layout).map(|d| {
                        d.and_hms_opt(0, 0, 0)
                            .map(|x| x.and_utc().timestamp())
                            .unwrap_or(0)
                    })
                })
                .or_else(|_| DateTime::parse_from_str(s, &layout).map(|d| d.timestamp()));
            match t {
                Ok(t) => Ok(Value::Int(t)),
                Err(e) if name == "mustToDate" => Err(e.to_string()),
                Err(_) => Ok(Value::Int(-62_135_596_800)),
            }
        })(),
        "dateModify" | "mustDateModify" | "date_modify" => (|| {
            want(a, 2)?;
            let d = parse_duration(arg_str(a, 0)?).ok_or("invalid duration")?;
            Ok(Value::Int(secs(&a[1]).saturating_add(d)))
        })(),
        // Sprig reads a string or an int64 of seconds; other types (Helm's
        // float64 values, int literals) are 0. int64 is not told apart from int.
        "duration" => want(a, 1).map(|_| {
            let n = match &a[0] {
                Value::Str(s) => s.parse::<i64>().unwrap_or(0),
                _ => 0,
            };
            Value::from(go_duration(n))
        }),
        // A Go duration string, or a time (here: Unix seconds) to measure from.
        "durationRound" => want(a, 1).map(|_| {
            let secs = match &a[0] {
                Value::Str(s) => parse_duration(s).unwrap_or(0),
                Value::Int(t) => Utc::now().timestamp().saturating_sub(*t),
                _ => 0,
            };
            Value::from(duration_round(secs))
        }),
        "ago" => want_at_least(a, 1).map(|_| {
            Value::from(go_duration(
                Utc::now().timestamp().saturating_sub(secs(&a[0])),
            ))
        }),
        _ => return None,
    };
    Some(r)
}

fn secs(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) => *f as i64,
        _ => Utc::now().timestamp(),
    }
}

fn go_layout_to_chrono(layout: &str) -> String {
    const MAP: &[(&str, &str)] = &[
        ("2006", "%Y"),
        ("January", "%B"),
        ("Jan", "%b"),
        ("Monday", "%A"),
        ("Mon", "%a"),
        ("MST", "%Z"),
        ("Z07:00", "%:z"),
        ("-07:00", "%:z"),
        ("-0700", "%z"),
        ("01", "%m"),
        ("02", "%d"),
        ("_2", "%e"),
        ("15", "%H"),
        ("03", "%I"),
        ("04", "%M"),
        ("05", "%S"),
        ("06", "%y"),
        ("PM", "%p"),
        (".000000000", "%.9f"),
        (".000000", "%.6f"),
        (".000", "%.3f"),
        ("1", "%-m"),
        ("2", "%-d"),
        ("3", "%-I"),
        ("4", "%-M"),
        ("5", "%-S"),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (g, c) in MAP {
            if let Some(r) = rest.strip_prefix(g) {
                out.push_str(c);
                rest = r;
                continue 'outer;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        if ch == '%' {
            out.push_str("%%");
        } else {
            out.push(ch);
        }
        rest = &rest[ch.len_utf8()..];
    }
    out
}

fn format_go(layout: &str, secs: i64) -> String {
    let t = Utc.timestamp_opt(secs, 0).single().unwrap_or_default();
    let fmt = go_layout_to_chrono(layout);
    let mut s = String::new();
    use std::fmt::Write;
    if write!(s, "{}", t.format(&fmt)).is_err() {
        return layout.to_string();
    }
    s
}

fn parse_duration(s: &str) -> Option<i64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_digit() || n == '.' {
                break;
            }
            unit.push(n);
            chars.next();
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(if neg { -(total as i64) } else { total as i64 })
}

/// Sprig's `durationRound`: the largest whole unit, sign dropped.
fn duration_round(secs: i64) -> String {
    let u = secs.unsigned_abs();
    const DAY: u64 = 24 * 3600;
    for (unit, name) in [
        (365 * DAY, "y"),
        (30 * DAY, "mo"),
        (DAY, "d"),
        (3600, "h"),
        (60, "m"),
        (1, "s"),
    ] {
        if u > unit {
            return format!("{}{name}", u / unit);
        }
    }
    "0s".into()
}

/// Go's `time.Duration.String` for whole seconds.
pub fn go_duration(secs: i64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let neg = secs < 0;
    let s = secs.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{sec}s"));
    out
}

/// SHA-1 digest (for Sprig's `sha1sum`).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_hashes() {
        assert_eq!(
            format_go("2006-01-02T15:04:05Z07:00", 0),
            "1970-01-01T00:00:00+00:00"
        );
        assert_eq!(go_duration(3723), "1h2m3s");
        assert_eq!(parse_duration("-1h30m"), Some(-5400));
        assert_eq!(
            hex::encode(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
