//! Template files lexed and parsed on several threads while the chart is
//! still loading, then added to one [`Engine`] in Helm's order, so the result
//! is what parsing them one after the other gives: later files' defines win,
//! and the first file that fails (in that order) is the error.
//!
//! The loader submits every template text as soon as it is read; which files
//! are rendered is known only later (subcharts can be disabled by values), so
//! a file that turns out not to be rendered is parsed for nothing and its
//! errors are ignored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::work_queue::WorkQueue;
use crate::error::HelmError;
use crate::template::Engine;
use crate::template::ParseError;
use crate::template::exec::parse_file;
use crate::template::parse::Parsed;

/// A text's identity: the address of its shared bytes.
fn key(text: &Arc<str>) -> usize {
    Arc::as_ptr(text).cast::<u8>() as usize
}

/// Submitted template texts, parsed by whichever thread asks for work.
#[derive(Default)]
pub struct ParsePool {
    queue: WorkQueue<Arc<str>>,
    done: Mutex<HashMap<usize, Result<Parsed, ParseError>>>,
}

impl ParsePool {
    /// Queue a template text for parsing.
    pub fn submit(&self, text: &Arc<str>) {
        self.queue.push(text.clone());
    }

    /// No more texts will come: [`ParsePool::work`] returns once the queue is empty.
    pub fn close(&self) {
        self.queue.close();
    }

    /// Stop parsing (the render failed before parsing mattered) and close.
    pub fn cancel(&self) {
        self.queue.cancel();
    }

    /// Parse queued texts until the pool is closed and empty; run on every
    /// thread that helps.
    pub fn work(&self) {
        self.queue.work(|text| {
            // The name is set when the result is used (see `into_engine`).
            let parsed = parse_file("", &text);
            self.done
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key(&text), parsed);
        });
    }

    /// The engine holding `files` (name, text; in Helm's parse order), added
    /// in order; or the first failure. Call after [`ParsePool::close`]: it
    /// waits for the texts other threads are still parsing.
    pub fn into_engine(&self, files: &[(String, Arc<str>)]) -> Result<Engine, HelmError> {
        self.queue.wait_finished();
        let mut done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        let mut engine = Engine::new();
        for (name, text) in files {
            // A text never submitted is parsed here.
            let parsed = done
                .remove(&key(text))
                .unwrap_or_else(|| parse_file(name, text));
            let parsed = parsed.map_err(|e| {
                HelmError::Template(format!("parse error at ({name}:{}): {}", e.line, e.msg))
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
        let pool = ParsePool::default();
        std::thread::scope(|s| {
            s.spawn(|| pool.work());
            for (_, t) in f.iter().rev() {
                pool.submit(t);
            }
            pool.close();
            pool.work();
        });
        let engine = pool.into_engine(&f).unwrap();
        let out = engine
            .execute("c/templates/a.yaml", &crate::template::Value::Nil)
            .unwrap();
        assert_eq!(out, "top");
    }

    #[test]
    fn the_first_failing_file_in_order_is_the_error() {
        let f = files(&[("a", "ok"), ("b", "{{ if }}"), ("c", "{{ end }}")]);
        let pool = ParsePool::default();
        for (_, t) in &f {
            pool.submit(t);
        }
        pool.close();
        pool.work();
        let err = pool.into_engine(&f).err().unwrap().to_string();
        assert!(err.contains("(b:1)"), "{err}");
    }

    #[test]
    fn files_not_rendered_do_not_fail_and_unsubmitted_ones_are_parsed() {
        let broken: Arc<str> = Arc::from("{{ if }}");
        let f = files(&[("a", "{{ 1 }}")]);
        let pool = ParsePool::default();
        pool.submit(&broken);
        pool.close();
        pool.work();
        let engine = pool.into_engine(&f).unwrap();
        assert!(engine.has("a"));
    }

    #[test]
    fn a_cancelled_pool_stops_parsing() {
        let f = files(&[("a", "ok")]);
        let pool = ParsePool::default();
        pool.submit(&f[0].1);
        pool.cancel();
        pool.work();
        assert!(pool.done.lock().unwrap().is_empty());
    }
}
