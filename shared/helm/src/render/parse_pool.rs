//! Template files lexed and parsed on several threads while the chart is
//! still loading, and added to one [`Engine`] in Helm's order, so the result
//! is what parsing them one after the other gives: later files' defines win,
//! and the first file that fails (in that order) is the error.
//!
//! The loader submits every template text as soon as it is read; which files
//! are rendered is known only later (subcharts can be disabled by values), so
//! a file that turns out not to be rendered may have been parsed for
//! nothing (its errors are ignored); the ones still queued when the engine
//! is built are dropped.
//!
//! Only files that may hold `define`s or `block`s have to be parsed before
//! execution starts; they are parsed first. The others are fetched by the
//! engine when first executed or included: parsed by then, waited for, or
//! parsed on the spot. Parse errors still win over execution errors, as in
//! Helm, which parses every file before executing any
//! ([`ParsePool::first_error`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use super::work_queue::{WorkQueue, wait_until};
use crate::error::HelmError;
use crate::template::Engine;
use crate::template::ParseError;
use crate::template::ast::Tree;
use crate::template::exec::parse_file;
use crate::template::parse::Parsed;

/// A text's identity: the address of its shared bytes.
fn key(text: &Arc<str>) -> usize {
    Arc::as_ptr(text).cast::<u8>() as usize
}

/// Could this text declare templates? (A cheap over-approximation: a file
/// without these words has no `define` or `block` action.)
fn may_define(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"define").is_some()
        || memchr::memmem::find(text.as_bytes(), b"block").is_some()
}

/// A text to parse.
struct Job {
    text: Arc<str>,
    defines: bool,
}

#[derive(Default)]
struct State {
    /// Parse results by text, until the engine takes them.
    done: HashMap<usize, Result<Parsed, ParseError>>,
    /// Texts a thread has started to parse.
    claimed: HashSet<usize>,
    /// Texts whose parse tree the engine has taken (an aliased subchart's
    /// files share their texts: the next name parses its own).
    taken: HashSet<usize>,
    /// Texts submitted.
    submitted: HashSet<usize>,
    /// Texts submitted that may define templates.
    definers: HashSet<usize>,
}

impl State {
    /// Must this file be parsed before execution starts?
    fn is_definer(&self, text: &Arc<str>) -> bool {
        let k = key(text);
        self.definers.contains(&k) || (!self.submitted.contains(&k) && may_define(text))
    }
}

/// Submitted template texts, parsed by whichever thread asks for work.
#[derive(Default)]
pub struct ParsePool {
    queue: WorkQueue<Job>,
    state: Mutex<State>,
    /// Files the engine fetches late: name → text.
    late: OnceLock<HashMap<String, Arc<str>>>,
}

/// The result of [`ParsePool::engine`].
pub struct ParsedEngine {
    /// The engine.
    pub engine: Engine,
    /// Whether it fetches files late (then [`ParsePool::first_error`] must be
    /// checked after executing).
    pub late: bool,
}

impl ParsePool {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a template text for parsing; texts that may define templates go first.
    pub fn submit(&self, text: &Arc<str>) {
        let job = Job {
            text: text.clone(),
            defines: may_define(text),
        };
        let mut st = self.lock();
        st.submitted.insert(key(text));
        if job.defines {
            st.definers.insert(key(text));
            drop(st);
            self.queue.push_front(job);
        } else {
            drop(st);
            self.queue.push(job);
        }
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
        self.queue.work(|job| self.parse(&job.text));
    }

    /// Parse `text` unless another thread has started to.
    fn parse(&self, text: &Arc<str>) {
        let k = key(text);
        if !self.lock().claimed.insert(k) {
            return;
        }
        // The name is set when the result is used.
        let parsed = parse_guarded(text);
        self.lock().done.insert(k, parsed);
    }

    /// Is the text parsed (or failed)?
    fn is_done(&self, text: &Arc<str>) -> bool {
        self.lock().done.contains_key(&key(text))
    }

