//! HelmRepository → index artifact, as Flux's `HelmRepositoryReconciler`.
//!
//! # Pipeline
//! 1. **storage** (`artifact_steps::reconcile_storage`): GC, drop a missing or corrupt
//!    artifact, refresh the URL.
//! 2. **type oci**: such repositories are only coordinates for HelmCharts; like Flux,
//!    only the credentials Secret is checked and no artifact is produced.
//! 3. **source** (`reconcile`): URL check (stalls), auth from `secretRef` and
//!    `certSecretRef` (`auth`), `index.yaml` downloaded within `spec.timeout` under the
//!    `--helm-index-max-size` cap, parsed with bounded memory; revision
//!    `sha256:<hex of the index>`.
//! 4. **artifact**: the index stored verbatim as `index-<hex>.yaml`, `index.yaml`
//!    symlink (`status.url`), `NewArtifact` event.
//!
//! # Conditions
//! `FetchFailed` (`AuthenticationFailed`, `IndexationFailed`, `URLInvalid`),
//! `ArtifactOutdated` (`NewRevision`), `StorageOperationFailed`, `ArtifactInStorage`.
//!
//! # Requeue
//! `spec.interval` (1m default) on success, backoff on failures, none when stalled.

pub(crate) mod auth;
mod reconcile;

use flux_api::source::HelmRepository;
use flux_runtime::reconcile::{self as rt, Shared};
use flux_runtime::shutdown::Shutdown;

pub use reconcile::{HelmRepositoryReconciler, fetch_error};

/// Runs the HelmRepository controller until `shutdown`.
pub async fn run(shared: Shared, reconciler: HelmRepositoryReconciler, shutdown: Shutdown) {
    let controller = rt::controller::<HelmRepository>(&shared.client, &shared.options);
    rt::run(controller, shared, reconciler, shutdown).await;
}
