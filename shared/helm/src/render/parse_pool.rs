//! Template files lexed and parsed on several threads, then added to one
//! [`Engine`] in Helm's order, so the result is what parsing them one after
//! the other gives: later files' defines win, and the first file that fails
//! (in that order) is the error.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::HelmError;
use crate::template::Engine;
use crate::template::ParseError;
use crate::template::exec::parse_file;
use crate::template::parse::Parsed;

/// One parsed file: its index in the order, and the parse result.
pub type Done = Vec<(usize, Result<Parsed, ParseError>)>;

/// Files to parse, handed out one at a time to whichever thread asks.
pub struct ParsePool<'f> {
    files: &'f [(String, Arc<str>)],
    next: AtomicUsize,
    /// The lowest index that failed: later files need not be parsed.
    first_failure: AtomicUsize,
    cancelled: AtomicBool,
}

impl<'f> ParsePool<'f> {
    /// A pool over `files` (name, text), already in Helm's parse order.
    pub fn new(files: &'f [(String, Arc<str>)]) -> Self {
        ParsePool {
            files,
            next: AtomicUsize::new(0),
            first_failure: AtomicUsize::new(usize::MAX),
            cancelled: AtomicBool::new(false),
        }
    }

    /// Stop handing out files (the render failed before parsing mattered).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Parse files until none are left; run on every thread that helps.
    pub fn work(&self) -> Done {
        let mut done = Vec::new();
        while !self.cancelled.load(Ordering::Relaxed) {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some((name, text)) = self.files.get(i) else {
                break;
            };
            if i > self.first_failure.load(Ordering::Relaxed) {
                break;
            }
            let parsed = parse_file(name, text);
            if parsed.is_err() {
                self.first_failure.fetch_min(i, Ordering::Relaxed);
            }
            done.push((i, parsed));
        }
        done
    }

    /// The engine holding every file, added in order; or the first failure.
    pub fn into_engine(&self, parts: impl IntoIterator<Item = Done>) -> Result<Engine, HelmError> {
        let mut all: Done = parts.into_iter().flatten().collect();
        all.sort_unstable_by_key(|(i, _)| *i);
        if all.len() < self.files.len() && all.iter().all(|(_, r)| r.is_ok()) {
            return Err(HelmError::Template("template parsing stopped early".into()));
        }
        let mut engine = Engine::new();
        for (i, parsed) in all {
            let name = self.files.get(i).map(|(n, _)| n.as_str()).unwrap_or("");
            let parsed = parsed.map_err(|e| {
                HelmError::Template(format!("parse error at ({}:{}): {}", e.name, e.line, e.msg))
            })?;
            engine.add_parsed(name, parsed);
        }
        Ok(engine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(texts: &[(&str, &str)]) -> Vec<(String, Arc<str>)> {
        texts
            .iter()
            .map(|(n, t)| (n.to_string(), Arc::from(*t)))
            .collect()
    }

    #[test]
    fn later_defines_win_whichever_thread_parsed_them() {
        let f = files(&[
            (
                "c/charts/sub/templates/_h.tpl",
                r#"{{ define "x" }}sub{{ end }}"#,
            ),
            ("c/templates/_h.tpl", r#"{{ define "x" }}top{{ end }}"#),
            ("c/templates/a.yaml", r#"{{ template "x" }}"#),
        ]);
        let pool = ParsePool::new(&f);
        let (a, b) = std::thread::scope(|s| {
            let t = s.spawn(|| pool.work());
            let mine = pool.work();
            (mine, t.join().unwrap_or_default())
        });
        let engine = pool.into_engine([b, a]).unwrap();
        let out = engine
            .execute("c/templates/a.yaml", &crate::template::Value::Nil)
            .unwrap();
        assert_eq!(out, "top");
    }

    #[test]
    fn the_first_failing_file_in_order_is_the_error() {
        let f = files(&[("a", "ok"), ("b", "{{ if }}"), ("c", "{{ end }}")]);
        let pool = ParsePool::new(&f);
        let done = pool.work();
        let err = pool.into_engine([done]).err().unwrap().to_string();
        assert!(err.contains("(b:1)"), "{err}");
    }

    #[test]
    fn a_cancelled_pool_is_not_an_engine() {
        let f = files(&[("a", "ok")]);
        let pool = ParsePool::new(&f);
        pool.cancel();
        let done = pool.work();
        assert!(pool.into_engine([done]).is_err());
    }
}
