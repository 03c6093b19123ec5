//! Go's `fmt` package as templates see it: `%v` printing of values, `Sprint`,
//! `Sprintln` and `Sprintf` with the common verbs, flags, width and precision.

use super::value::{MAX_DEPTH, Value};

/// Format a float like Go's `strconv.FormatFloat(f, 'g', -1, 64)` (what `%v` prints).
pub fn format_float_v(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let (neg, digits, dp) = shortest_digits(f);
    let exp = dp - 1;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        push_exp_form(&mut out, &digits, exp);
    } else {
        push_fixed_form(&mut out, &digits, dp);
    }
    out
}

fn special_float(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

/// Shortest round-trip decimal digits and decimal point position.
fn shortest_digits(f: f64) -> (bool, String, i32) {
    let s = format!("{:e}", f);
    let neg = s.starts_with('-');
    let s = s.trim_start_matches('-');
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    if digits.chars().all(|c| c == '0') {
        return (neg, "0".into(), 1);
    }
    (neg, digits, exp + 1)
}

fn push_exp_form(out: &mut String, digits: &str, exp: i32) {
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    push_exponent(out, exp);
}

fn push_exponent(out: &mut String, exp: i32) {
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    out.push_str(&a.to_string());
}

fn push_fixed_form(out: &mut String, digits: &str, dp: i32) {
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let dp = dp as usize;
        if digits.len() <= dp {
            out.push_str(digits);
            for _ in digits.len()..dp {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..dp]);
            out.push('.');
            out.push_str(&digits[dp..]);
        }
    }
}

/// `%v` of a value, as `fmt.Sprint` prints one operand.
pub fn format_v(v: &Value) -> String {
    let mut s = String::new();
    write_v(&mut s, v, 0);
    s
}

fn write_v(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Stringer(m, s) => match m.get("GitVersion") {
            // `.Capabilities.KubeVersion` is a struct value: fmt prints its
            // fields; only template output uses its String method.
            Some(_) => {
                let f = |k: &str| m.get(k).map(format_v).unwrap_or_default();
                out.push_str(&format!(
                    "{{{} {} {} {}}}",
                    f("Version"),
                    f("GitVersion"),
                    f("Major"),
                    f("Minor")
                ));
            }
            None => out.push_str(s),
        },
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_v(*f)),
        Value::Str(s) => out.push_str(s),
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, e, depth + 1);
            }
            out.push(']');
        }
        Value::ApiVersions(l) => {
            out.push('[');
            out.push_str(&l.join(" "));
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            if let Ok(m) = m.try_borrow() {
                for (i, (k, e)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    write_v(out, e, depth + 1);
                }
            }
            out.push(']');
        }
        Value::Files(f) => {
            out.push_str("map[");
            let names: Vec<&str> = f.names().collect();
            out.push_str(&names.join(" "));
            out.push(']');
        }
    }
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::Str(_)) && !matches!(args[i - 1], Value::Str(_)) {
            out.push(' ');
        }
        out.push_str(&format_v(a));
    }
    out
}

