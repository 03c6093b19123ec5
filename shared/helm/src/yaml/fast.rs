//! A hand-written fast path for the common subset of block-style YAML that
//! values files and rendered manifests are made of: one document of block
//! mappings and sequences, plain scalars on one line, quoted scalars on one
//! or folded over lines, literal and folded block scalars and flow collections on one
//! line.
//!
//! Every entry point returns `None` when the input is outside that subset or
//! the answer is not certain; callers then use the serde-saphyr decoder. For
//! an input it accepts, the result is the one serde-saphyr gives (checked by
//! `tests/yaml_fast.rs` on the corpus and by the `yaml_fast` fuzz target).

mod flow;
mod resolve;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use crate::template::value::{Map, Value};
use resolve::{
    Quoted, Scalar, double_quoted, plain_bytes, plain_start, resolve_plain, single_quoted,
};

/// Deepest nesting handled here (the serde path handles nesting bombs).
const MAX_DEPTH: usize = 64;
/// Longest line handled here.
const MAX_LINE: usize = 64 * 1024;
/// Longest key handled here (YAML limits implicit keys to 1024 characters).
const MAX_KEY: usize = 1000;
/// Largest document handled here.
const MAX_TEXT: usize = 1 << 24;

/// Decode a one-document YAML text (BOM already removed) into a value,
/// integers as `float64` when `FLOATS`; `None` when unsure.
pub fn decode<const FLOATS: bool>(text: &str) -> Option<Value> {
    Parser::<FLOATS>::new(text)?.root(false)
}

/// Decode a manifest's head as `parse_manifest_head` does: for a map, only
/// `kind` and `metadata` are built (the rest is checked); anything else whole.
pub fn decode_head(text: &str) -> Option<Value> {
    Parser::<false>::new(text)?.root(true)
}

/// One line: byte range without the line break, and leading spaces.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    indent: usize,
    /// Neither blank nor a comment line.
    content: bool,
}

struct Parser<'a, const FLOATS: bool> {
    src: &'a str,
    lines: Vec<Line>,
    /// The next line to read.
    cur: usize,
}

/// After `from`: only spaces, then the end of the line or a comment that
/// is separated from what came before by a space.
fn rest_is_comment(t: &[u8], from: usize) -> bool {
    let mut j = from;
    while t.get(j) == Some(&b' ') {
        j += 1;
    }
    j >= t.len() || (t[j] == b'#' && j > 0 && t[j - 1] == b' ')
}

impl<'a, const F: bool> Parser<'a, F> {
    /// Split into lines, refusing odd bytes, directives and document markers
    /// (but a leading `---`).
    fn new(src: &'a str) -> Option<Self> {
        // The serde path reads a text that Rust trims to nothing (Unicode
        // spaces included) as no document at all.
        if src.len() > MAX_TEXT || src.trim().is_empty() {
            return None;
        }
        let mut lines = Vec::with_capacity(src.len() / 32 + 1);
        let (mut start, mut seen) = (0, false);
        // One scan for every line end (a search per line costs more than the
        // short lines of a values file).
        let mut ends = memchr::memchr_iter(b'\n', src.as_bytes());
        while start < src.len() {
            let (end, next) = match ends.next() {
                Some(k) => (k, k + 1),
                None => (src.len(), src.len()),
            };
            let t = &src.as_bytes()[start..end];
            if t.len() > MAX_LINE || !plain_bytes(t) {
                return None;
            }
            if t.starts_with(b"---") || t.starts_with(b"...") || t.first() == Some(&b'%') {
                if seen || !t.starts_with(b"---") || !rest_is_comment(t, 3) {
                    return None;
                }
                seen = true;
                start = next;
                continue;
            }
            let indent = t.iter().take_while(|c| **c == b' ').count();
            let content = indent < t.len() && t[indent] != b'#';
            seen |= content;
            lines.push(Line {
                start,
                end,
                indent,
                content,
            });
            start = next;
        }
        Some(Parser { src, lines, cur: 0 })
    }

