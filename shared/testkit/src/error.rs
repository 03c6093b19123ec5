//! The testkit's error type.

use std::path::PathBuf;

/// Everything that can go wrong while starting or driving a test fixture.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// A process of a fixture (etcd, kube-apiserver, sshd, ...) exited or never became ready.
    #[error("{component} failed to start: {reason}\n  log: {log}\n  last lines of the log:\n{tail}", log = .log.display())]
    ComponentStart {
        /// Name of the component, e.g. `kube-apiserver`.
        component: String,
        /// What went wrong.
        reason: String,
        /// The component's log file.
        log: PathBuf,
        /// The last lines of that log.
        tail: String,
    },
    /// The control-plane binaries could not be found or built.
    #[error("test binaries: {0}")]
    Testbins(String),
    /// A file-system or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file or program.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Generating a certificate or key failed.
    #[error("generating {what}: {source}")]
    Cert {
        /// Which certificate or key.
        what: String,
        /// The underlying error.
        source: rcgen::Error,
    },
    /// TLS configuration failed.
    #[error("TLS setup: {0}")]
    Tls(String),
    /// A Kubernetes API call failed.
    #[error("{context}: {source}")]
    Kube {
        /// What was being done, naming the object.
        context: String,
        /// The underlying error.
        source: Box<kube::Error>,
    },
    /// An object built or returned by the testkit is not what it should be (a testkit bug).
    #[error("{0}")]
    Internal(String),
    /// The generated kubeconfig could not be loaded.
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    /// A CRD manifest could not be read or applied.
    #[error("{file}: {message}", file = .file.display())]
    Manifest {
        /// The manifest file at fault.
        file: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A git command failed.
    #[error("git {args} failed: {message}")]
    Git {
        /// The git arguments.
        args: String,
        /// Exit status and stderr.
        message: String,
    },
    /// Something did not happen in time.
    #[error("timed out after {secs}s waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long we waited.
        secs: u64,
    },
}

impl TestkitError {
    /// Wraps an I/O error with the operation that caused it.
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> TestkitError {
        let context = context.into();
        move |source| TestkitError::Io { context, source }
    }

    /// Wraps a Kubernetes API error with the operation that caused it.
    pub(crate) fn kube(context: impl Into<String>) -> impl FnOnce(kube::Error) -> TestkitError {
        let context = context.into();
        move |source| TestkitError::Kube {
            context,
            source: Box::new(source),
        }
    }

    /// Wraps a certificate error with the certificate being generated.
    pub(crate) fn cert(what: impl Into<String>) -> impl FnOnce(rcgen::Error) -> TestkitError {
        let what = what.into();
        move |source| TestkitError::Cert { what, source }
    }
}
