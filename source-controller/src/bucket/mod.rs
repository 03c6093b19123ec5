//! Bucket → artifact, as Flux's `BucketReconciler`.
//!
//! # Pipeline
//! 1. **storage**: GC, drop a missing or corrupt artifact, refresh the URL.
//! 2. **source** (`reconcile`): provider and endpoint checked (stall on invalid ones),
//!    credentials from `secretRef`, the proxy from `proxySecretRef`, a CA from
//!    `certSecretRef`, then the ETag index of the objects under `spec.prefix` minus the
//!    root `.sourceignore` and `spec.ignore` patterns. Its digest is the revision
//!    (`sha256:<hex>`); an unchanged revision with unchanged ignore rules downloads
//!    nothing.
//! 3. **artifact**: objects downloaded (at most 100 at a time, as Flux), archived as
//!    `<hex>.tar.gz`, `latest.tar.gz` symlink, `observedIgnore`, `NewArtifact` event.
//!
//! # Conditions
//! `FetchFailed` (`BucketOperationFailed`, `AuthenticationFailed`),
//! `ArtifactOutdated` (`NewRevision`), `StorageOperationFailed`, `ArtifactInStorage`;
//! `Stalled` with `InvalidProviderConfiguration` or `InvalidSTSConfiguration`.
//!
//! # Requeue
//! `spec.interval` on success, backoff on failures, none when stalled.

mod reconcile;

use flux_api::source::Bucket;
use flux_runtime::reconcile::{self as rt, Shared};
use flux_runtime::shutdown::Shutdown;

pub use reconcile::BucketReconciler;

/// Runs the Bucket controller until `shutdown`.
pub async fn run(shared: Shared, reconciler: BucketReconciler, shutdown: Shutdown) {
    let controller = rt::controller::<Bucket>(&shared.client, &shared.options);
    rt::run(controller, shared, reconciler, shutdown).await;
}
