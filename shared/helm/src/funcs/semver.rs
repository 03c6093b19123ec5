//! Masterminds/semver v3 versions and constraints (`semver`, `semverCompare`).

use std::cmp::Ordering;

use super::{FnResult, arg_str, want};
use crate::template::value::{Map, Value};

/// Function names in this module.
pub const NAMES: &[&str] = &["semver", "semverCompare"];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "semver" => (|| {
            want(a, 1)?;
            let v = Version::parse(arg_str(a, 0)?)?;
            let mut m = Map::new();
            m.insert("Major".into(), Value::Int(v.major as i64));
            m.insert("Minor".into(), Value::Int(v.minor as i64));
            m.insert("Patch".into(), Value::Int(v.patch as i64));
            m.insert("Prerelease".into(), Value::from(v.pre.clone()));
            m.insert("Metadata".into(), Value::from(v.meta.clone()));
            m.insert("Original".into(), Value::from(v.original.clone()));
            let mut s = format!("{}.{}.{}", v.major, v.minor, v.patch);
            if !v.pre.is_empty() {
                s.push('-');
                s.push_str(&v.pre);
            }
            if !v.meta.is_empty() {
                s.push('+');
                s.push_str(&v.meta);
            }
            Ok(Value::Stringer(std::rc::Rc::new(m), std::rc::Rc::from(s)))
        })(),
        "semverCompare" => (|| {
            want(a, 2)?;
            let c = arg_str(a, 0)?;
            let v = Version::parse(arg_str(a, 1)?)?;
            Ok(Value::Bool(satisfies(c, &v)?))
        })(),
        _ => return None,
    };
    Some(r)
}

/// A semantic version, parsed leniently like Masterminds' `NewVersion`.
#[derive(Debug, Clone)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
    /// Pre-release (without `-`).
    pub pre: String,
    /// Build metadata (without `+`).
    pub meta: String,
    /// As written.
    pub original: String,
}

impl Version {
    /// Parse `v1.2.3-pre+meta`, allowing missing minor/patch.
    pub fn parse(s: &str) -> Result<Version, String> {
        let (v, parts) = parse_parts(s).ok_or_else(|| "Invalid Semantic Version".to_string())?;
        Ok(Version {
            major: parts[0].unwrap_or(0),
            minor: parts[1].unwrap_or(0),
            patch: parts[2].unwrap_or(0),
            pre: v.0,
            meta: v.1,
            original: s.to_string(),
        })
    }

    fn cmp(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| cmp_pre(&self.pre, &o.pre))
    }
}

type Parts = [Option<u64>; 3];

/// Split into ((pre, meta), [major, minor, patch]) where a part is None if missing or a wildcard.
fn parse_parts(s: &str) -> Option<((String, String), Parts)> {
    let s = s.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    let (s, meta) = s.split_once('+').unwrap_or((s, ""));
    let (core, pre) = s.split_once('-').unwrap_or((s, ""));
    let mut parts: Parts = [None; 3];
    let nums: Vec<&str> = core.split('.').collect();
    if nums.is_empty() || nums.len() > 3 || nums[0].is_empty() {
        return None;
    }
    for (i, n) in nums.iter().enumerate() {
        if matches!(*n, "x" | "X" | "*") {
            continue;
        }
        if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        parts[i] = Some(n.parse().ok()?);
    }
    if !pre
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return None;
    }
    Some(((pre.to_string(), meta.to_string()), parts))
}

fn cmp_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

struct Constraint {
    op: String,
    v: Version,
    /// How many leading parts were given (1..=3); fewer means a wildcard range.
    given: usize,
}

