//! `.helmignore` rules: gitignore-like patterns matched on paths relative to
//! the chart root, with `!` negation and `dir/` rules.

use crate::files::glob_match;

/// A parsed `.helmignore`.
#[derive(Debug, Default, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    pattern: String,
    negate: bool,
    dir_only: bool,
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
            rules.push(Rule {
                pattern: p.to_string(),
                negate,
                dir_only,
            });
        }
        Rules { rules }
    }

    /// Is `path` (relative, `/`-separated) ignored?
    pub fn ignored(&self, path: &str, is_dir: bool) -> bool {
        let mut ignored = false;
        for r in &self.rules {
            if r.dir_only && !is_dir {
                continue;
            }
            let hit = if r.pattern.contains('/') {
                glob_match(r.pattern.trim_start_matches('/'), path)
            } else {
                let base = path.rsplit('/').next().unwrap_or(path);
                glob_match(&r.pattern, base)
            };
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