    /// The engine for `files` (name, text; in Helm's parse order), or the
    /// first file that fails to parse. Call after [`ParsePool::close`].
    ///
    /// Files that may define templates are parsed (helping, then waiting
    /// for other threads) and added in order. The others are left to be
    /// fetched late, unless some define shares a file's name or a file that
    /// may define fails: then every file is parsed first, as in Helm.
    pub fn engine(
        self: &Arc<Self>,
        files: &[(String, Arc<str>)],
    ) -> Result<ParsedEngine, HelmError> {
        self.queue
            .work_while(|j| j.defines, |job| self.parse(&job.text));
        let definers: Vec<&(String, Arc<str>)> = {
            let st = self.lock();
            files.iter().filter(|(_, t)| st.is_definer(t)).collect()
        };
        // Including files never submitted.
        for (_, text) in &definers {
            self.parse(text);
        }
        wait_until(|| definers.iter().all(|(_, t)| self.is_done(t)));
        if !self.can_fetch_late(files, &definers) {
            self.work();
            return Ok(ParsedEngine {
                engine: self.into_engine(files)?,
                late: false,
            });
        }
        let mut engine = Engine::new();
        let mut late = HashMap::new();
        {
            let mut st = self.lock();
            for (name, text) in files {
                if st.is_definer(text) {
                    let parsed = match st.done.remove(&key(text)) {
                        Some(Ok(parsed)) => parsed,
                        _ => parse_file(name, text).map_err(|e| parse_error(name, &e))?,
                    };
                    engine.add_parsed(name, parsed);
                } else {
                    late.insert(name.clone(), text.clone());
                }
            }
        }
        let _ = self.late.set(late);
        // Late files are parsed in the order they execute: the helper takes
        // the next one, this thread parses the one it needs if nobody has.
        // Files that are not rendered (disabled subcharts') are not parsed.
        let rank: HashMap<usize, usize> = files
            .iter()
            .enumerate()
            .map(|(i, (_, text))| (key(text), i))
            .collect();
        self.queue.retain_sorted_queued(
            |job| rank.contains_key(&key(&job.text)),
            |job| rank.get(&key(&job.text)).copied().unwrap_or(usize::MAX),
        );
        engine.set_late(std::rc::Rc::new(LateFiles(self.clone())));
        Ok(ParsedEngine { engine, late: true })
    }

    /// Every file that may define parsed, and no define or file of theirs
    /// named like another file?
    fn can_fetch_late(
        &self,
        files: &[(String, Arc<str>)],
        definers: &[&(String, Arc<str>)],
    ) -> bool {
        let st = self.lock();
        let definer_names: HashSet<&str> = definers.iter().map(|(n, _)| n.as_str()).collect();
        let others: HashSet<&str> = files
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !definer_names.contains(n))
            .collect();
        definers
            .iter()
            .all(|(_, text)| match st.done.get(&key(text)) {
                Some(Ok(parsed)) => parsed
                    .defines
                    .iter()
                    .all(|(d, _)| !others.contains(d.as_str())),
                _ => false,
            })
    }

    /// The body of late file `name`: parsed already, being parsed (waited
    /// for) or parsed here.
    fn fetch(&self, name: &str) -> Option<Tree> {
        let text = self.late.get()?.get(name)?;
        let k = key(text);
        let parse_here = {
            let mut st = self.lock();
            st.taken.contains(&k) || st.claimed.insert(k)
        };
        let parsed = if parse_here {
            parse_guarded(text)
        } else {
            // Another thread is parsing it: parse the next ones meanwhile.
            self.queue
                .wait_helping(|| self.is_done(text), |job| self.parse(&job.text));
            self.lock().done.remove(&k)?
        };
        let mut st = self.lock();
        match parsed {
            Ok(parsed) => {
                st.taken.insert(k);
                Some(Tree {
                    src: parsed.src,
                    body: parsed.root,
                })
            }
            // Kept for `first_error`.
            Err(e) => {
                st.done.insert(k, Err(e));
                None
            }
        }
    }

    /// After executing with late files: the first of `files` (in order) that
    /// failed to parse, once every file is parsed.
    pub fn first_error(&self, files: &[(String, Arc<str>)]) -> Result<(), HelmError> {
        self.work();
        self.queue.wait_finished();
        let st = self.lock();
        for (name, text) in files {
            if let Some(Err(e)) = st.done.get(&key(text)) {
                return Err(parse_error(name, e));
            }
        }
        Ok(())
    }

    /// The engine holding `files` (name, text; in Helm's parse order), added
    /// in order; or the first failure. Call after [`ParsePool::close`]: it
    /// waits for the texts other threads are still parsing.
    pub fn into_engine(&self, files: &[(String, Arc<str>)]) -> Result<Engine, HelmError> {
        self.queue.wait_finished();
        let mut st = self.lock();
        let mut engine = Engine::new();
        for (name, text) in files {
            // A text never submitted is parsed here.
            let parsed = st
                .done
                .remove(&key(text))
                .unwrap_or_else(|| parse_file(name, text));
            let parsed = parsed.map_err(|e| parse_error(name, &e))?;
            engine.add_parsed(name, parsed);
        }
        Ok(engine)
    }
}

