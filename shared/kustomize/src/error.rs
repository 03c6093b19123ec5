//! The crate's error type.

use std::path::PathBuf;

/// Everything that can make a kustomize build fail.
#[derive(Debug, thiserror::Error)]
pub enum KustomizeError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A YAML or JSON document could not be parsed.
    #[error("{file}: invalid YAML: {message}")]
    Yaml {
        /// The file (or inline patch) at fault.
        file: String,
        /// Parser message.
        message: String,
    },
    /// A kustomization file is invalid.
    #[error("{file}: invalid kustomization: {message}")]
    Kustomization {
        /// The kustomization file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A path escapes the build root or is otherwise refused by the load restrictor.
    #[error("security; file '{path}' is not in or below '{root}'")]
    Restricted {
        /// The refused path.
        path: String,
        /// The root it must stay in.
        root: String,
    },
    /// A feature Flux refuses (remote bases, helmCharts, exec plugins...).
    #[error("{0}")]
    Unsupported(String),
    /// A kustomization includes itself, directly or through others.
    #[error("cycle detected: '{0}' is already being built")]
    Cycle(String),
    /// Any other build failure, with its context.
    #[error("{0}")]
    Build(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = KustomizeError> = std::result::Result<T, E>;

/// Builds a [`KustomizeError::Build`] from a format string.
macro_rules! build_err {
    ($($arg:tt)*) => { $crate::error::KustomizeError::Build(format!($($arg)*)) };
}
pub(crate) use build_err;
