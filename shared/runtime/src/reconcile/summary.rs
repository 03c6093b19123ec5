//! Deriving `Ready`, `Reconciling` and `Stalled` from a reconcile's outcome, the way
//! Flux's deferred summarize-and-patch does: steps never write `Ready` themselves.

use flux_api::Condition;
use flux_api::constants::{
    CONDITION_FALSE, CONDITION_TRUE, CONDITION_UNKNOWN, PROGRESSING_REASON,
    PROGRESSING_WITH_RETRY_REASON, READY_CONDITION, RECONCILING_CONDITION, STALLED_CONDITION,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::error::ReconcileError;

/// Builds a condition stamped now.
pub fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    generation: Option<i64>,
) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message: truncate(message),
        observed_generation: generation,
        last_transition_time: Time(k8s_openapi::jiff::Timestamp::now()),
    }
}

/// Inserts or replaces a condition, keeping `lastTransitionTime` when the status is unchanged.
pub fn set(conditions: &mut Vec<Condition>, mut new: Condition) {
    match conditions.iter_mut().find(|c| c.type_ == new.type_) {
        Some(existing) => {
            if existing.status == new.status {
                new.last_transition_time = existing.last_transition_time.clone();
            }
            *existing = new;
        }
        None => conditions.push(new),
    }
}

/// Removes a condition by type.
pub fn remove(conditions: &mut Vec<Condition>, type_: &str) {
    conditions.retain(|c| c.type_ != type_);
}

/// Marks the start of a reconcile: `Reconciling=True` and, unless `Ready` already says
/// otherwise for this generation, `Ready=Unknown`.
pub fn mark_reconciling(conditions: &mut Vec<Condition>, generation: Option<i64>, retrying: bool) {
    let reason = if retrying {
        PROGRESSING_WITH_RETRY_REASON
    } else {
        PROGRESSING_REASON
    };
    let message = match generation {
        Some(g) => format!("reconciliation in progress for generation {g}"),
        None => "reconciliation in progress".to_string(),
    };
    set(
        conditions,
        condition(
            RECONCILING_CONDITION,
            CONDITION_TRUE,
            reason,
            &message,
            generation,
        ),
    );
    let ready_is_current = conditions.iter().any(|c| {
        c.type_ == READY_CONDITION
            && c.observed_generation == generation
            && c.status != CONDITION_UNKNOWN
    });
    if !ready_is_current {
        set(
            conditions,
            condition(
                READY_CONDITION,
                CONDITION_UNKNOWN,
                PROGRESSING_REASON,
                &message,
                generation,
            ),
        );
    }
}

/// The outcome summarized into the kstatus conditions. `owned` lists the kind's own
/// negative-polarity conditions (e.g. `FetchFailed`), cleared on success; `ready_reason`
/// is the `Ready=True` reason (`Succeeded` for sources, `ReconciliationSucceeded` for
/// appliers).
pub fn summarize(
    conditions: &mut Vec<Condition>,
    generation: Option<i64>,
    outcome: &Result<String, ReconcileError>,
    owned: &[&str],
    ready_reason: &str,
) {
    match outcome {
        Ok(message) => {
            for type_ in owned {
                remove(conditions, type_);
            }
            remove(conditions, RECONCILING_CONDITION);
            remove(conditions, STALLED_CONDITION);
            set(
                conditions,
                condition(
                    READY_CONDITION,
                    CONDITION_TRUE,
                    ready_reason,
                    message,
                    generation,
                ),
            );
        }
        Err(err) => {
            if let Some(type_) = err.condition {
                set(
                    conditions,
                    condition(type_, CONDITION_TRUE, err.reason, &err.message, generation),
                );
            }
            set(
                conditions,
                condition(
                    READY_CONDITION,
                    CONDITION_FALSE,
                    err.reason,
                    &err.message,
                    generation,
                ),
            );
            if err.is_stalling() {
                remove(conditions, RECONCILING_CONDITION);
                set(
                    conditions,
                    condition(
                        STALLED_CONDITION,
                        CONDITION_TRUE,
                        err.reason,
                        &err.message,
                        generation,
                    ),
                );
            } else {
                remove(conditions, STALLED_CONDITION);
                let retry_message = format!("retrying after failure: {}", err.message);
                set(
                    conditions,
                    condition(
                        RECONCILING_CONDITION,
                        CONDITION_TRUE,
                        PROGRESSING_WITH_RETRY_REASON,
                        &retry_message,
                        generation,
                    ),
                );
            }
        }
    }
}

