//! The crate's error type.

/// What can go wrong with an OCI artifact.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL or reference is not usable.
    #[error("invalid OCI URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A semver range or filter is not valid.
    #[error("invalid ref: {0}")]
    InvalidRef(String),
    /// Credentials or TLS material are not usable.
    #[error("invalid credentials: {0}")]
    InvalidAuth(String),
    /// The registry rejected the credentials.
    #[error("failed to authenticate to '{registry}': {reason}")]
    Unauthorized {
        /// The registry host.
        registry: String,
        /// The registry's answer.
        reason: String,
    },
    /// The tag, digest or repository does not exist.
    #[error("'{0}' not found")]
    NotFound(String),
    /// No tag satisfies the semver range.
    #[error("no match found for semver: {0}")]
    NoSemverMatch(String),
    /// Any other registry failure.
    #[error("{operation} '{reference}': {reason}")]
    Registry {
        /// What was attempted.
        operation: &'static str,
        /// The reference.
        reference: String,
        /// The cause.
        reason: String,
    },
    /// The artifact has no layer, or none of the requested media type.
    #[error("{0}")]
    Layer(String),
    /// A layer is larger than allowed.
    #[error("layer of '{reference}' is larger than {limit} bytes")]
    TooLarge {
        /// The reference.
        reference: String,
        /// The cap.
        limit: u64,
    },
    /// Signature verification failed.
    #[error("signature verification failed for '{reference}': {reason}")]
    Verification {
        /// The reference.
        reference: String,
        /// Why.
        reason: String,
    },
    /// A file operation failed.
    #[error("{context} '{path}': {source}")]
    Io {
        /// What was done.
        context: &'static str,
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the credentials were rejected.
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Unauthorized { .. })
    }

    pub(crate) fn registry(
        operation: &'static str,
        reference: &str,
        registry: &str,
        e: oci_client::errors::OciDistributionError,
    ) -> Error {
        use oci_client::errors::OciDistributionError as E;
        // Classified on the registry's answer alone; the message also gets the causes,
        // since "error sending request" alone hides a refused connection or an untrusted
        // certificate.
        let text = e.to_string();
        let mut detailed = text.clone();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            let part = c.to_string();
            if !detailed.contains(&part) {
                detailed = format!("{detailed}: {part}");
            }
            cause = c.source();
        }
        match &e {
            E::AuthenticationFailure(_) => Error::Unauthorized {
                registry: registry.to_string(),
                reason: text,
            },
            E::ImageManifestNotFoundError(_) => Error::NotFound(reference.to_string()),
            _ if flux_artifact::status::has_status_code(&text, "401")
                || text.to_lowercase().contains("unauthorized")
                || text.to_lowercase().contains("not authorized") =>
            {
                Error::Unauthorized {
                    registry: registry.to_string(),
                    reason: text,
                }
            }
            _ if {
                let lower = text.to_lowercase();
                lower.contains("manifest unknown")
                    || lower.contains("manifest_unknown")
                    || lower.contains("name unknown")
                    || lower.contains("name_unknown")
                    || lower.contains("not found")
            } =>
            {
                Error::NotFound(reference.to_string())
            }
            _ if text.contains("code: 407") => Error::Registry {
                operation,
                reference: reference.to_string(),
                reason: format!(
                    "the proxy refused the request (407 Proxy Authentication Required; check the proxy credentials): {text}"
                ),
            },
            _ => Error::Registry {
                operation,
                reference: reference.to_string(),
                reason: detailed,
            },
        }
    }
}
