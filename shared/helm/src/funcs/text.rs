//! Sprig's text shaping helpers: title case, word-case conversions,
//! abbreviation and wrapping.

/// goutils' `AbbreviateFull` (errors give "", as Sprig ignores them).
pub(super) fn abbrev_full(s: &str, offset: i64, max: i64) -> String {
    let len = s.len() as i64;
    if s.is_empty() || max < 4 {
        return String::new();
    }
    if len <= max {
        return s.to_string();
    }
    let b = s.as_bytes();
    let cut = |lo: i64, hi: i64| {
        String::from_utf8_lossy(&b[lo.clamp(0, len) as usize..hi.clamp(0, len) as usize])
            .into_owned()
    };
    let mut offset = offset.min(len);
    if len.saturating_sub(offset) < max - 3 {
        offset = len - (max - 3);
    }
    if offset <= 4 {
        return format!("{}...", cut(0, max - 3));
    }
    if max < 7 {
        return String::new();
    }
    if offset.saturating_add(max - 3) < len {
        let rest = cut(offset, len);
        let inner = if rest.len() as i64 <= max - 3 {
            rest
        } else {
            format!("{}...", &cut(offset, offset.saturating_add(max - 6)))
        };
        return format!("...{inner}");
    }
    format!("...{}", cut(len - (max - 3), len))
}

pub(super) fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_');
    }
    out
}

pub(super) fn untitle(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev_sep = c.is_whitespace();
    }
    out
}

pub(super) fn swapcase(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().collect::<Vec<_>>()
            } else {
                c.to_uppercase().collect()
            }
        })
        .collect()
}

fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && !cur.is_empty()
            && (chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                    && cur.chars().last().is_some_and(char::is_uppercase));
        if boundary {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub(super) fn delimit(s: &str, d: char) -> String {
    words(s)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(&d.to_string())
}

pub(super) fn camelcase(s: &str) -> String {
    s.split(['_', ' ', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

pub(super) fn wrap(width: i64, s: &str, nl: &str) -> String {
    let width = width.max(1) as usize;
    let mut out = Vec::new();
    for line in s.split('\n') {
        let mut cur = String::new();
        for w in line.split(' ') {
            if !cur.is_empty() && cur.len() + 1 + w.len() > width {
                out.push(std::mem::take(&mut cur));
            } else if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(w);
        }
        out.push(cur);
    }
    out.join(nl)
}
