//! Template files read by the helper thread while the render thread walks
//! the chart (and by both once the walk is done): each text goes to the
//! parse pool as soon as it is read.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::parse_pool::ParsePool;
use super::work_queue::WorkQueue;
use crate::chart::load::{Content, TemplateReader, read_content};
use crate::error::HelmError;

/// Template files to read, and what reading them gave, by the order found.
#[derive(Default)]
pub struct ReadPool {
    queue: WorkQueue<(usize, PathBuf)>,
    read: Mutex<Vec<Option<Result<Content, HelmError>>>>,
}

impl ReadPool {
    fn lock(&self) -> MutexGuard<'_, Vec<Option<Result<Content, HelmError>>>> {
        self.read.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Read queued files, handing templates to `parse`, until the walk is
    /// done and the queue is empty; run on every thread that helps.
    pub fn work(&self, parse: &ParsePool) {
        // Large enough for most chart files: no growing and copying.
        let mut scratch = Vec::with_capacity(64 << 10);
        self.queue.work(|(i, path)| {
            let content = read_content(&path, true, &mut scratch);
            if let Ok(Content::Template(text)) = &content {
                parse.submit(text);
            }
            if let Some(slot) = self.lock().get_mut(i) {
                *slot = Some(content);
            }
        });
    }

    /// Stop reading (the render ended early).
    pub fn cancel(&self) {
        self.queue.cancel();
    }
}

/// The loader's [`TemplateReader`]: queues the files it finds on a
/// [`ReadPool`], then helps read them.
pub struct Reading<'a> {
    /// Where the files go.
    pub reads: &'a ReadPool,
    /// Where their texts go.
    pub parse: &'a ParsePool,
}

impl TemplateReader for Reading<'_> {
    fn found(&mut self, path: PathBuf) {
        let i = {
            let mut read = self.reads.lock();
            read.push(None);
            read.len() - 1
        };
        self.reads.queue.push((i, path));
    }

    fn finish(&mut self) -> Vec<Result<Content, HelmError>> {
        self.reads.queue.close();
        self.reads.work(self.parse);
        self.reads.queue.wait_finished();
        std::mem::take(&mut *self.reads.lock())
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(HelmError::Chart("reading a template file failed".into())))
            })
            .collect()
    }
}
