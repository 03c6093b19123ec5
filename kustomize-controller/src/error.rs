//! Errors of the steps that do not talk to the cluster and live in this crate (decryption);
//! build and substitution errors are `flux_kustomization::Error`.

/// A kustomize-controller step failure; the message names the file or object at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SOPS decryption failed.
    #[error("{0}")]
    Decrypt(String),
}
