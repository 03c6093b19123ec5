//! Errors of the steps that do not talk to the cluster (build, substitution, decryption).

/// A kustomize-controller step failure; the message names the file or object at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Preparing or building the kustomization failed.
    #[error("{0}")]
    Build(String),
    /// Post-build substitution failed.
    #[error("{0}")]
    Substitute(String),
    /// SOPS decryption failed.
    #[error("{0}")]
    Decrypt(String),
}