/// Does `v` satisfy a Masterminds constraint string (`||` of comma/space-separated ANDs)?
pub fn satisfies(constraint: &str, v: &Version) -> Result<bool, String> {
    for alt in constraint.split("||") {
        let cs = parse_and(alt)?;
        if cs.iter().all(|c| check(c, v)) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn parse_and(s: &str) -> Result<Vec<Constraint>, String> {
    let s = s.trim();
    // Hyphen range "a - b".
    if let Some((lo, hi)) = s.split_once(" - ") {
        let mut out = parse_and(&format!(">= {lo}"))?;
        out.extend(parse_and(&format!("<= {hi}"))?);
        return Ok(out);
    }
    let mut toks: Vec<String> = Vec::new();
    for t in s.split([',', ' ']).filter(|t| !t.is_empty()) {
        if let Some(last) = toks.last_mut()
            && matches!(
                last.as_str(),
                "=" | "!=" | ">" | "<" | ">=" | "<=" | "=>" | "=<" | "~" | "~>" | "^"
            )
        {
            last.push_str(t);
            continue;
        }
        toks.push(t.to_string());
    }
    let mut out = Vec::new();
    for t in toks {
        let op_len = t
            .find(|c: char| c.is_ascii_alphanumeric() || c == '*')
            .unwrap_or(t.len());
        let (op, ver) = t.split_at(op_len);
        let ((pre, meta), parts) =
            parse_parts(ver).ok_or_else(|| format!("improper constraint: {t}"))?;
        let given = parts.iter().take_while(|p| p.is_some()).count();
        let v = Version {
            major: parts[0].unwrap_or(0),
            minor: parts[1].unwrap_or(0),
            patch: parts[2].unwrap_or(0),
            pre,
            meta,
            original: ver.to_string(),
        };
        out.push(Constraint {
            op: op.trim().to_string(),
            v,
            given,
        });
    }
    Ok(out)
}

fn bump(v: &Version, part: usize) -> Version {
    let mut n = v.clone();
    n.pre.clear();
    match part {
        0 => {
            n.major = n.major.saturating_add(1);
            n.minor = 0;
            n.patch = 0;
        }
        1 => {
            n.minor = n.minor.saturating_add(1);
            n.patch = 0;
        }
        _ => n.patch = n.patch.saturating_add(1),
    }
    n
}

fn check(c: &Constraint, v: &Version) -> bool {
    if !v.pre.is_empty() && c.v.pre.is_empty() {
        return false;
    }
    let o = v.cmp(&c.v);
    let dirty = c.given < 3;
    match c.op.as_str() {
        "" | "=" => {
            if dirty {
                c.given == 0
                    || (o != Ordering::Less && v.cmp(&bump(&c.v, c.given - 1)) == Ordering::Less)
            } else {
                o == Ordering::Equal
            }
        }
        "!=" => {
            if dirty {
                !(c.given == 0
                    || (o != Ordering::Less && v.cmp(&bump(&c.v, c.given - 1)) == Ordering::Less))
            } else {
                o != Ordering::Equal
            }
        }
        ">" => {
            if dirty && c.given > 0 {
                v.cmp(&bump(&c.v, c.given - 1)) != Ordering::Less
            } else {
                o == Ordering::Greater
            }
        }
        ">=" | "=>" => o != Ordering::Less,
        "<" => o == Ordering::Less,
        "<=" | "=<" => {
            if dirty && c.given > 0 {
                v.cmp(&bump(&c.v, c.given - 1)) == Ordering::Less
            } else {
                o != Ordering::Greater
            }
        }
        "~" | "~>" => {
            let upper = if c.given <= 1 {
                bump(&c.v, 0)
            } else {
                bump(&c.v, 1)
            };
            o != Ordering::Less && v.cmp(&upper) == Ordering::Less
        }
        "^" => {
            let upper = if c.v.major > 0 || c.given <= 1 {
                bump(&c.v, 0)
            } else if c.v.minor > 0 || c.given == 2 {
                bump(&c.v, 1)
            } else {
                bump(&c.v, 2)
            };
            o != Ordering::Less && v.cmp(&upper) == Ordering::Less
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sat(c: &str, v: &str) -> bool {
        satisfies(c, &Version::parse(v).unwrap()).unwrap()
    }

    #[test]
    fn masterminds_constraints() {
        assert!(sat(">=1.19-0", "v1.33.0"));
        assert!(!sat("<1.19-0", "v1.33.0"));
        assert!(sat(">= 1.21.0", "1.33.0"));
        assert!(sat("~1.2.3", "1.2.9"));
        assert!(!sat("~1.2.3", "1.3.0"));
        assert!(sat("^1.2", "1.9.0"));
        assert!(!sat("^0.2.3", "0.3.0"));
        assert!(sat("1.2.x", "1.2.7"));
        assert!(sat(">1.0 <2.0 || 3.x", "3.1.0"));
        assert!(!sat(">=1.0.0", "1.5.0-beta.1"));
        assert!(sat(">=1.0.0-0", "1.5.0-beta.1"));
        assert!(sat("1.2 - 1.4", "1.3.5"));
        assert!(sat("<=1.2", "1.2.9"));
        assert!(!sat(">1.2", "1.2.9"));
        assert!(sat(">=1.16.0-0", "v1.33.0+k3s1"));
    }
}
