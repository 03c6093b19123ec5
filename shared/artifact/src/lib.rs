//! Artifact storage, reproducible tar.gz archives with ignore rules, digests, GC, the HTTP
//! file server, and safe fetch and extract for consumers.
//!
//! The producer side ([`storage`], [`ignore`], [`server`]) is what source-controller uses to
//! store and serve `status.artifact` files; the consumer side ([`fetch`]) is what
//! kustomize-controller and helm-controller use to download, verify and unpack them.
//! Behaviour follows fluxcd/pkg (`artifact/storage`, `sourceignore`, `tar`, `http/fetch`).
//! No Kubernetes client here: callers pass plain values.

pub mod artifact;
pub mod digest;
mod error;
pub mod fetch;
pub mod ignore;
pub mod server;
pub mod status;
pub mod storage;

pub use artifact::Artifact;
pub use digest::{Algorithm, Digest, DigestWriter};
pub use error::{Error, Result};
pub use fetch::{ExtractLimits, FetchOptions, Fetcher, fetch_and_extract};
pub use ignore::SourceIgnoreFilter;
pub use storage::{ArchiveFilter, Retention, Storage};
