//! The CLI's error type and its exit codes.

/// Errors of `flux-rs` commands.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Invalid flags or arguments.
    #[error("{0}")]
    Usage(String),
    /// `diff` found differences (exit code 1, no error message).
    #[error("differences found")]
    DiffFound,
    /// A diff could not be computed (exit code 2).
    #[error("{0:#}")]
    DiffFailed(anyhow::Error),
    /// Talking to the cluster failed.
    #[error("{context}: {source}")]
    Kube {
        /// What was being done.
        context: String,
        /// The client error.
        source: kube::Error,
    },
    /// Any other failure, with its context chain.
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl CliError {
    /// The process exit code: 1 for errors and found differences, 2 for a failed diff.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::DiffFailed(_) => 2,
            _ => 1,
        }
    }

    /// The message to print, if any (found differences were already printed).
    pub fn message(&self) -> Option<String> {
        match self {
            CliError::DiffFound => None,
            other => Some(other.to_string()),
        }
    }

    /// Wraps a kube error with what was being done.
    pub fn kube(context: impl Into<String>) -> impl FnOnce(kube::Error) -> CliError {
        let context = context.into();
        move |source| CliError::Kube { context, source }
    }
}

/// Shorthand for a usage error.
pub fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

/// Result type of the CLI.
pub type Result<T, E = CliError> = std::result::Result<T, E>;
