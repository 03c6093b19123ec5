//! Object storage buckets for Flux's Bucket source (no Kubernetes).
//!
//! One client ([`BucketClient`], over `object_store`) covers Flux's four providers:
//! `generic` and `aws` (S3 API, path-style, `spec.endpoint`/`insecure`/`region`), `gcp`
//! (service account key JSON) and `azure` (account key, SAS token or client secret).
//!
//! A reconcile first builds the [`EtagIndex`]: every object under `spec.prefix` with its
//! ETag, minus what the root `.sourceignore` object and `spec.ignore` exclude. Its
//! [`revision`](EtagIndex::revision) is Flux's digest over the sorted `"<key> <etag>\n"`
//! lines, so a changed, added or removed object gives a new revision without downloading
//! anything. Only then are the objects downloaded, at most `concurrency` at a time, each
//! to a path checked to stay inside the target directory.

mod client;
mod error;
mod index;

pub use client::{BucketClient, BucketConfig, Credentials, Provider};
pub use error::Error;
pub use index::EtagIndex;

/// The object whose patterns exclude other objects (read from the bucket root).
pub const SOURCE_IGNORE_OBJECT: &str = ".sourceignore";
/// Flux's cap on concurrent object downloads per Bucket.
pub const DEFAULT_CONCURRENCY: usize = 100;
