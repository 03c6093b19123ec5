//! `.helmignore` rules: gitignore-like patterns matched on paths relative to
//! the chart root, with `!` negation and `dir/` rules.

use crate::files::{GLOB_META, glob_match};

/// A parsed `.helmignore`.
#[derive(Debug, Default, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    matcher: Matcher,
    /// Matched against the whole path (the pattern has a `/`), else the base name.
    whole_path: bool,
    negate: bool,
    dir_only: bool,
}

/// A pattern, classified once: most `.helmignore` lines are plain names or
/// `*.ext`, which need no glob matching.
#[derive(Debug, Clone)]
enum Matcher {
    Exact(String),
    Suffix(String),
    Glob(String),
}

impl Matcher {
    fn new(pattern: &str) -> Matcher {
        const META: &[char] = GLOB_META;
        if !pattern.contains(META) {
            return Matcher::Exact(pattern.to_string());
        }
        match pattern.strip_prefix('*') {
            Some(suffix) if !suffix.contains(META) && !suffix.contains('/') => {
                Matcher::Suffix(suffix.to_string())
            }
            _ => Matcher::Glob(pattern.to_string()),
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Matcher::Exact(p) => p == name,
            Matcher::Suffix(s) => !name.contains('/') && name.ends_with(s.as_str()),
            Matcher::Glob(p) => glob_match(p, name),
        }
    }
}

impl Rules {
    /// Parse rule text; Helm always adds `templates/.?*`.
    pub fn parse(text: &str) -> Rules {
        let mut rules = Vec::new();
        for line in text.lines().chain(std::iter::once("templates/.?*")) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, p) = match line.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, line),
            };
            let dir_only = p.ends_with('/');
            let p = p.trim_end_matches('/').trim_start_matches("./");
            if p.is_empty() {
                continue;
            }
            let whole_path = p.contains('/');
            rules.push(Rule {
                matcher: Matcher::new(if whole_path {
                    p.trim_start_matches('/')
                } else {
                    p
                }),
                whole_path,
                negate,
                dir_only,
            });
        }
        Rules { rules }
    }

    /// Is `path` (relative, `/`-separated) ignored?
    pub fn ignored(&self, path: &str, is_dir: bool) -> bool {
        let mut ignored = false;
        let base = path.rsplit('/').next().unwrap_or(path);
        for r in &self.rules {
            if r.dir_only && !is_dir {
                continue;
            }
            let hit = r.matcher.matches(if r.whole_path { path } else { base });
            if hit {
                ignored = !r.negate;
            }
        }
        ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let r = Rules::parse("# c\nignore/\n.*\n*.bak\n!keep.bak\n");
        assert!(r.ignored("ignore", true));
        assert!(!r.ignored("ignore", false));
        assert!(r.ignored(".git", true));
        assert!(r.ignored("x/y.bak", false));
        assert!(!r.ignored("keep.bak", false));
        assert!(r.ignored("templates/.hidden", false));
        assert!(!r.ignored("templates/a.yaml", false));
    }
}
