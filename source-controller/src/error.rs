//! The crate's error type: start-up failures of the controller. Reconcile failures are
//! [`flux_runtime::reconcile::ReconcileError`]s with a Flux reason.

/// What can stop source-controller from starting or serving.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The artifact storage could not be opened, or its server failed.
    #[error("artifact storage: {0}")]
    Storage(#[from] flux_artifact::Error),
    /// `--storage-addr` could not be bound.
    #[error("binding --storage-addr '{addr}': {source}")]
    Bind {
        /// The flag's value.
        addr: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// A flag value is not usable.
    #[error("invalid flag {flag}='{value}': {reason}")]
    InvalidFlag {
        /// The flag.
        flag: &'static str,
        /// Its value.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
}