/// `fmt.Sprintln`: always spaces, plus a trailing newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(format_v).collect();
    let mut s = parts.join(" ");
    s.push('\n');
    s
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            '\u{fffd}' => out.push_str("\\ufffd"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    sharp: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `fmt.Sprintf` over template values.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    let mut argi = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        while i < chars.len() {
            match chars[i] {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            i += 1;
        }
        spec.width = parse_num(&chars, &mut i, args, &mut argi);
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            spec.prec = Some(parse_num(&chars, &mut i, args, &mut argi).unwrap_or(0));
        }
        let Some(&verb) = chars.get(i) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        argi += 1;
        let s = format_one(verb, &spec, arg);
        out.push_str(&pad(&s, &spec, verb));
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[argi..]
            .iter()
            .map(|a| format!("{}={}", a.type_name(), format_v(a)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

fn parse_num(chars: &[char], i: &mut usize, args: &[Value], argi: &mut usize) -> Option<usize> {
    if *i < chars.len() && chars[*i] == '*' {
        *i += 1;
        let v = args.get(*argi).and_then(|a| match a {
            Value::Int(n) => Some((*n).clamp(0, 1_000_000) as usize),
            _ => None,
        });
        *argi += 1;
        return v;
    }
    let start = *i;
    while *i < chars.len() && chars[*i].is_ascii_digit() {
        *i += 1;
    }
    if *i == start {
        return None;
    }
    let s: String = chars[start..*i].iter().collect();
    s.parse::<usize>().ok().map(|n| n.min(1_000_000))
}

fn pad(s: &str, spec: &Spec, verb: char) -> String {
    let Some(w) = spec.width else {
        return s.to_string();
    };
    let len = s.chars().count();
    if len >= w {
        return s.to_string();
    }
    let fill = w - len;
    if spec.minus {
        format!("{s}{}", " ".repeat(fill))
    } else if spec.zero {
        let (sign, rest) = match s.chars().next() {
            Some(c @ ('-' | '+' | ' ')) if "dfegxXob".contains(verb) || verb == 'v' => {
                (c.to_string(), &s[1..])
            }
            _ => (String::new(), s),
        };
        format!("{sign}{}{rest}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

fn bad_verb(verb: char, arg: &Value) -> String {
    match arg {
        Value::Nil => format!("%!{verb}(<nil>)"),
        _ => format!("%!{verb}({}={})", arg.type_name(), format_v(arg)),
    }
}

fn format_one(verb: char, spec: &Spec, arg: &Value) -> String {
    if let Value::Stringer(..) = arg
        && matches!(verb, 's' | 'v' | 'q' | 'x' | 'X')
    {
        return format_one(verb, spec, &Value::from(format_v(arg)));
    }
    match arg {
        Value::List(l) if !matches!(verb, 'v' | 'T') => {
            let parts: Vec<String> = l.iter().map(|e| format_one(verb, spec, e)).collect();
            return format!("[{}]", parts.join(" "));
        }
        Value::Map(m) if !matches!(verb, 'v' | 'T') => {
            let m = m.try_borrow().map(|m| m.clone()).unwrap_or_default();
            let parts: Vec<String> = m
                .iter()
                .map(|(k, e)| {
                    format!(
                        "{}:{}",
                        format_one(verb, spec, &Value::from(k.as_str())),
                        format_one(verb, spec, e)
                    )
                })
                .collect();
            return format!("map[{}]", parts.join(" "));
        }
        _ => {}
    }
    match verb {
        'T' => arg.type_name().to_string(),
        'v' => match arg {
            Value::Float(f) => float_verb('g', spec, *f),
            Value::Int(i) => int_verb('d', spec, *i),
            Value::Str(s) => match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            },
            _ => format_v(arg),
        },
        's' => match arg {
            Value::Str(s) => match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            },
            _ => bad_verb(verb, arg),
        },
        'q' => match arg {
            Value::Str(s) => {
                if spec.sharp && !s.contains('`') {
                    format!("`{s}`")
                } else {
                    go_quote(s)
                }
            }
            Value::Int(i) => match char::from_u32(*i as u32) {
                Some(c) => format!("'{c}'"),
                None => bad_verb(verb, arg),
            },
            _ => bad_verb(verb, arg),
        },
        't' => match arg {
            Value::Bool(b) => b.to_string(),
            _ => bad_verb(verb, arg),
        },
        'd' | 'b' | 'o' | 'O' | 'c' | 'U' => match arg {
            Value::Int(i) => int_verb(verb, spec, *i),
            _ => bad_verb(verb, arg),
        },
        'x' | 'X' => match arg {
            Value::Int(i) => int_verb(verb, spec, *i),
            Value::Str(s) => {
                let h = hex::encode(s.as_bytes());
                if verb == 'X' { h.to_uppercase() } else { h }
            }
            _ => bad_verb(verb, arg),
        },
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => match arg {
            Value::Float(f) => float_verb(verb, spec, *f),
            _ => bad_verb(verb, arg),
        },
        _ => bad_verb(verb, arg),
    }
}

fn sign_prefix(spec: &Spec, neg: bool) -> &'static str {
    if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn int_verb(verb: char, spec: &Spec, i: i64) -> String {
    let neg = i < 0;
    let a = i.unsigned_abs();
    let body = match verb {
        'b' => format!("{a:b}"),
        'o' => {
            if spec.sharp {
                format!("0{a:o}")
            } else {
                format!("{a:o}")
            }
        }
        'O' => format!("0o{a:o}"),
        'x' => {
            if spec.sharp {
                format!("0x{a:x}")
            } else {
                format!("{a:x}")
            }
        }
        'X' => {
            if spec.sharp {
                format!("0X{a:X}")
            } else {
                format!("{a:X}")
            }
        }
        'c' => {
            return char::from_u32(i as u32)
                .map(String::from)
                .unwrap_or_default();
        }
        'U' => return format!("U+{:04X}", i),
        _ => a.to_string(),
    };
    let body = match spec.prec {
        Some(p) if body.len() < p => format!("{}{body}", "0".repeat(p - body.len())),
        _ => body,
    };
    format!("{}{body}", sign_prefix(spec, neg))
}

fn float_verb(verb: char, spec: &Spec, f: f64) -> String {
    if let Some(s) = special_float(f) {
        return if f > 0.0 && !spec.plus {
            s.trim_start_matches('+').to_string()
        } else {
            s
        };
    }
    let neg = f.is_sign_negative();
    let a = f.abs();
    let body = match verb {
        'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), a),
        'e' | 'E' => {
            let s = exp_form(a, spec.prec.unwrap_or(6));
            if verb == 'E' { s.to_uppercase() } else { s }
        }
        _ => {
            let s = match spec.prec {
                None => format_float_v(a),
                Some(p) => g_with_prec(a, p.max(1)),
            };
            if verb == 'G' { s.to_uppercase() } else { s }
        }
    };
    format!("{}{body}", sign_prefix(spec, neg))
}

fn exp_form(a: f64, prec: usize) -> String {
    let s = format!("{:.*e}", prec, a);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut out = mant.to_string();
    push_exponent(&mut out, exp);
    out
}

fn g_with_prec(a: f64, p: usize) -> String {
    let s = format!("{:.*e}", p - 1, a);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if exp < -4 || exp >= p as i32 {
        push_exp_form(&mut out, digits, exp);
    } else {
        push_fixed_form(&mut out, digits, exp + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_go() {
        assert_eq!(format_float_v(1.0), "1");
        assert_eq!(format_float_v(1.5), "1.5");
        assert_eq!(format_float_v(1_000_000.0), "1e+06");
        assert_eq!(format_float_v(100_000.0), "100000");
        assert_eq!(format_float_v(1_234_567.0), "1.234567e+06");
        assert_eq!(format_float_v(0.0001), "0.0001");
        assert_eq!(format_float_v(0.00001), "1e-05");
        assert_eq!(format_float_v(-2.5), "-2.5");
    }

    #[test]
    fn sprintf_verbs() {
        let args = [Value::from("a"), Value::Int(3)];
        assert_eq!(sprintf("%s-%d", &args), "a-3");
        assert_eq!(sprintf("%q", &[Value::from("x\"y")]), "\"x\\\"y\"");
        assert_eq!(sprintf("%d", &[Value::Float(3.0)]), "%!d(float64=3)");
        assert_eq!(
            sprintf("%05d|%-3s|", &args[..0]),
            "%!d(MISSING)|%!s(MISSING)|"
        );
        assert_eq!(sprintf("%05d", &[Value::Int(42)]), "00042");
        assert_eq!(sprintf("%.2f", &[Value::Float(1.005)]), "1.00");
        assert_eq!(
            sprintf("%v %v", &[Value::Nil, Value::from(vec![Value::Int(1)])]),
            "<nil> [1]"
        );
        assert_eq!(
            sprintf("%s", &[Value::from("a"), Value::Int(1)]),
            "a%!(EXTRA int=1)"
        );
        assert_eq!(sprintf("%x", &[Value::Int(255)]), "ff");
        assert_eq!(sprintf("%t", &[Value::Bool(true)]), "true");
    }

    #[test]
    fn sprint_spacing() {
        assert_eq!(sprint(&[Value::Int(1), Value::Int(2)]), "1 2");
        assert_eq!(sprint(&[Value::from("a"), Value::Int(2)]), "a2");
        assert_eq!(sprintln(&[Value::from("a"), Value::from("b")]), "a b\n");
    }
}