    fn text(&self, i: usize) -> &'a str {
        let l = self.lines[i];
        &self.src[l.start..l.end]
    }

    /// Skip blank and comment lines; the next content line, if any.
    fn skip(&mut self) -> Option<usize> {
        while let Some(l) = self.lines.get(self.cur) {
            if l.content {
                return Some(self.cur);
            }
            self.cur += 1;
        }
        None
    }

    /// Is there a sequence entry indicator at `col` of line `i`?
    fn dash(&self, i: usize, col: usize) -> bool {
        let t = self.text(i).as_bytes();
        t.get(col) == Some(&b'-') && matches!(t.get(col + 1), None | Some(b' '))
    }

    /// A head filters block mappings only: a flow mapping document bails
    /// unless it is `{}`.
    fn empty_or_not_flow_map(&self, i: usize, n: usize) -> bool {
        let t = &self.text(i)[n..];
        !t.starts_with('{') || t[1..].trim_start_matches(' ').starts_with('}')
    }

    fn root(&mut self, head: bool) -> Option<Value> {
        // An empty or null document is left to the serde path (a stream of
        // no documents there).
        self.skip()?;
        let v = self.block(-1, false, 0, true, head)?;
        match (self.skip(), &v) {
            (Some(_), _) | (None, Value::Nil) => None,
            (None, _) => Some(v),
        }
    }

    /// A block node on the following lines, more indented than `parent`
    /// (or a sequence at the same indent when `seq_same`); nil when none.
    /// `build: false` checks without building (a skipped manifest field).
    fn block(
        &mut self,
        parent: isize,
        seq_same: bool,
        depth: usize,
        build: bool,
        head: bool,
    ) -> Option<Value> {
        let Some(i) = self.skip() else {
            return Some(Value::Nil);
        };
        let n = self.lines[i].indent;
        let dash = self.dash(i, n);
        if (n as isize) < parent || (n as isize == parent && !(seq_same && dash)) {
            return Some(Value::Nil);
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        if dash {
            self.seq(n, depth + 1, build)
        } else if self.key(i, n)?.is_some() {
            self.map(n, None, depth + 1, build, head)
        } else if matches!(self.text(i).as_bytes()[n], b'|' | b'>')
            || (head && !self.empty_or_not_flow_map(i, n))
        {
            None
        } else {
            // A scalar or flow node on its own line: it ends there, as the
            // caller bails on a more indented line after it.
            self.value(i, n, n, depth, build)
        }
    }

    /// A block sequence whose `-` indicators are at column `n`.
    fn seq(&mut self, n: usize, depth: usize, build: bool) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(i) = self.skip() {
            let ind = self.lines[i].indent;
            if ind < n {
                break;
            }
            if ind > n {
                return None;
            }
            if !self.dash(i, n) {
                break;
            }
            let t = self.text(i).as_bytes();
            let col = n + 1 + t[n + 1..].iter().take_while(|c| **c == b' ').count();
            let item = if col >= t.len() || t[col] == b'#' {
                self.cur = i + 1;
                self.block(n as isize, false, depth, build, false)?
            } else if self.dash(i, col) {
                // A compact nested sequence (`- - x`).
                return None;
            } else if self.key(i, col)?.is_some() {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.map(col, Some(i), depth + 1, build, false)?
            } else {
                self.value(i, col, n, depth, build)?
            };
            if build {
                items.push(item);
            }
        }
        Some(if build {
            Value::from(items)
        } else {
            Value::Nil
        })
    }

    /// A block mapping whose keys are at column `n`; `first` is a line whose
    /// first key starts at column `n` after a `- ` (a compact mapping).
    /// `head`: keep only `kind` and `metadata`, only checking the rest.
    fn map(
        &mut self,
        n: usize,
        mut first: Option<usize>,
        depth: usize,
        build: bool,
        head: bool,
    ) -> Option<Value> {
        let mut m = Map::new();
        loop {
            let i = match first.take() {
                Some(i) => i,
                None => {
                    let Some(i) = self.skip() else { break };
                    let ind = self.lines[i].indent;
                    if ind < n {
                        break;
                    }
                    if ind > n {
                        return None;
                    }
                    i
                }
            };
            let (key, after) = self.key(i, n)??;
            let t = self.text(i).as_bytes();
            let c = after + t[after..].iter().take_while(|c| **c == b' ').count();
            let keep = build && (!head || key.is_str("kind") || key.is_str("metadata"));
            let v = if c >= t.len() || t[c] == b'#' {
                self.cur = i + 1;
                self.block(n as isize, true, depth, keep, false)?
            } else {
                self.value(i, c, n, depth, keep)?
            };
            if keep {
                m.insert(key.into_key(), v);
            }
        }
        Some(if build { Value::from(m) } else { Value::Nil })
    }

    /// The implicit key at column `col` of line `i` and the column after its
    /// `:`; `Some(None)` when the line holds no key there, `None` to bail.
    #[allow(clippy::option_option)]
    fn key(&self, i: usize, col: usize) -> Option<Option<(Scalar<'a>, usize)>> {
        let line = self.text(i);
        let t = line.as_bytes();
        let (key, colon) = match t.get(col) {
            Some(q @ (b'"' | b'\'')) => {
                let (s, end) = if *q == b'"' {
                    double_quoted(line, col + 1)?
                } else {
                    single_quoted(line, col + 1)?
                };
                let Some(end) = end else {
                    return Some(None);
                };
                let j = end + t[end..].iter().take_while(|c| **c == b' ').count();
                if t.get(j) != Some(&b':') {
                    return Some(None);
                }
                (Scalar::Str(s), j)
            }
            _ => {
                if !plain_start(&t[col..]) {
                    return Some(None);
                }
                let mut j = col;
                let mut inner_colon = false;
                loop {
                    match t.get(j) {
                        None => return Some(None),
                        Some(b'#') if t[j - 1] == b' ' => return Some(None),
                        Some(b':') if matches!(t.get(j + 1), None | Some(b' ')) => break,
                        Some(c) => {
                            inner_colon |= *c == b':';
                            j += 1;
                        }
                    }
                }
                if inner_colon {
                    return None;
                }
                let text = line[col..j].trim_end_matches(' ');
                (resolve_plain(text)?, j)
            }
        };
        if !matches!(t.get(colon + 1), None | Some(b' ')) || colon - col > MAX_KEY {
            return None;
        }
        Some(Some((key, colon + 1)))
    }

    /// A scalar starting at column `c` of line `i` (a literal block scalar
    /// may go on below, more indented than `n`); the cursor moves past it.
    fn value(&mut self, i: usize, c: usize, n: usize, depth: usize, build: bool) -> Option<Value> {
        let line = self.text(i);
        let t = line.as_bytes();
        let (v, end) = match t[c] {
            b'|' | b'>' => return self.block_scalar(i, c, n, build),
            b'"' | b'\'' => {
                let (s, k, e) = self.quoted(i, c, n)?;
                if !rest_is_comment(self.text(k).as_bytes(), e) {
                    return None;
                }
                self.cur = k + 1;
                return Some(if build { Value::from(&*s) } else { Value::Nil });
            }
            b'[' | b'{' => {
                let (v, e) = flow::node::<F>(line, c, depth, build)?;
                if !rest_is_comment(t, e) {
                    return None;
                }
                self.cur = i + 1;
                return Some(v);
            }
            _ => {
                if !plain_start(&t[c..]) {
                    return None;
                }
                let mut e = c;
                while e < t.len() && !(t[e] == b'#' && t[e - 1] == b' ') {
                    e += 1;
                }
                let text = line[c..e].trim_end_matches(' ');
                if has_mapping_colon(text.as_bytes()) {
                    return None;
                }
                (resolve_plain(text)?, e)
            }
        };
        if !rest_is_comment(t, end) {
            return None;
        }
        self.cur = i + 1;
        Some(if build {
            v.into_value::<F>()
        } else {
            Value::Nil
        })
    }

    /// A quoted scalar opening at column `c` of line `i`, maybe going on over
    /// lines more indented than `n` (folded as YAML does; no escapes then):
    /// its text, the line and the index after its closing quote.
    fn quoted(&self, i: usize, c: usize, n: usize) -> Option<(Cow<'a, str>, usize, usize)> {
        let double = self.text(i).as_bytes()[c] == b'"';
        let scan = |k: usize, from: usize| -> Option<Quoted<'a>> {
            let line = self.text(k);
            if double && k != i && line.as_bytes()[from..].contains(&b'\\') {
                return None;
            }
            if double {
                double_quoted(line, from)
            } else {
                single_quoted(line, from)
            }
        };
        let (first, end) = scan(i, c + 1)?;
        if let Some(e) = end {
            return Some((first, i, e));
        }
        if double && self.text(i).as_bytes()[c..].contains(&b'\\') {
            return None;
        }
        let mut out = first.trim_end_matches(' ').to_string();
        let (mut k, mut breaks) = (i + 1, 1);
        loop {
            let l = self.lines.get(k)?;
            if l.indent == l.end - l.start {
                breaks += 1;
                k += 1;
                continue;
            }
            if l.indent <= n {
                return None;
            }
            if breaks == 1 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', breaks - 1));
            }
            let (seg, end) = scan(k, l.indent)?;
            if let Some(e) = end {
                out.push_str(&seg);
                return Some((Cow::Owned(out), k, e));
            }
            out.push_str(seg.trim_end_matches(' '));
            (k, breaks) = (k + 1, 1);
        }
    }

    /// A block scalar whose header (`|` literal or `>` folded, then `-`, `+`
    /// or nothing) is at column `c` of line `i`, its content more indented
    /// than `n`. Folding follows libyaml: two lines that both start at the
    /// content indentation join with a space (or with the empty lines between
    /// them, one break each); around more-indented lines breaks are kept.
    fn block_scalar(&mut self, i: usize, c: usize, n: usize, build: bool) -> Option<Value> {
        let t = self.text(i).as_bytes();
        let folded = t[c] == b'>';
        let (chomp, j) = match t.get(c + 1) {
            Some(b'-') => (Chomp::Strip, c + 2),
            Some(b'+') => (Chomp::Keep, c + 2),
            _ => (Chomp::Clip, c + 1),
        };
        if !rest_is_comment(t, j) {
            return None;
        }
        let blank = |l: &Line| l.indent == l.end - l.start;
        let mut k = i + 1;
        let mut lead_max = 0;
        while let Some(l) = self.lines.get(k).filter(|l| blank(l)) {
            lead_max = lead_max.max(l.indent);
            k += 1;
        }
        let ind = match self.lines.get(k) {
            Some(l) if l.indent > n => l.indent,
            // No content: an empty string, unless blank lines could set the
            // indentation or kept breaks count.
            _ if lead_max <= n && chomp != Chomp::Keep => {
                self.cur = k;
                return Some(if build { Value::from("") } else { Value::Nil });
            }
            _ => return None,
        };
        // Over-indented leading blank lines bail.
        if lead_max > ind {
            return None;
        }
        let mut out = String::new();
        let mut breaks = k - (i + 1);
        // Did the previous content line start with a space (more indented)?
        let mut prev_more: Option<bool> = None;
        while let Some(l) = self.lines.get(k) {
            if blank(l) {
                if l.indent > ind {
                    return None;
                }
                breaks += 1;
            } else if l.indent < ind {
                break;
            } else {
                let text = &self.src[l.start + ind..l.end];
                let more = text.starts_with(' ');
                if build {
                    match prev_more {
                        // The break ending the previous line is folded away.
                        Some(false) if folded && !more => {
                            if breaks == 1 {
                                out.push(' ');
                            } else {
                                out.extend(std::iter::repeat_n('\n', breaks - 1));
                            }
                        }
                        _ => out.extend(std::iter::repeat_n('\n', breaks)),
                    }
                    out.push_str(text);
                }
                prev_more = Some(more);
                breaks = 1;
            }
            k += 1;
        }
        if chomp == Chomp::Keep && k == self.lines.len() {
            // Trailing breaks at the end of the input: left to the serde path.
            return None;
        }
        self.cur = k;
        if !build {
            return Some(Value::Nil);
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => out.push('\n'),
            Chomp::Keep => out.extend(std::iter::repeat_n('\n', breaks)),
        }
        Some(Value::from(out))
    }
}

#[derive(PartialEq, Clone, Copy)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// Does a plain scalar's text hold `": "` or end in `:` (so it would be a
/// mapping key)? A byte loop: the texts are short.
fn has_mapping_colon(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .any(|(i, &c)| c == b':' && matches!(t.get(i + 1), None | Some(b' ')))
}