/// Whether `observedGeneration` moves to the current generation: only when the reconcile
/// ended Ready or Stalled (Flux's rule).
pub fn observes_generation(outcome: &Result<String, ReconcileError>) -> bool {
    match outcome {
        Ok(_) => true,
        Err(e) => e.is_stalling(),
    }
}

fn truncate(message: &str) -> String {
    const MAX: usize = 32768;
    if message.len() <= MAX {
        return message.to_string();
    }
    let mut end = MAX - 3;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &message[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use flux_api::constants::{
        AUTHENTICATION_FAILED_REASON, FETCH_FAILED_CONDITION, INVALID_URL_REASON,
    };

    fn find<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
        conditions.iter().find(|c| c.type_ == type_)
    }

    #[test]
    fn success_clears_negative_conditions_and_sets_ready() {
        let mut c = Vec::new();
        mark_reconciling(&mut c, Some(3), false);
        assert_eq!(find(&c, READY_CONDITION).unwrap().status, CONDITION_UNKNOWN);
        set(
            &mut c,
            condition(FETCH_FAILED_CONDITION, CONDITION_TRUE, "x", "y", Some(2)),
        );
        summarize(
            &mut c,
            Some(3),
            &Ok("stored artifact for revision 'main@sha1:abc'".into()),
            &[FETCH_FAILED_CONDITION],
            flux_api::constants::SUCCEEDED_REASON,
        );
        let ready = find(&c, READY_CONDITION).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.observed_generation),
            (CONDITION_TRUE, Some(3))
        );
        assert!(ready.message.contains("main@sha1:abc"));
        assert!(find(&c, RECONCILING_CONDITION).is_none());
        assert!(find(&c, FETCH_FAILED_CONDITION).is_none());
    }

    #[test]
    fn transient_failure_keeps_reconciling_with_retry() {
        let mut c = Vec::new();
        let err = ReconcileError::transient(
            AUTHENTICATION_FAILED_REASON,
            "authentication required for 'http://x/repo.git'",
        )
        .with_condition(FETCH_FAILED_CONDITION);
        let outcome = Err(err);
        summarize(
            &mut c,
            Some(1),
            &outcome,
            &[FETCH_FAILED_CONDITION],
            "Succeeded",
        );
        assert_eq!(
            find(&c, READY_CONDITION).unwrap().reason,
            AUTHENTICATION_FAILED_REASON
        );
        assert_eq!(find(&c, READY_CONDITION).unwrap().status, CONDITION_FALSE);
        assert_eq!(
            find(&c, FETCH_FAILED_CONDITION).unwrap().status,
            CONDITION_TRUE
        );
        assert_eq!(
            find(&c, RECONCILING_CONDITION).unwrap().reason,
            PROGRESSING_WITH_RETRY_REASON
        );
        assert!(find(&c, STALLED_CONDITION).is_none());
        assert!(!observes_generation(&outcome));
    }

    #[test]
    fn stalling_failure_sets_stalled_and_observes_generation() {
        let mut c = Vec::new();
        mark_reconciling(&mut c, Some(2), false);
        let outcome = Err(ReconcileError::stalling(
            INVALID_URL_REASON,
            "invalid URL 'ftp://x'",
        ));
        summarize(&mut c, Some(2), &outcome, &[], "Succeeded");
        assert_eq!(
            find(&c, STALLED_CONDITION).unwrap().reason,
            INVALID_URL_REASON
        );
        assert!(find(&c, RECONCILING_CONDITION).is_none());
        assert!(observes_generation(&outcome));
    }

    #[test]
    fn transition_time_is_kept_when_status_does_not_change() {
        let mut c = Vec::new();
        let mut first = condition(READY_CONDITION, CONDITION_TRUE, "A", "a", Some(1));
        first.last_transition_time = Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
        set(&mut c, first);
        set(
            &mut c,
            condition(READY_CONDITION, CONDITION_TRUE, "B", "b", Some(2)),
        );
        assert_eq!(
            c[0].last_transition_time.0,
            k8s_openapi::jiff::Timestamp::UNIX_EPOCH
        );
        assert_eq!(c[0].reason, "B");
        set(
            &mut c,
            condition(READY_CONDITION, CONDITION_FALSE, "C", "c", Some(2)),
        );
        assert_ne!(
            c[0].last_transition_time.0,
            k8s_openapi::jiff::Timestamp::UNIX_EPOCH
        );
    }

    #[test]
    fn long_messages_are_truncated_on_a_char_boundary() {
        let long = "é".repeat(20000);
        let c = condition(READY_CONDITION, CONDITION_FALSE, "X", &long, None);
        assert!(c.message.len() <= 32768);
        assert!(c.message.ends_with("..."));
    }
}
