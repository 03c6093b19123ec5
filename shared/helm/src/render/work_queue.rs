//! A job queue worked by the render thread and its helper thread.
//!
//! Waiting spins and yields before it sleeps. A render's waits are short
//! (the other thread is about to push a job or finish one), while waking a
//! sleeping thread on an idle core can take milliseconds where idle cores are
//! halted (virtual machines), which is longer than most renders' phases.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Busy-wait rounds before a waiter yields its core instead.
const SPIN_ROUNDS: u32 = 64;
/// Rounds (spinning, then yielding) before a waiter sleeps.
const WAIT_ROUNDS: u32 = 4096;

/// A FIFO of jobs: pushed by one side, taken by whoever works it.
pub struct WorkQueue<T> {
    state: Mutex<State<T>>,
    /// Signalled on push, on close and when the last job finishes.
    wake: Condvar,
    /// Jobs in the queue (read without the lock while spinning).
    queued: AtomicUsize,
    /// Jobs pushed and not yet finished.
    unfinished: AtomicUsize,
    closed: AtomicBool,
    /// A job's handler panicked.
    panicked: AtomicBool,
}

struct State<T> {
    jobs: VecDeque<T>,
    sleepers: usize,
}

impl<T> Default for WorkQueue<T> {
    fn default() -> Self {
        WorkQueue {
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                sleepers: 0,
            }),
            wake: Condvar::new(),
            queued: AtomicUsize::new(0),
            unfinished: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
        }
    }
}

/// Spin, then yield; `false` once it is time to sleep instead.
fn back_off(round: &mut u32) -> bool {
    *round += 1;
    if *round < SPIN_ROUNDS {
        for _ in 0..(1 << (*round).min(6)) {
            std::hint::spin_loop();
        }
    } else {
        std::thread::yield_now();
    }
    *round < WAIT_ROUNDS
}

