//! Helm's `.Files` object: the chart's non-template files, with `Get`,
//! `GetBytes`, `Glob`, `Lines`, `AsConfig` and `AsSecrets`.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;

use crate::template::value::{Map, Value};
use crate::yaml::emit::to_yaml;

/// The files of one chart, by path relative to the chart root.
#[derive(Debug, Default, Clone)]
pub struct Files {
    files: Arc<BTreeMap<String, Vec<u8>>>,
}

impl Files {
    /// Build from (path, content) pairs.
    pub fn new(files: BTreeMap<String, Vec<u8>>) -> Self {
        Files {
            files: Arc::new(files),
        }
    }

    /// Build from a chart's files, shared rather than copied.
    pub fn shared(files: Arc<BTreeMap<String, Vec<u8>>>) -> Self {
        Files { files }
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// No files?
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// File names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Content of a file as text (empty when missing).
    pub fn get(&self, name: &str) -> String {
        self.files
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    /// Files matching a glob (`*` within a path segment, `**` across).
    pub fn glob(&self, pattern: &str) -> Files {
        Files {
            files: self
                .files
                .iter()
                .filter(|(k, _)| glob_match(pattern, k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>()
                .into(),
        }
    }

    /// Lines of a file, without a trailing empty line.
    pub fn lines(&self, name: &str) -> Vec<String> {
        let Some(b) = self.files.get(name) else {
            return Vec::new();
        };
        let s = String::from_utf8_lossy(b);
        let s = s.strip_suffix('\n').unwrap_or(&s);
        s.split('\n').map(String::from).collect()
    }

    /// The files as a map of path → content.
    pub fn as_value_map(&self) -> Map {
        self.files
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Value::from(String::from_utf8_lossy(v).into_owned()),
                )
            })
            .collect()
    }

    fn by_base(&self, encode: bool) -> String {
        let mut m = Map::new();
        for (k, v) in self.files.iter() {
            let base = k.rsplit('/').next().unwrap_or(k).to_string();
            let content = if encode {
                base64::engine::general_purpose::STANDARD.encode(v)
            } else {
                String::from_utf8_lossy(v).into_owned()
            };
            m.insert(base, Value::from(content));
        }
        let s = to_yaml(&Value::from(m)).unwrap_or_default();
        s.strip_suffix('\n').unwrap_or(&s).to_string()
    }

    /// `AsConfig`: YAML map of base name → content.
    pub fn as_config(&self) -> String {
        self.by_base(false)
    }

    /// `AsSecrets`: YAML map of base name → base64 content.
    pub fn as_secrets(&self) -> String {
        self.by_base(true)
    }
}

/// Characters that make a pattern a glob rather than a plain name.
pub(crate) const GLOB_META: &[char] = &['*', '?', '[', '{', '\\'];

/// gobwas/glob-style matching with `/` as separator.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    const META: &[char] = GLOB_META;
    // Fast paths for the common .helmignore shapes: `name` and `*.ext`.
    if !pattern.contains(META) {
        return pattern == name;
    }
    if let Some(suffix) = pattern.strip_prefix('*')
        && !suffix.contains(META)
        && !name.contains('/')
    {
        return name.ends_with(suffix);
    }
    // The literal text before the first metacharacter must start the name:
    // most names (every template against `templates/.?*`) fail right there,
    // without the matcher's copies.
    let literal = pattern.find(META).unwrap_or(pattern.len());
    let Some(name) = name.strip_prefix(&pattern[..literal]) else {
        return false;
    };
    let p: Vec<char> = pattern[literal..].chars().collect();
    let n: Vec<char> = name.chars().collect();
    let mut budget = 1_000_000usize;
    glob_rec(&p, &n, &mut budget)
}

fn glob_rec(p: &[char], n: &[char], budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let Some(&c) = p.first() else {
        return n.is_empty();
    };
    match c {
        '*' => {
            let super_star = p.get(1) == Some(&'*');
            let rest = if super_star { &p[2..] } else { &p[1..] };
            for i in 0..=n.len() {
                if i > 0 && !super_star && n[i - 1] == '/' {
                    break;
                }
                if glob_rec(rest, &n[i..], budget) {
                    return true;
                }
            }
            false
        }
        '?' => !n.is_empty() && n[0] != '/' && glob_rec(&p[1..], &n[1..], budget),
        '{' => {
            let Some(end) = p.iter().position(|&x| x == '}') else {
                return false;
            };
            let inner: String = p[1..end].iter().collect();
            inner.split(',').any(|alt| {
                let mut np: Vec<char> = alt.chars().collect();
                np.extend_from_slice(&p[end + 1..]);
                glob_rec(&np, n, budget)
            })
        }
        '[' => {
            let Some(end) = p.iter().skip(1).position(|&x| x == ']').map(|i| i + 1) else {
                return false;
            };
            let Some(&ch) = n.first() else { return false };
            let set = &p[1..end];
            let (neg, set) = match set.first() {
                Some('!') | Some('^') => (true, &set[1..]),
                _ => (false, set),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= ch && ch <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == ch;
                    i += 1;
                }
            }
            hit != neg && glob_rec(&p[end + 1..], &n[1..], budget)
        }
        '\\' if p.len() > 1 => !n.is_empty() && n[0] == p[1] && glob_rec(&p[2..], &n[1..], budget),
        c => !n.is_empty() && n[0] == c && glob_rec(&p[1..], &n[1..], budget),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_methods() {
        let mut m = BTreeMap::new();
        m.insert("config/a.yaml".to_string(), b"x: 1\n".to_vec());
        m.insert("config/sub/b.txt".to_string(), b"l1\nl2\n".to_vec());
        m.insert("README".to_string(), b"hi".to_vec());
        let f = Files::new(m);
        assert_eq!(f.glob("config/*").len(), 1);
        assert_eq!(f.glob("config/**").len(), 2);
        assert_eq!(f.glob("config/*.{yaml,txt}").len(), 1);
        assert_eq!(f.lines("config/sub/b.txt"), vec!["l1", "l2"]);
        assert_eq!(f.glob("config/*").as_config(), "a.yaml: |\n  x: 1");
        assert_eq!(f.glob("README").as_secrets(), "README: aGk=");
        assert_eq!(f.get("missing"), "");
        assert_eq!(f.glob("nothing/*").as_config(), "{}");
    }

    #[test]
    fn globs_with_a_literal_head() {
        assert!(glob_match("templates/.?*", "templates/.hidden"));
        assert!(!glob_match("templates/.?*", "templates/a.yaml"));
        assert!(!glob_match("templates/.?*", "templates/."));
        assert!(!glob_match("templates/.?*", "other/.hidden"));
        assert!(glob_match(
            "kube-prometheus-*.tgz",
            "kube-prometheus-1.0.tgz"
        ));
        assert!(!glob_match("kube-prometheus-*.tgz", "kube-state.tgz"));
        assert!(glob_match("a/{b,c}/*.json", "a/c/x.json"));
        assert!(!glob_match("a/{b,c}/*.json", "a/d/x.json"));
        assert!(glob_match("é[a-c]?", "ébx"));
    }
}
