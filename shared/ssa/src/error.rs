//! Errors of the apply, prune and wait operations; each names the object at fault.

/// An apply, delete or wait failure.
#[derive(Debug, thiserror::Error)]
pub enum SsaError {
    /// An object lacks apiVersion, kind or name.
    #[error("invalid object: {0}")]
    InvalidObject(String),
    /// The kind is unknown to the API server (missing CRD).
    #[error("{subject} no matches for kind \"{kind}\" in version \"{api_version}\"")]
    UnknownKind {
        /// `Kind/namespace/name`.
        subject: String,
        /// The kind.
        kind: String,
        /// The apiVersion.
        api_version: String,
    },
    /// A namespaced object without a namespace.
    #[error("{0} namespace not specified")]
    NamespaceNotSpecified(String),
    /// The server-side dry run rejected an object (schema, admission, immutable field).
    #[error("{subject} dry-run failed ({reason}): {message}")]
    DryRun {
        /// `Kind/namespace/name`.
        subject: String,
        /// The API status reason, e.g. `Invalid`.
        reason: String,
        /// The API server's message.
        message: String,
    },
    /// The apply itself failed.
    #[error("{subject} apply failed: {message}")]
    Apply {
        /// `Kind/namespace/name`.
        subject: String,
        /// The API server's message.
        message: String,
    },
    /// Deleting an object failed.
    #[error("{subject} delete failed: {message}")]
    Delete {
        /// `Kind/namespace/name`.
        subject: String,
        /// The API server's message.
        message: String,
    },
    /// Reading an object or discovery failed.
    #[error("{subject}: {message}")]
    Api {
        /// What was being read.
        subject: String,
        /// The error.
        message: String,
    },
    /// Objects did not become ready within the timeout.
    #[error("timeout waiting for: [{0}]")]
    Timeout(String),
    /// Objects reached a terminal failed state while waiting.
    #[error("failed early due to stalled resources: [{0}]")]
    Stalled(String),
}

impl SsaError {
    /// Whether the API server refused the request for lack of permission (HTTP 403).
    pub fn is_forbidden(&self) -> bool {
        match self {
            SsaError::DryRun { reason, .. } => reason == "Forbidden",
            SsaError::Apply { message, .. }
            | SsaError::Delete { message, .. }
            | SsaError::Api { message, .. } => message.contains("forbidden"),
            _ => false,
        }
    }
}
