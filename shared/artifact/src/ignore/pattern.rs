//! One gitignore pattern scoped to a domain, with Flux's (go-git's) matching rules.
//!
//! These differ from git and from the `ignore` crate in ways users can observe, so they
//! are reproduced rather than delegated:
//! - a pattern matches a path when it matches any leading part of it, so a pattern that
//!   matches a directory also matches everything below it;
//! - the matcher asks the patterns from last to first and the first that matches decides,
//!   so a later `!negation` can re-include a file inside an excluded directory;
//! - element matching uses Go's `filepath.Match` syntax (see [`super::glob`]).

use super::glob::Glob;

/// Outcome of matching one pattern against a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchResult {
    /// The pattern does not apply.
    NoMatch,
    /// The path is excluded.
    Exclude,
    /// The path is explicitly re-included (a `!` pattern).
    Include,
}

/// A parsed gitignore pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    domain: Vec<String>,
    elements: Vec<Element>,
    inclusion: bool,
    dir_only: bool,
    is_glob: bool,
}

#[derive(Clone, Debug)]
struct Element {
    kind: Kind,
    glob: Glob,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Empty element from a leading or doubled `/`.
    Empty,
    /// `**`.
    AnyDirs,
    /// `**` mixed with other characters: never matches inside a path pattern.
    Invalid,
    /// Any other glob.
    Plain,
}

impl Pattern {
    /// Parses one pattern line; `domain` is the directory (as path elements, relative to the
    /// archived root) of the ignore file it came from.
    pub fn parse(line: &str, domain: &[String]) -> Pattern {
        let mut p = line;
        let inclusion = p.starts_with('!');
        if inclusion {
            p = &p[1..];
        }
        if !p.ends_with("\\ ") {
            p = p.trim_end_matches(' ');
        }
        let dir_only = p.ends_with('/');
        if dir_only {
            p = &p[..p.len() - 1];
        }
        let is_glob = p.contains('/');
        let elements = p
            .split('/')
            .map(|e| Element {
                kind: match e {
                    "" => Kind::Empty,
                    "**" => Kind::AnyDirs,
                    e if e.contains("**") => Kind::Invalid,
                    _ => Kind::Plain,
                },
                glob: Glob::new(e),
            })
            .collect();
        Pattern {
            domain: domain.to_vec(),
            elements,
            inclusion,
            dir_only,
            is_glob,
        }
    }

    /// Matches `path` (elements relative to the archived root).
    pub fn matches(&self, path: &[&str], is_dir: bool) -> MatchResult {
        if path.len() <= self.domain.len() {
            return MatchResult::NoMatch;
        }
        if self.domain.iter().zip(path).any(|(d, p)| d != p) {
            return MatchResult::NoMatch;
        }
        let rest = &path[self.domain.len()..];
        let matched = if self.is_glob {
            self.glob_match(rest, is_dir)
        } else {
            self.simple_name_match(rest, is_dir)
        };
        match (matched, self.inclusion) {
            (false, _) => MatchResult::NoMatch,
            (true, true) => MatchResult::Include,
            (true, false) => MatchResult::Exclude,
        }
    }

    /// A pattern without `/` matches any element of the path.
    fn simple_name_match(&self, path: &[&str], is_dir: bool) -> bool {
        // go-git hands the whole element to filepath.Match, where "**" is just two stars.
        let Some(Element { glob, .. }) = self.elements.first() else {
            return false;
        };
        for (i, name) in path.iter().enumerate() {
            if !glob.matches(name) {
                continue;
            }
            return !(self.dir_only && !is_dir && i == path.len() - 1);
        }
        false
    }

    /// A pattern with `/` is anchored at its domain and matched element by element.
    fn glob_match(&self, mut path: &[&str], is_dir: bool) -> bool {
        let mut matched = false;
        let mut can_traverse = false;
        for (i, element) in self.elements.iter().enumerate() {
            let glob = match element.kind {
                Kind::Empty => {
                    can_traverse = false;
                    continue;
                }
                Kind::AnyDirs => {
                    if i == self.elements.len() - 1 {
                        break;
                    }
                    can_traverse = true;
                    continue;
                }
                Kind::Invalid => return false,
                Kind::Plain => &element.glob,
            };
            let Some((first, _)) = path.split_first() else {
                return false;
            };
            if can_traverse {
                can_traverse = false;
                while let Some((e, rest)) = path.split_first() {
                    path = rest;
                    if glob.matches(e) {
                        matched = true;
                        break;
                    } else if path.is_empty() {
                        matched = false;
                    }
                }
            } else {
                if !glob.matches(first) {
                    return false;
                }
                matched = true;
                path = &path[1..];
            }
        }
        if matched && self.dir_only && !is_dir && path.is_empty() {
            matched = false;
        }
        matched
    }
}

/// Patterns in increasing priority; the last pattern that matches decides.
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
}

impl Matcher {
    /// Builds a matcher; `patterns` go from lowest to highest priority.
    pub fn new(patterns: Vec<Pattern>) -> Matcher {
        Matcher { patterns }
    }

    /// Whether `path` is excluded.
    pub fn is_excluded(&self, path: &[&str], is_dir: bool) -> bool {
        self.patterns
            .iter()
            .rev()
            .map(|p| p.matches(path, is_dir))
            .find(|m| *m != MatchResult::NoMatch)
            == Some(MatchResult::Exclude)
    }
}
