//! The crate's error type.

/// Everything that can go wrong loading or rendering a chart.
#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The chart is malformed (Chart.yaml, values.yaml, subcharts).
    #[error("{0}")]
    Chart(String),
    /// User-supplied values (`--set`) cannot be parsed.
    #[error("{0}")]
    Values(String),
    /// Dependencies in Chart.yaml are missing or inconsistent.
    #[error("{0}")]
    Dependencies(String),
    /// Values do not satisfy a chart's values.schema.json.
    #[error(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{0}"
    )]
    Schema(String),
    /// A template failed to parse or execute.
    #[error("{0}")]
    Template(String),
    /// A rendered manifest is not valid YAML.
    #[error("YAML parse error on {file}: {msg}")]
    Manifest {
        /// The template that produced it.
        file: String,
        /// The parse error.
        msg: String,
    },
}