/// Wait until `done` holds, spinning and yielding first, then polling
/// every 50 µs (for waits on work another thread is in the middle of).
pub fn wait_until(done: impl Fn() -> bool) {
    let mut round = 0;
    while !done() {
        if !back_off(&mut round) {
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
    }
}

impl<T> WorkQueue<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a job (ignored once the queue is closed).
    pub fn push(&self, job: T) {
        self.enqueue(job, false);
    }

    /// Queue a job ahead of the others.
    pub fn push_front(&self, job: T) {
        self.enqueue(job, true);
    }

    fn enqueue(&self, job: T, front: bool) {
        let mut st = self.lock();
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        self.unfinished.fetch_add(1, Ordering::AcqRel);
        if front {
            st.jobs.push_front(job);
        } else {
            st.jobs.push_back(job);
        }
        self.queued.fetch_add(1, Ordering::Release);
        if st.sleepers > 0 {
            self.wake.notify_all();
        }
    }

    /// No more jobs will come: workers return once the queue is empty.
    pub fn close(&self) {
        let st = self.lock();
        self.closed.store(true, Ordering::Release);
        if st.sleepers > 0 {
            self.wake.notify_all();
        }
    }

    /// Close and drop the queued jobs; the ones being worked still finish.
    pub fn cancel(&self) {
        let mut st = self.lock();
        self.closed.store(true, Ordering::Release);
        let dropped = st.jobs.len();
        st.jobs.clear();
        self.queued.store(0, Ordering::Release);
        self.unfinished.fetch_sub(dropped, Ordering::AcqRel);
        self.wake.notify_all();
    }

    /// Run `handle` on jobs until the queue is closed and empty.
    pub fn work(&self, mut handle: impl FnMut(T)) {
        while let Some(job) = self.next() {
            self.run(job, &mut handle);
        }
    }

    /// Run `handle` on jobs from the front while `wanted` holds for them;
    /// returns at the first other job or when the queue is empty.
    pub fn work_while(&self, wanted: impl Fn(&T) -> bool, mut handle: impl FnMut(T)) {
        loop {
            let job = {
                let mut st = self.lock();
                match st.jobs.front() {
                    Some(j) if wanted(j) => st.jobs.pop_front(),
                    _ => None,
                }
            };
            let Some(job) = job else { return };
            self.queued.fetch_sub(1, Ordering::Release);
            self.run(job, &mut handle);
        }
    }

    /// Put the queued jobs in the order of `key` (stable), dropping those
    /// `wanted` rejects.
    pub fn retain_sorted_queued<K: Ord>(
        &self,
        wanted: impl Fn(&T) -> bool,
        key: impl FnMut(&T) -> K,
    ) {
        let mut st = self.lock();
        let before = st.jobs.len();
        st.jobs.retain(|j| wanted(j));
        let dropped = before - st.jobs.len();
        self.queued.fetch_sub(dropped, Ordering::Release);
        st.jobs.make_contiguous().sort_by_cached_key(key);
        drop(st);
        for _ in 0..dropped {
            self.finish_one();
        }
    }

    /// Run `handle` on the front job if there is one; `false` if there was none.
    pub fn help_once(&self, mut handle: impl FnMut(T)) -> bool {
        let job = self.lock().jobs.pop_front();
        let Some(job) = job else { return false };
        self.queued.fetch_sub(1, Ordering::Release);
        self.run(job, &mut handle);
        true
    }

    /// Wait until `done` holds, working queued jobs meanwhile (for a wait on
    /// a job another thread is in the middle of: this thread takes the next).
    pub fn wait_helping(&self, done: impl Fn() -> bool, mut handle: impl FnMut(T)) {
        let mut round = 0;
        while !done() {
            if self.help_once(&mut handle) {
                round = 0;
            } else if !back_off(&mut round) {
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
        }
    }

    /// Handle a job; a panic is recorded (see [`WorkQueue::panicked`]) and
    /// the job counts as finished, so nobody waits for it forever.
    fn run(&self, job: T, handle: &mut impl FnMut(T)) {
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(job)));
        if ran.is_err() {
            self.panicked.store(true, Ordering::Release);
        }
        self.finish_one();
    }

    /// Did a job's handler panic?
    pub fn panicked(&self) -> bool {
        self.panicked.load(Ordering::Acquire)
    }

    fn finish_one(&self) {
        if self.unfinished.fetch_sub(1, Ordering::AcqRel) == 1 {
            let st = self.lock();
            if st.sleepers > 0 {
                self.wake.notify_all();
            }
        }
    }

    fn next(&self) -> Option<T> {
        let mut round = 0;
        loop {
            if self.queued.load(Ordering::Acquire) > 0 || self.closed.load(Ordering::Acquire) {
                let mut st = self.lock();
                if let Some(job) = st.jobs.pop_front() {
                    self.queued.fetch_sub(1, Ordering::Release);
                    return Some(job);
                }
                if self.closed.load(Ordering::Acquire) {
                    return None;
                }
            }
            if !back_off(&mut round) {
                let mut st = self.lock();
                while st.jobs.is_empty() && !self.closed.load(Ordering::Acquire) {
                    st.sleepers += 1;
                    st = self.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
                    st.sleepers -= 1;
                }
            }
        }
    }

    /// Wait until every job pushed so far has finished (call after
    /// [`WorkQueue::close`] and [`WorkQueue::work`]: the jobs left are the
    /// ones other workers are in the middle of).
    pub fn wait_finished(&self) {
        let mut round = 0;
        while self.unfinished.load(Ordering::Acquire) > 0 {
            if !back_off(&mut round) {
                let mut st = self.lock();
                while self.unfinished.load(Ordering::Acquire) > 0 {
                    st.sleepers += 1;
                    st = self.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
                    st.sleepers -= 1;
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn two_workers_take_every_job_once() {
        let q = Arc::new(WorkQueue::<u32>::default());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let helper = {
            let (q, seen) = (q.clone(), seen.clone());
            std::thread::spawn(move || q.work(|j| seen.lock().unwrap().push(j)))
        };
        for j in 0..1000 {
            q.push(j);
        }
        q.close();
        q.work(|j| seen.lock().unwrap().push(j));
        q.wait_finished();
        let mut seen = seen.lock().unwrap().clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
        helper.join().unwrap();
    }

    #[test]
    fn a_sleeping_worker_wakes_for_a_late_job_and_for_close() {
        let q = Arc::new(WorkQueue::<u32>::default());
        let helper = {
            let q = q.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                q.work(|j| got.push(j));
                got
            })
        };
        // Long enough for the helper to give up spinning and sleep.
        std::thread::sleep(std::time::Duration::from_millis(200));
        q.push(7);
        std::thread::sleep(std::time::Duration::from_millis(200));
        q.close();
        assert_eq!(helper.join().unwrap(), vec![7]);
        q.wait_finished();
    }

    #[test]
    fn front_jobs_come_first_and_work_while_stops_at_the_first_other_job() {
        let q = WorkQueue::<u32>::default();
        q.push(10);
        q.push_front(1);
        q.push_front(2);
        q.push(11);
        q.close();
        let mut got = Vec::new();
        q.work_while(|j| *j < 10, |j| got.push(j));
        assert_eq!(got, vec![2, 1]);
        q.work(|j| got.push(j));
        assert_eq!(got, vec![2, 1, 10, 11]);
        q.wait_finished();
    }

    #[test]
    fn queued_jobs_are_reordered_and_a_waiter_works_them() {
        let q = WorkQueue::<u32>::default();
        for j in [5, 1, 9, 4, 2, 3] {
            q.push(j);
        }
        q.retain_sorted_queued(|j| *j != 9, |j| *j);
        let mut got = Vec::new();
        assert!(q.help_once(|j| got.push(j)));
        assert_eq!(got, vec![1]);
        let done = std::cell::Cell::new(false);
        q.wait_helping(
            || done.get(),
            |j| {
                got.push(j);
                done.set(j == 3);
            },
        );
        assert_eq!(got, vec![1, 2, 3]);
        q.close();
        q.work(|j| got.push(j));
        assert_eq!(got, vec![1, 2, 3, 4, 5]);
        q.wait_finished();
    }

    #[test]
    fn a_panicking_job_is_recorded_and_does_not_block_waiters() {
        let q = WorkQueue::<u32>::default();
        q.push(1);
        q.push(2);
        q.close();
        let mut got = Vec::new();
        q.work(|j| {
            assert_ne!(j, 1, "job 1 fails");
            got.push(j);
        });
        q.wait_finished();
        assert!(q.panicked());
        assert_eq!(got, vec![2]);
    }

    #[test]
    fn cancel_drops_queued_jobs_and_pushes_after_close_are_ignored() {
        let q = WorkQueue::<u32>::default();
        q.push(1);
        q.push(2);
        q.cancel();
        q.push(3);
        let mut got = Vec::new();
        q.work(|j| got.push(j));
        assert!(got.is_empty());
        q.wait_finished();
    }
}
