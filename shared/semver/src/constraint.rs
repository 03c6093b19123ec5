//! Masterminds/semver v3 constraints: parsing and matching.
//!
//! Syntax: OR groups separated by `||`; inside a group, constraints separated by
//! whitespace and/or a comma are ANDed. A constraint is an optional operator
//! (`=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`, `=<`, `~`, `~>`, `^`) and a version whose
//! parts may be omitted or wildcards (`x`, `X`, `*`). `A - B` is the hyphen range
//! `>= A, <= B`.
//!
//! Prereleases: a prerelease version only matches an OR group in which at least one
//! constraint carries a prerelease (Masterminds v3.3+ `containsPre`), so `>=1.0.0`
//! never selects `v2.0.0-rc.1` while `>=1.0.0-0` does.

use std::fmt;

use crate::Error;
use crate::version::{Version, compare_prerelease};

/// Longest constraint string accepted, as in Masterminds (`MaxConstraintLen`).
pub const MAX_CONSTRAINT_LEN: usize = 512;
/// Most `||` groups accepted, as in Masterminds (`MaxConstraintGroups`).
pub const MAX_CONSTRAINT_GROUPS: usize = 32;

/// A parsed constraint expression (one or more OR groups of ANDed comparators).
#[derive(Debug, Clone)]
pub struct Constraint {
    groups: Vec<Group>,
    original: String,
}

#[derive(Debug, Clone)]
struct Group {
    comparators: Vec<Comparator>,
    contains_pre: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

/// One operator + version. `dirty` marks an omitted or wildcard part; `minor_dirty`
/// that the minor (and patch) were omitted, `patch_dirty` that only the patch was.
#[derive(Debug, Clone)]
struct Comparator {
    op: Op,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

impl Constraint {
    /// Parses a constraint expression such as `>=1.2.0 <2 || ~3.1`.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let improper = || Error::InvalidConstraint {
            constraint: input.to_string(),
        };
        if input.len() > MAX_CONSTRAINT_LEN {
            return Err(improper());
        }
        let or_parts: Vec<&str> = input.split("||").collect();
        if or_parts.len() > MAX_CONSTRAINT_GROUPS {
            return Err(improper());
        }
        let mut groups = Vec::with_capacity(or_parts.len());
        for part in or_parts {
            let comparators = parse_group(part).ok_or_else(improper)?;
            let contains_pre = comparators.iter().any(|c| !c.con.prerelease().is_empty());
            groups.push(Group {
                comparators,
                contains_pre,
            });
        }
        Ok(Constraint {
            groups,
            original: input.to_string(),
        })
    }

    /// Reports whether `version` satisfies the constraint.
    pub fn matches(&self, version: &Version) -> bool {
        self.groups.iter().any(|g| {
            g.comparators
                .iter()
                .all(|c| c.check(version, g.contains_pre))
        })
    }
}

impl std::str::FromStr for Constraint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Constraint::parse(s)
    }
}

/// Prints the constraint as it was written.
impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

fn skip_space(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

/// Parses one AND group; `None` when it is not a valid group.
fn parse_group(group: &str) -> Option<Vec<Comparator>> {
    let mut s = skip_space(group);
    if s.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(2);
    loop {
        let (op_text, rest) = scan_op(s);
        let rest = skip_space(rest);
        let (ver, after) = scan_version(rest)?;
        // A hyphen range "A - B": only for an operator-less first version, with
        // whitespace on both sides of the hyphen.
        if op_text.is_empty()
            && let Some((upper, after_range)) = scan_range_tail(after)
        {
            out.push(ver.into_comparator(Op::GreaterEqual)?);
            out.push(upper.into_comparator(Op::LessEqual)?);
            if let Some(next) = next_in_group(after_range, true)? {
                s = next;
                continue;
            }
            return Some(out);
        }
        out.push(ver.into_comparator(op_from_text(op_text))?);
        match next_in_group(after, false)? {
            Some(next) => s = next,
            None => return Some(out),
        }
    }
}

/// After a constraint: `Ok(None)` at the end of the group, `Some(rest)` when a
/// separator (whitespace or comma) leads to another constraint. A range rewrite
/// ends with a space in Masterminds, so it counts as separated.
fn next_in_group(after: &str, separated: bool) -> Option<Option<&str>> {
    let trimmed = skip_space(after);
    if trimmed.is_empty() {
        return Some(None);
    }
    let next = if let Some(t) = trimmed.strip_prefix(',') {
        skip_space(t)
    } else if trimmed.len() != after.len() || separated {
        trimmed
    } else {
        return None;
    };
    if next.is_empty() {
        return None;
    }
    Some(Some(next))
}

/// Recognizes `\s+-\s+<version>` after a version.
fn scan_range_tail(after: &str) -> Option<(ScannedVersion<'_>, &str)> {
    let t = skip_space(after);
    if t.len() == after.len() {
        return None;
    }
    let t = t.strip_prefix('-')?;
    let u = skip_space(t);
    if u.len() == t.len() {
        return None;
    }
    scan_version(u)
}

fn scan_op(s: &str) -> (&str, &str) {
    for op in ["!=", ">=", "=>", "<=", "=<", "~>"] {
        if let Some(rest) = s.strip_prefix(op) {
            return (op, rest);
        }
    }
    for op in ["=", ">", "<", "~", "^"] {
        if let Some(rest) = s.strip_prefix(op) {
            return (op, rest);
        }
    }
    ("", s)
}

fn op_from_text(op: &str) -> Op {
    match op {
        "!=" => Op::NotEqual,
        ">" => Op::Greater,
        "<" => Op::Less,
        ">=" | "=>" => Op::GreaterEqual,
        "<=" | "=<" => Op::LessEqual,
        "~" | "~>" => Op::Tilde,
        "^" => Op::Caret,
        _ => Op::TildeOrEqual,
    }
}

/// The raw pieces of a constraint version before wildcards are resolved.
struct ScannedVersion<'a> {
    segs: Vec<&'a str>,
    pre: &'a str,
}

