//! Errors of the shared runtime.

use std::net::SocketAddr;

/// What can go wrong while starting or running a controller's shared parts.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The Kubernetes client configuration could not be loaded.
    #[error("loading Kubernetes client configuration: {0}")]
    KubeConfig(String),
    /// The API server could not be reached with the loaded configuration.
    #[error("connecting to the Kubernetes API server at {url}: {source}")]
    Connect {
        /// The API server URL from the configuration.
        url: String,
        /// The underlying client error.
        #[source]
        source: kube::Error,
    },
    /// An HTTP listener could not be bound.
    #[error("binding {what} address {addr}: {source}")]
    Bind {
        /// Which server (health, metrics, ...).
        what: &'static str,
        /// The address that was asked for.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An address flag could not be parsed.
    #[error("invalid address {value:?} for --{flag}: expected host:port or :port")]
    InvalidAddress {
        /// The flag name without dashes.
        flag: &'static str,
        /// The value given.
        value: String,
    },
    /// Logging could not be initialised.
    #[error("initialising logging: {0}")]
    Logging(String),
    /// A server task failed.
    #[error("{what} server: {source}")]
    Serve {
        /// Which server.
        what: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
