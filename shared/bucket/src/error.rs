//! The crate's error type.

/// What can go wrong talking to a bucket.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration (provider, endpoint, credentials) is not usable.
    #[error("invalid bucket configuration: {0}")]
    InvalidConfig(String),
    /// The bucket does not exist.
    #[error("bucket '{0}' not found")]
    BucketNotFound(String),
    /// The credentials were rejected.
    #[error("access to bucket '{bucket}' denied: {reason}")]
    AccessDenied {
        /// The bucket.
        bucket: String,
        /// The server's answer.
        reason: String,
    },
    /// Any other failure of the object store.
    #[error("bucket '{bucket}': {reason}")]
    Operation {
        /// The bucket.
        bucket: String,
        /// What failed.
        reason: String,
    },
    /// An object key cannot be written to disk safely.
    #[error("object key '{0}' is not a safe relative path")]
    UnsafeKey(String),
    /// An object is larger than allowed.
    #[error("object '{key}' is larger than {limit} bytes")]
    TooLarge {
        /// The object key.
        key: String,
        /// The cap.
        limit: u64,
    },
    /// Writing a downloaded object failed.
    #[error("{context} '{path}': {source}")]
    Io {
        /// What was being done.
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
        matches!(self, Error::AccessDenied { .. })
    }

    pub(crate) fn from_store(bucket: &str, e: object_store::Error) -> Error {
        match e {
            object_store::Error::PermissionDenied { source, .. }
            | object_store::Error::Unauthenticated { source, .. } => Error::AccessDenied {
                bucket: bucket.to_string(),
                reason: source.to_string(),
            },
            other => {
                let text = chain(&other);
                if flux_artifact::status::has_status_code(&text, "403")
                    || flux_artifact::status::has_status_code(&text, "401")
                    || text.contains("SignatureDoesNotMatch")
                    || text.contains("InvalidAccessKeyId")
                {
                    Error::AccessDenied {
                        bucket: bucket.to_string(),
                        reason: text,
                    }
                } else if text.contains("NoSuchBucket") {
                    Error::BucketNotFound(bucket.to_string())
                } else {
                    Error::Operation {
                        bucket: bucket.to_string(),
                        reason: text,
                    }
                }
            }
        }
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
