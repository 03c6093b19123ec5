//! The crate's error type, classified so the controller can pick a Flux reason.

use std::time::Duration;

/// What kind of failure an [`Error`] is, for mapping to Flux reasons
/// (`AuthenticationFailed`, `GitOperationFailed`, `URLInvalid`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The URL cannot be used (Stalled, `URLInvalid`).
    InvalidUrl,
    /// The ref spec is malformed: bad commit SHA, semver or ref name (Stalled).
    InvalidReference,
    /// The auth Secret data is incomplete or malformed (`AuthenticationFailed`).
    InvalidAuth,
    /// The server rejected the credentials (`AuthenticationFailed`).
    Authentication,
    /// The repository, ref, commit or matching tag does not exist.
    NotFound,
    /// The host could not be reached, or the connection broke.
    Network,
    /// The operation did not finish within `spec.timeout`.
    Timeout,
    /// A signature could not be verified.
    Verification,
    /// Any other Git or local I/O failure.
    Other,
}

/// Errors from Git operations. Messages name the (redacted) URL and the ref, and
/// never contain credentials.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL is malformed or uses an unsupported scheme.
    #[error("invalid Git URL '{url}': {reason}")]
    InvalidUrl {
        /// The redacted URL.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The reference cannot be used.
    #[error("invalid Git reference: {0}")]
    InvalidReference(String),
    /// The auth options are incomplete or malformed.
    #[error("invalid auth options: {0}")]
    InvalidAuth(String),
    /// The server refused the credentials.
    #[error("authentication failed for '{url}': {message}")]
    Authentication {
        /// The redacted URL.
        url: String,
        /// The transport's explanation, redacted.
        message: String,
    },
    /// The repository or the requested ref/commit does not exist.
    #[error("{what} not found in '{url}'")]
    NotFound {
        /// The redacted URL.
        url: String,
        /// What was looked for, e.g. "branch 'main'".
        what: String,
    },
    /// The server could not be reached or the transfer broke.
    #[error("unable to reach '{url}': {message}")]
    Network {
        /// The redacted URL.
        url: String,
        /// The transport's explanation, redacted.
        message: String,
    },
    /// The operation exceeded its timeout.
    #[error("Git operation on '{url}' timed out after {timeout:?}")]
    Timeout {
        /// The redacted URL.
        url: String,
        /// The configured timeout.
        timeout: Duration,
    },
    /// A PGP signature did not verify.
    #[error("{0}")]
    Verification(String),
    /// A Git operation failed for another reason.
    #[error("Git operation on '{url}' failed: {message}")]
    Git {
        /// The redacted URL.
        url: String,
        /// What failed, redacted.
        message: String,
    },
    /// A local file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidUrl { .. } => ErrorKind::InvalidUrl,
            Error::InvalidReference(_) => ErrorKind::InvalidReference,
            Error::InvalidAuth(_) => ErrorKind::InvalidAuth,
            Error::Authentication { .. } => ErrorKind::Authentication,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Network { .. } => ErrorKind::Network,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Verification(_) => ErrorKind::Verification,
            Error::Git { .. } | Error::Io { .. } => ErrorKind::Other,
        }
    }

    /// True for rejected credentials and unusable auth Secret data, which Flux reports
    /// with the `AuthenticationFailed` reason.
    pub fn is_auth(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Authentication | ErrorKind::InvalidAuth
        )
    }

    /// True when retrying cannot help until the object's spec changes (Flux marks these
    /// Stalled): an invalid URL or ref.
    pub fn is_stalling(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::InvalidUrl | ErrorKind::InvalidReference
        )
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
