//! Go number literals as text/template classifies them (int or float).

use super::ast::Number;

/// Parse a Go number literal the way text/template classifies it.
pub fn parse_number(text: &str) -> Option<Number> {
    // The common case, a plain decimal (a leading 0 would make it octal).
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty()
        && digits.len() < 19
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() == 1 || !digits.starts_with('0'))
        && let Ok(i) = text.parse::<i64>()
    {
        return Some(Number::Int(i));
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let lower = body.to_ascii_lowercase();
    let int = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.chars().all(|c| c.is_ascii_digit())
    {
        i64::from_str_radix(&lower[1..], 8).ok()
    } else {
        lower.parse::<i64>().ok()
    };
    if let Some(i) = int {
        let looks_float = lower.contains(['.', 'e']) && !lower.starts_with("0x");
        if !looks_float {
            return Some(Number::Int(if neg { -i } else { i }));
        }
    }
    let f: f64 = lower.parse().ok()?;
    if !lower.contains(['.', 'e']) {
        return None; // integer overflow
    }
    Some(Number::Float(if neg { -f } else { f }))
}