fn is_seg_char(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'x' | b'X' | b'*')
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Scans `v?SEG(.SEG){0,2}(-PRE)?(+META)?` from the front of `s`.
fn scan_version(s: &str) -> Option<(ScannedVersion<'_>, &str)> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'v'));
    let mut segs = Vec::with_capacity(3);
    loop {
        let start = i;
        while i < b.len() && is_seg_char(b[i]) {
            i += 1;
        }
        if i == start {
            return None;
        }
        segs.push(&s[start..i]);
        if segs.len() == 3 || i + 1 >= b.len() || b[i] != b'.' || !is_seg_char(b[i + 1]) {
            break;
        }
        i += 1;
    }
    let mut pre = "";
    if i < b.len() && b[i] == b'-' {
        let end = scan_identifiers(b, i + 1);
        if end > i + 1 {
            pre = &s[i + 1..end];
            i = end;
        }
    }
    if i < b.len() && b[i] == b'+' {
        let end = scan_identifiers(b, i + 1);
        if end > i + 1 {
            i = end;
        }
    }
    Some((ScannedVersion { segs, pre }, &s[i..]))
}

fn scan_identifiers(b: &[u8], start: usize) -> usize {
    let mut end = start;
    loop {
        let s = end;
        while end < b.len() && is_ident_char(b[end]) {
            end += 1;
        }
        if end == s {
            return s;
        }
        if end + 1 < b.len() && b[end] == b'.' && is_ident_char(b[end + 1]) {
            end += 1;
            continue;
        }
        return end;
    }
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn segment(s: &str) -> Option<u64> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl ScannedVersion<'_> {
    /// Resolves wildcards: `1.x` holds 1.0.0 with `minor_dirty`; `*` holds 0.0.0.
    fn into_comparator(self, op: Op) -> Option<Comparator> {
        if !self.pre.is_empty() {
            // Rejects e.g. numeric identifiers with a leading zero.
            Version::parse(&format!("0.0.0-{}", self.pre)).ok()?;
        }
        let seg = |i: usize| self.segs.get(i).copied();
        let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
        let (major, minor, patch);
        if seg(0).is_none_or(is_x) {
            dirty = true;
            (major, minor, patch) = (0, 0, 0);
        } else if seg(1).is_none_or(is_x) {
            dirty = true;
            minor_dirty = true;
            (major, minor, patch) = (segment(seg(0)?)?, 0, 0);
        } else if seg(2).is_none_or(is_x) {
            dirty = true;
            patch_dirty = true;
            (major, minor, patch) = (segment(seg(0)?)?, segment(seg(1)?)?, 0);
        } else {
            (major, minor, patch) = (segment(seg(0)?)?, segment(seg(1)?)?, segment(seg(2)?)?);
        }
        Some(Comparator {
            op,
            con: Version::from_parts(major, minor, patch, self.pre),
            dirty,
            minor_dirty,
            patch_dirty,
        })
    }
}

impl Comparator {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        // Prerelease versions only match groups that ask for prereleases.
        if !v.prerelease().is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        match self.op {
            Op::NotEqual => {
                if self.dirty {
                    if c.major() != v.major() {
                        return true;
                    }
                    if self.minor_dirty {
                        return false;
                    }
                    if c.minor() != v.minor() {
                        return true;
                    }
                    if !self.patch_dirty && c.patch() != v.patch() {
                        return true;
                    }
                    if self.patch_dirty {
                        if !v.prerelease().is_empty() || !c.prerelease().is_empty() {
                            return compare_prerelease(v.prerelease(), c.prerelease()).is_ne();
                        }
                        return false;
                    }
                }
                v != c
            }
            Op::Greater => {
                if !self.dirty {
                    return v > c;
                }
                if v.major() != c.major() {
                    return v.major() > c.major();
                }
                if self.minor_dirty {
                    // ">11" needs 12 or higher.
                    return false;
                }
                if self.patch_dirty {
                    return v.minor() > c.minor();
                }
                v > c
            }
            Op::Less => v < c,
            Op::GreaterEqual => v >= c,
            Op::LessEqual => {
                if !self.dirty {
                    return v <= c;
                }
                if v.major() > c.major() {
                    return false;
                }
                !(v.major() == c.major() && v.minor() > c.minor() && !self.minor_dirty)
            }
            Op::Tilde => self.tilde(v),
            Op::TildeOrEqual => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v == c
                }
            }
            Op::Caret => self.caret(v),
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        // "~0.0.0" and "*" accept everything at or above 0.0.0.
        if c.major() == 0
            && c.minor() == 0
            && c.patch() == 0
            && !self.minor_dirty
            && !self.patch_dirty
        {
            return true;
        }
        if v.major() != c.major() {
            return false;
        }
        v.minor() == c.minor() || self.minor_dirty
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major() > 0 || self.minor_dirty {
            return v.major() == c.major();
        }
        if v.major() > 0 {
            return false;
        }
        if c.minor() > 0 || self.patch_dirty {
            return v.minor() == c.minor();
        }
        if v.minor() > 0 {
            return false;
        }
        v.patch() == c.patch()
    }
}

#[cfg(test)]
#[path = "constraint_tests.rs"]
mod tests;
