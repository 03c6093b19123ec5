//! GitRepository → artifact, as Flux's `GitRepositoryReconciler`.
//!
//! # Pipeline
//! The runtime driver adds the finalizer, honours `spec.suspend`, marks
//! `Reconciling`, then runs these steps over a status draft, in order; the first error
//! ends the reconcile and the driver summarizes `Ready`/`Stalled` from it:
//! 1. **storage** (`artifact_steps::reconcile_storage`): garbage-collect old files; a
//!    `status.artifact` whose file is missing or corrupt (an emptyDir after a restart)
//!    is dropped so it is rebuilt; its URL follows `--storage-adv-addr`.
//! 2. **includes** (`include::fetch_includes`): every `spec.include` must name a
//!    GitRepository with an artifact, else `IncludeUnavailable` (waiting).
//! 3. **auth** (`auth`): `secretRef`/`proxySecretRef` → credentials; a missing Secret is
//!    `FetchFailed`/`AuthenticationFailed` (retried).
//! 4. **fetch** (`fetch`): when an artifact is stored and the content configuration is
//!    unchanged (`decide::content_config_changed`), an ls-refs of the ref; if it still
//!    points at the artifact's revision nothing is downloaded. Otherwise a shallow
//!    checkout within `spec.timeout`. Invalid URL or ref stall; auth failures are
//!    `AuthenticationFailed`, others `GitOperationFailed`.
//! 5. **verify** (`verify`): PGP signatures of the commit and/or tag; `SourceVerified`.
//! 6. **artifact** (`artifact::build`): includes copied in, tar.gz with the ignore
//!    rules, `latest.tar.gz` symlink, GC, `status.artifact`, `includedArtifacts` and the
//!    observed* fields. A new revision emits `NewArtifact` with the revision metadata.
//!
//! # Conditions
//! Owned negative-polarity conditions, cleared on success: `FetchFailed`,
//! `IncludeUnavailable`, `StorageOperationFailed`, `ArtifactOutdated` (`NewRevision`
//! while a new revision is being built) and `BuildFailed`. Positive ones:
//! `ArtifactInStorage` and, with `spec.verify`, `SourceVerified`.
//!
//! # Requeue
//! Success: `spec.interval` with jitter. Transient failures (auth, network, storage):
//! exponential backoff. Missing includes: `--requeue-dependency`. Invalid URL or ref:
//! Stalled, no requeue until the spec changes. A change of an included repository's
//! artifact requeues the repositories that include it at once.
//!
//! The finalizer removes the object's storage directory.

mod artifact;
mod auth;
pub mod decide;
mod fetch;
mod include;
mod reconcile;
mod verify;

#[cfg(test)]
mod tests;

use futures::StreamExt;
use kube::runtime::{WatchStreamExt, watcher};

use flux_api::constants::{
    ARTIFACT_OUTDATED_CONDITION, BUILD_FAILED_CONDITION, FETCH_FAILED_CONDITION,
    INCLUDE_UNAVAILABLE_CONDITION, STORAGE_OPERATION_FAILED_CONDITION,
};
use flux_api::source::GitRepository;
use flux_runtime::reconcile::{self as rt, Shared};
use flux_runtime::shutdown::Shutdown;

pub use artifact::{to_api, to_storage};
pub use reconcile::GitRepositoryReconciler;

/// The negative-polarity conditions the GitRepository reconciler owns.
pub const OWNED_CONDITIONS: &[&str] = &[
    FETCH_FAILED_CONDITION,
    INCLUDE_UNAVAILABLE_CONDITION,
    STORAGE_OPERATION_FAILED_CONDITION,
    ARTIFACT_OUTDATED_CONDITION,
    BUILD_FAILED_CONDITION,
];

/// Runs the GitRepository controller until `shutdown`: the runtime's watch on
/// GitRepositories plus a watch that requeues includers when an artifact changes.
pub async fn run(shared: Shared, reconciler: GitRepositoryReconciler, shutdown: Shutdown) {
    let controller = rt::controller::<GitRepository>(&shared.client, &shared.options);
    let store = controller.store();
    let api = rt::watched_api::<GitRepository>(&shared.client, &shared.options);
    let artifact_changes = watcher(api, rt::watcher_config(&shared.options))
        .default_backoff()
        .touched_objects()
        .predicate_filter(decide::artifact_hash, Default::default())
        .boxed();
    let controller = controller.watches_stream(artifact_changes, move |changed: GitRepository| {
        let all = store.state();
        decide::includers(all.iter().map(|r| r.as_ref()), &changed)
            .into_iter()
            .map(|(name, ns)| rt::object_ref::<GitRepository>(&name, &ns))
            .collect::<Vec<_>>()
    });
    rt::run(controller, shared, reconciler, shutdown).await;
}
