//! HelmChart → packaged chart artifact, as Flux's `HelmChartReconciler`.
//!
//! # Pipeline
//! 1. **storage**: GC, drop a missing or corrupt artifact, refresh the URL.
//! 2. **source** (`source`): the `sourceRef` (same namespace) must exist and, except for
//!    OCI HelmRepositories, have an artifact; otherwise `FetchFailed` and a wait of
//!    `--requeue-dependency`.
//! 3. **build** (`build`):
//!    - HelmRepository (HTTP): the chart version is selected from the repository's stored
//!      index (Masterminds range in `spec.version`, `*` by default), downloaded with the
//!      repository's credentials and checked (no `..`, no links, size caps);
//!    - HelmRepository (`type: oci`): the tag is selected the same way from the
//!      registry's tags, pulled, and with `spec.verify` its cosign signature checked;
//!    - GitRepository or Bucket: the source artifact is extracted, the chart directory at
//!      `spec.chart` read (`.helmignore` applied), dependencies from `Chart.yaml`/
//!      `Chart.lock` vendored (`file://`; `http(s)://` and `oci://` with the credentials
//!      of a HelmRepository with the same URL, `dep_repos`), and packaged.
//!
//!    `valuesFiles` are merged into the packaged `values.yaml` (missing ones are errors
//!    unless `ignoreMissingValuesFiles`). The version gets Flux's metadata: with
//!    `reconcileStrategy: Revision` (Git/Bucket) `+<first 12 hex of the source digest>`,
//!    with values files `+<generation>` (joined with `.` when both).
//! 4. **artifact**: `<name>-<version>.tgz`, `latest.tar.gz` symlink, observed chart name,
//!    source revision and values files, `NewArtifact` event.
//!
//! A build is skipped when the stored artifact already matches what would be built.
//!
//! # Conditions
//! `FetchFailed`, `BuildFailed`, `ArtifactOutdated` (`NewChart`), `SourceVerified`,
//! `StorageOperationFailed`, `ArtifactInStorage`.
//!
//! # Requeue
//! `spec.interval` on success; a change of the source's artifact requeues at once.

mod build;
mod dep_repos;
mod reconcile;
mod source;

use futures::StreamExt;
use kube::runtime::{WatchStreamExt, watcher};

use flux_api::source::{Bucket, GitRepository, HelmChart, HelmRepository};
use flux_runtime::reconcile::{self as rt, Shared};
use flux_runtime::shutdown::Shutdown;

pub use reconcile::HelmChartReconciler;

/// Reason: the source object does not exist or has no artifact yet.
pub const SOURCE_UNAVAILABLE_REASON: &str = "SourceUnavailable";

fn artifact_hash(status_artifact: Option<(&str, &str)>) -> Option<u64> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    status_artifact.hash(&mut h);
    Some(h.finish())
}

/// Runs the HelmChart controller until `shutdown`: the runtime's watch on HelmCharts
/// plus watches that requeue the charts of a source whose artifact changed.
pub async fn run(shared: Shared, reconciler: HelmChartReconciler, shutdown: Shutdown) {
    let controller = rt::controller::<HelmChart>(&shared.client, &shared.options);
    let store = controller.store();
    let mut controller = controller;
    macro_rules! watch_source {
        ($kind:ty, $name:literal) => {{
            let api = rt::watched_api::<$kind>(&shared.client, &shared.options);
            let store = store.clone();
            let changes = watcher(api, rt::watcher_config(&shared.options))
                .default_backoff()
                .touched_objects()
                .predicate_filter(
                    |o: &$kind| {
                        artifact_hash(
                            o.status
                                .as_ref()
                                .and_then(|s| s.artifact.as_ref())
                                .map(|a| (a.revision.as_str(), a.digest.as_str())),
                        )
                    },
                    Default::default(),
                )
                .boxed();
            controller = controller.watches_stream(changes, move |changed: $kind| {
                let ns = changed.metadata.namespace.clone().unwrap_or_default();
                let name = changed.metadata.name.clone().unwrap_or_default();
                store
                    .state()
                    .iter()
                    .filter(|c| c.metadata.namespace.as_deref() == Some(ns.as_str()))
                    .filter(|c| c.spec.source_ref.kind == $name && c.spec.source_ref.name == name)
                    .filter_map(|c| c.metadata.name.clone())
                    .map(|n| rt::object_ref::<HelmChart>(&n, &ns))
                    .collect::<Vec<_>>()
            });
        }};
    }
    watch_source!(HelmRepository, "HelmRepository");
    watch_source!(GitRepository, "GitRepository");
    watch_source!(Bucket, "Bucket");
    rt::run(controller, shared, reconciler, shutdown).await;
}
