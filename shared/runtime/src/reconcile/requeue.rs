//! When to look at an object again: the interval with jitter after success, exponential
//! backoff after failures (`--min-retry-delay`, `--max-retry-delay`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Requeue policy settings.
#[derive(Debug, Clone, Copy)]
pub struct RequeuePolicy {
    /// First retry delay after a failure.
    pub min_retry_delay: Duration,
    /// Upper bound of the retry delay.
    pub max_retry_delay: Duration,
    /// ± percentage of jitter applied to the success interval.
    pub jitter_percentage: u8,
}

impl Default for RequeuePolicy {
    fn default() -> Self {
        RequeuePolicy {
            min_retry_delay: Duration::from_millis(750),
            max_retry_delay: Duration::from_secs(15 * 60),
            jitter_percentage: 5,
        }
    }
}

impl RequeuePolicy {
    /// The interval with a random ± jitter, so that many objects with the same interval
    /// spread out instead of hitting sources at once.
    pub fn with_jitter(&self, interval: Duration) -> Duration {
        let pct = f64::from(self.jitter_percentage.min(100)) / 100.0;
        if pct == 0.0 || interval.is_zero() {
            return interval;
        }
        let factor = 1.0 + pct * (2.0 * random_unit() - 1.0);
        interval.mul_f64(factor)
    }

    /// The delay before retry number `failures` (1-based): min · 2^(failures-1), capped.
    pub fn backoff(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        let delay = self.min_retry_delay.saturating_mul(1u32 << exponent);
        delay.min(self.max_retry_delay)
    }
}

/// Counts consecutive failures per object to drive the backoff.
#[derive(Debug, Default)]
pub struct FailureCounter {
    failures: Mutex<HashMap<String, u32>>,
}

impl FailureCounter {
    /// Records a failure and returns the number of consecutive failures.
    pub fn failed(&self, key: &str) -> u32 {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(key.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }

    /// Forgets the failures of an object after a success.
    pub fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }

    /// Whether the object's previous reconcile failed.
    pub fn is_retrying(&self, key: &str) -> bool {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(key)
    }
}

/// A uniform random number in [0, 1), from the standard library's randomly seeded hasher
/// (good enough for jitter; no extra dependency).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RequeuePolicy::default();
        assert_eq!(p.backoff(1), Duration::from_millis(750));
        assert_eq!(p.backoff(2), Duration::from_millis(1500));
        assert_eq!(p.backoff(4), Duration::from_millis(6000));
        assert_eq!(p.backoff(100), Duration::from_secs(900));
    }

    #[test]
    fn jitter_stays_within_bounds_and_varies() {
        let p = RequeuePolicy::default();
        let interval = Duration::from_secs(600);
        let samples: Vec<_> = (0..200).map(|_| p.with_jitter(interval)).collect();
        for s in &samples {
            assert!(
                *s >= Duration::from_secs(570) && *s <= Duration::from_secs(630),
                "{s:?}"
            );
        }
        assert!(
            samples.iter().any(|s| *s != samples[0]),
            "jitter never varied"
        );
        let none = RequeuePolicy {
            jitter_percentage: 0,
            ..p
        };
        assert_eq!(none.with_jitter(interval), interval);
    }

    #[test]
    fn failure_counter_counts_and_resets() {
        let c = FailureCounter::default();
        assert!(!c.is_retrying("ns/a"));
        assert_eq!(c.failed("ns/a"), 1);
        assert_eq!(c.failed("ns/a"), 2);
        assert!(c.is_retrying("ns/a"));
        c.succeeded("ns/a");
        assert_eq!(c.failed("ns/a"), 1);
    }
}
