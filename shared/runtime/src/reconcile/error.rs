//! The error a reconcile step returns, and how it maps to conditions and requeues.

use std::time::Duration;

/// How a failure affects the object and its requeue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Cannot progress without a spec change (bad URL, invalid path): `Stalled=True`,
    /// no requeue until the object changes.
    Stalling,
    /// Waiting on something outside (a dependency, a source artifact): `Ready=False` and
    /// a requeue after the given delay, without counting as a failure for backoff.
    Waiting {
        /// When to look again.
        requeue_after: Duration,
    },
    /// A failure that may heal by itself (network, auth, API errors): `Ready=False`,
    /// retried with exponential backoff.
    Transient,
}

/// A failed reconcile step: the Flux reason to report and a message for people.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ReconcileError {
    /// Stalling, waiting or transient.
    pub kind: ErrorKind,
    /// The Flux reason (a constant from `flux_api::constants`).
    pub reason: &'static str,
    /// What failed, on which object or file, and what to do.
    pub message: String,
    /// The condition type the step owns (e.g. `FetchFailed`), set to True with this
    /// reason and message, if the kind has one for this step.
    pub condition: Option<&'static str>,
}

impl ReconcileError {
    /// A transient failure with a Flux reason.
    pub fn transient(reason: &'static str, message: impl Into<String>) -> Self {
        ReconcileError {
            kind: ErrorKind::Transient,
            reason,
            message: message.into(),
            condition: None,
        }
    }

    /// A failure that needs a spec change.
    pub fn stalling(reason: &'static str, message: impl Into<String>) -> Self {
        ReconcileError {
            kind: ErrorKind::Stalling,
            reason,
            message: message.into(),
            condition: None,
        }
    }

    /// Waiting on something outside the object.
    pub fn waiting(
        reason: &'static str,
        message: impl Into<String>,
        requeue_after: Duration,
    ) -> Self {
        ReconcileError {
            kind: ErrorKind::Waiting { requeue_after },
            reason,
            message: message.into(),
            condition: None,
        }
    }

    /// Marks the step's own negative-polarity condition (e.g. `FetchFailed`).
    pub fn with_condition(mut self, condition: &'static str) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Whether this failure stalls the object.
    pub fn is_stalling(&self) -> bool {
        self.kind == ErrorKind::Stalling
    }
}
