//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in storage, archiving, serving or fetching artifacts.
///
/// Each variant names the file, entry or URL at fault so that the message can go
/// straight into a condition message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A filesystem operation failed.
    #[error("{action} '{}': {source}", path.display())]
    Io {
        /// What was being done, e.g. "failed to create directory".
        action: &'static str,
        /// The file or directory at fault.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An artifact path, kind, namespace, name or file name is not a safe relative path.
    #[error("invalid artifact path '{path}': {reason}")]
    InvalidPath {
        /// The offending path or path component.
        path: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The directory to archive does not exist or is not a directory.
    #[error("invalid dir path: {}", .0.display())]
    InvalidDir(PathBuf),
    /// A digest string could not be parsed.
    #[error("failed to parse digest '{digest}': {reason}")]
    InvalidDigest {
        /// The digest as given.
        digest: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The artifact has no digest to verify against.
    #[error("artifact '{0}' has no digest")]
    MissingDigest(String),
    /// Content did not hash to the expected digest.
    #[error("computed digest '{actual}' of {subject} doesn't match '{expected}'")]
    DigestMismatch {
        /// The file or URL whose content was hashed.
        subject: String,
        /// The digest the caller expected.
        expected: String,
        /// The digest actually computed.
        actual: String,
    },
    /// The storage address flags could not be turned into an advertised address.
    #[error("invalid storage address '{0}': expected host:port")]
    InvalidStorageAddress(String),
    /// An HTTP request for an artifact failed (after retries, for transient errors).
    #[error("failed to download archive from {url}: {source}")]
    Download {
        /// The artifact URL.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The artifact server answered with an unexpected status.
    #[error("failed to download archive from {url} (status: {status})")]
    HttpStatus {
        /// The artifact URL.
        url: String,
        /// The final HTTP status.
        status: reqwest::StatusCode,
    },
    /// The artifact server answered 404 on every attempt.
    #[error("artifact not found at {0}")]
    NotFound(String),
    /// The artifact URL could not be parsed or rewritten.
    #[error("invalid artifact URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The download exceeded the configured size limit.
    #[error("artifact at {url} is larger than the max download size of {limit} bytes")]
    DownloadTooLarge {
        /// The artifact URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The archive is not a readable gzip'd tarball.
    #[error("failed to read archive: {0}")]
    Archive(#[source] std::io::Error),
    /// An archive entry was rejected during extraction.
    #[error("tar entry '{entry}': {reason}")]
    UnsafeEntry {
        /// The entry name as stored in the archive.
        entry: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Writing an extracted entry to disk failed.
    #[error("failed to extract tar entry '{entry}': {source}")]
    Extract {
        /// The entry name as stored in the archive.
        entry: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The archive's entries add up to more than the extraction size limit.
    #[error("tar entry '{entry}' takes the archive over the max untar size of {limit} bytes")]
    ArchiveTooLarge {
        /// The entry that crossed the limit.
        entry: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The archive holds more entries than the extraction limit allows.
    #[error("tar entry '{entry}' takes the archive over the max of {limit} entries")]
    TooManyEntries {
        /// The entry that crossed the limit.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// The HTTP server failed.
    #[error("artifact server failed: {0}")]
    Server(#[source] std::io::Error),
    /// A blocking task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::Io`] for `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Builds an [`Error::UnsafeEntry`].
    pub(crate) fn entry(entry: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::UnsafeEntry {
            entry: entry.into(),
            reason: reason.into(),
        }
    }
}