/// Parse a template file; a parser bug is this file's error rather than a
/// result that never comes.
fn parse_guarded(text: &Arc<str>) -> Result<Parsed, ParseError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_file("", text))).unwrap_or_else(
        |_| {
            Err(ParseError {
                name: String::new(),
                line: 1,
                msg: "the template parser failed on this file".into(),
            })
        },
    )
}

fn parse_error(name: &str, e: &ParseError) -> HelmError {
    HelmError::Template(format!("parse error at ({name}:{}): {}", e.line, e.msg))
}

/// The pool as the engine's source of late files.
struct LateFiles(Arc<ParsePool>);

impl crate::template::exec::LateTemplates for LateFiles {
    fn fetch(&self, name: &str) -> Option<Tree> {
        self.0.fetch(name)
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

    /// Submit, close and build the engine (the render's order of calls).
    fn engine_for(f: &[(String, Arc<str>)]) -> (Arc<ParsePool>, Result<ParsedEngine, HelmError>) {
        let pool = Arc::new(ParsePool::default());
        for (_, t) in f {
            pool.submit(t);
        }
        pool.close();
        let engine = pool.engine(f);
        (pool, engine)
    }

    #[test]
    fn files_without_defines_are_fetched_when_used() {
        let f = files(&[
            ("c/templates/_h.tpl", r#"{{ define "x" }}x{{ end }}"#),
            (
                "c/templates/a.yaml",
                r#"a{{ include "c/templates/b.yaml" . }}{{ template "x" }}"#,
            ),
            ("c/templates/b.yaml", "b"),
        ]);
        let (pool, engine) = engine_for(&f);
        let ParsedEngine { engine, late } = engine.unwrap();
        assert!(late);
        let out = engine.execute("c/templates/a.yaml", &crate::template::Value::Nil);
        assert_eq!(out.unwrap(), "abx");
        assert!(pool.first_error(&f).is_ok());
    }

    #[test]
    fn files_sharing_one_text_are_each_fetched() {
        // An aliased subchart's files share their texts.
        let helper: Arc<str> = Arc::from(r#"{{ define "h" }}h{{ end }}"#);
        let shared: Arc<str> = Arc::from(r#"{{ template "h" }}"#);
        let f = vec![
            ("c/charts/a/templates/_h.tpl".to_string(), helper.clone()),
            ("c/charts/a/templates/x.yaml".to_string(), shared.clone()),
            ("c/charts/b/templates/_h.tpl".to_string(), helper),
            ("c/charts/b/templates/x.yaml".to_string(), shared),
        ];
        let (pool, engine) = engine_for(&f);
        let ParsedEngine { engine, late } = engine.unwrap();
        assert!(late);
        for name in ["c/charts/a/templates/x.yaml", "c/charts/b/templates/x.yaml"] {
            let out = engine.execute(name, &crate::template::Value::Nil);
            assert_eq!(out.unwrap(), "h");
        }
        assert!(pool.first_error(&f).is_ok());
    }

    #[test]
    fn a_define_named_like_a_file_parses_everything_first() {
        let f = files(&[
            ("c/templates/a.yaml", "from the file"),
            (
                "c/templates/z.tpl",
                r#"{{ define "c/templates/a.yaml" }}from the define{{ end }}"#,
            ),
        ]);
        let (_, engine) = engine_for(&f);
        let ParsedEngine { engine, late } = engine.unwrap();
        assert!(!late);
        let out = engine.execute("c/templates/a.yaml", &crate::template::Value::Nil);
        assert_eq!(out.unwrap(), "from the define");
    }

    #[test]
    fn a_late_file_that_fails_to_parse_is_the_error_in_order() {
        let f = files(&[
            ("a", "{{ if }}"),
            ("b", "{{ end }}"),
            ("c", r#"{{ define "d" }}{{ end }}"#),
        ]);
        let (pool, engine) = engine_for(&f);
        let ParsedEngine { engine, late } = engine.unwrap();
        assert!(late);
        assert!(engine.execute("b", &crate::template::Value::Nil).is_err());
        let err = pool.first_error(&f).err().unwrap().to_string();
        assert!(err.contains("(a:1)"), "{err}");
    }

    #[test]
    fn a_file_with_defines_that_fails_is_the_error_in_order() {
        let f = files(&[("a", "{{ end }}"), ("b", r#"{{ define "d" }}"#)]);
        let (_, engine) = engine_for(&f);
        let err = engine.err().unwrap().to_string();
        assert!(err.contains("(a:1)"), "{err}");
    }

    #[test]
    fn a_cancelled_pool_stops_parsing() {
        let f = files(&[("a", "ok")]);
        let pool = ParsePool::default();
        pool.submit(&f[0].1);
        pool.cancel();
        pool.work();
        assert!(pool.lock().done.is_empty());
    }
}
