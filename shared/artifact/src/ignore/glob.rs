//! Go's `path/filepath.Match` for a single path element.
//!
//! Flux's gitignore patterns are matched element by element with `filepath.Match`, so the
//! pattern syntax is Go's, not git's: `*`, `?`, `[...]` classes negated with `^`, and `\`
//! escapes. A malformed pattern never matches (Go returns `ErrBadPattern`).

/// One parsed term of a glob.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    Star,
    Any,
    Literal(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A compiled single-element glob; `None` terms mean the pattern was malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    terms: Option<Vec<Term>>,
}

impl Glob {
    /// Compiles `pattern` with Go `filepath.Match` syntax.
    pub(crate) fn new(pattern: &str) -> Self {
        Glob {
            terms: parse(pattern),
        }
    }

    /// Whether `name` matches; malformed patterns match nothing.
    pub(crate) fn matches(&self, name: &str) -> bool {
        match &self.terms {
            Some(terms) => {
                let name: Vec<char> = name.chars().collect();
                match_terms(terms, &name)
            }
            None => false,
        }
    }
}

fn parse(pattern: &str) -> Option<Vec<Term>> {
    let mut chars = pattern.chars().peekable();
    let mut terms = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '*' => terms.push(Term::Star),
            '?' => terms.push(Term::Any),
            '\\' => terms.push(Term::Literal(chars.next()?)),
            '[' => {
                let negated = chars.peek() == Some(&'^');
                if negated {
                    chars.next();
                }
                let mut ranges = Vec::new();
                loop {
                    let lo = match chars.next()? {
                        ']' if !ranges.is_empty() => break,
                        // Go rejects an empty class and a bare '-' as a range start.
                        ']' | '-' => return None,
                        '\\' => chars.next()?,
                        other => other,
                    };
                    let hi = if chars.peek() == Some(&'-') {
                        chars.next();
                        match chars.next()? {
                            '\\' => chars.next()?,
                            ']' | '-' => return None,
                            other => other,
                        }
                    } else {
                        lo
                    };
                    if lo > hi {
                        return None;
                    }
                    ranges.push((lo, hi));
                }
                terms.push(Term::Class { negated, ranges });
            }
            other => terms.push(Term::Literal(other)),
        }
    }
    Some(terms)
}

/// Matches with single-star backtracking.
fn match_terms(terms: &[Term], name: &[char]) -> bool {
    let (mut t, mut n) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if let Some(term) = terms.get(t) {
            if *term == Term::Star {
                backtrack = Some((t, n));
                t += 1;
                continue;
            }
            if let Some(&c) = name.get(n)
                && term_matches(term, c)
            {
                t += 1;
                n += 1;
                continue;
            }
        } else if n == name.len() {
            return true;
        }
        match backtrack {
            // Like Go, '*' never spans a separator.
            Some((bt, bn)) if name.get(bn).is_some_and(|c| *c != '/') => {
                backtrack = Some((bt, bn + 1));
                t = bt + 1;
                n = bn + 1;
            }
            _ => return false,
        }
    }
}

fn term_matches(term: &Term, c: char) -> bool {
    match term {
        Term::Star => true,
        Term::Any => c != '/',
        Term::Literal(l) => *l == c,
        Term::Class { negated, ranges } => {
            let inside = ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c));
            inside != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, n: &str) -> bool {
        Glob::new(p).matches(n)
    }

    #[test]
    fn go_filepath_match_table() {
        // Cases from Go's path/filepath match_test.go that apply to single elements.
        assert!(m("abc", "abc"));
        assert!(m("*", "abc"));
        assert!(m("*c", "abc"));
        assert!(!m("a*", "ab/c"));
        assert!(m("a*b*c*d*e*", "axbxcxdxe"));
        assert!(m("ab[c]", "abc"));
        assert!(m("ab[b-d]", "abc"));
        assert!(!m("ab[e-g]", "abc"));
        assert!(!m("ab[^c]", "abc"));
        assert!(!m("ab[^b-d]", "abc"));
        assert!(m("ab[^e-g]", "abc"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "ab"));
        assert!(m("a?b", "a☺b"));
        assert!(m("a[^a]b", "a☺b"));
        assert!(!m("a???b", "a☺b"));
        assert!(m("[a-ζ]*", "α"));
        assert!(!m("*[a-ζ]", "A"));
        assert!(m("[\\]a]", "]"));
        assert!(m("[\\-]", "-"));
        assert!(m("[x\\-]", "x"));
        assert!(!m("[x\\-]", "z"));
        assert!(m("*x", "xxx"));
        assert!(m("*.tar.gz", "chart.tar.gz"));
        assert!(!m("*.tar.gz", "chart.tgz"));
    }

    #[test]
    fn malformed_patterns_never_match() {
        for bad in [
            "[]a]", "[-]", "[x-]", "[", "[^", "[^bc", "a[", "\\", "[a-b-c]", "[z-a]",
        ] {
            assert!(!m(bad, "a"), "{bad} should be malformed");
            assert!(!m(bad, "-"), "{bad} should be malformed");
        }
    }
}
