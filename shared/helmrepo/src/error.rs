//! The crate's error type.

/// What can go wrong fetching, reading or packaging Helm charts.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A repository or chart URL is not usable.
    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The TLS or credential material is not usable.
    #[error("invalid client configuration: {0}")]
    InvalidConfig(String),
    /// The server could not be reached or the transfer failed.
    #[error("failed to fetch '{url}': {reason}")]
    Transport {
        /// The URL.
        url: String,
        /// The cause.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("failed to fetch '{url}': server answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// A download or file is larger than allowed.
    #[error("{what} exceeds the maximum size of {limit} bytes")]
    TooLarge {
        /// What was being read.
        what: String,
        /// The cap.
        limit: u64,
    },
    /// The repository index could not be parsed.
    #[error("invalid Helm repository index: {0}")]
    InvalidIndex(String),
    /// The index has no entry for the chart.
    #[error("no chart name found: '{0}'")]
    ChartNotFound(String),
    /// No version of the chart satisfies the constraint.
    #[error("no '{name}' chart with version matching '{version}' found")]
    VersionNotFound {
        /// The chart name.
        name: String,
        /// The version constraint.
        version: String,
    },
    /// A version constraint is not valid Masterminds syntax.
    #[error("invalid chart version constraint '{0}'")]
    InvalidVersion(String),
    /// A chart archive or directory is malformed or unsafe.
    #[error("invalid chart '{chart}': {reason}")]
    InvalidChart {
        /// The archive or directory.
        chart: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A values file is missing or not a YAML map.
    #[error("values file '{file}': {reason}")]
    Values {
        /// The file path within the source.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A chart dependency could not be resolved.
    #[error("dependency '{name}': {reason}")]
    Dependency {
        /// The dependency name.
        name: String,
        /// Why it failed.
        reason: String,
    },
    /// A filesystem operation failed.
    #[error("{context} '{path}': {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the server rejected the credentials (401/403).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Status { status, .. } if *status == 401 || *status == 403)
    }

    pub(crate) fn io(
        context: &'static str,
        path: impl AsRef<std::path::Path>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.as_ref().display().to_string();
        move |source| Error::Io {
            context,
            path,
            source,
        }
    }
}
