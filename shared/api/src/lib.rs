//! Rust types of every Flux API kind (at the versions Flux serves today), the shared meta
//! types, condition/reason/annotation constants, the Flux event payload, and CRD generation.
//!
//! The types follow Flux's Go API field by field (names, optionality, defaults, validation);
//! [`crd::all_crds`] renders the CustomResourceDefinitions installed in `deploy/crds`.
//! This crate uses kube's derive support only, never a client.

pub mod constants;
pub mod crd;
pub mod event;
pub mod helm;
pub mod image;
pub mod kustomize;
pub mod meta;
pub mod notification;
pub mod source;

pub use meta::{Artifact, Condition, Conditions};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A Go duration string could not be parsed.
    #[error("invalid duration '{0}': expected a Go duration such as '30s', '5m' or '1h30m'")]
    InvalidDuration(String),
    /// A CRD could not be rendered as YAML.
    #[error("rendering CRD {name} as YAML: {message}")]
    Render {
        /// CRD name.
        name: String,
        /// Serializer message.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Path at fault.
        path: std::path::PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// Implements [`Conditions`] for a kind whose status has a `conditions` field.
macro_rules! impl_conditions {
    ($($kind:ty),+ $(,)?) => {$(
        impl $crate::meta::Conditions for $kind {
            fn conditions(&self) -> &[$crate::meta::Condition] {
                self.status.as_ref().map(|s| s.conditions.as_slice()).unwrap_or(&[])
            }
            fn conditions_mut(&mut self) -> &mut Vec<$crate::meta::Condition> {
                &mut self.status.get_or_insert_with(Default::default).conditions
            }
        }
    )+};
}
pub(crate) use impl_conditions;
