//! OCIRepository → artifact, as Flux's `OCIRepositoryReconciler`.
//!
//! # Pipeline
//! 1. **storage**: GC, drop a missing or corrupt artifact, refresh the URL.
//! 2. **source** (`reconcile`): URL and provider checked (stall), registry credentials
//!    from the `.dockerconfigjson` `secretRef` (else the `imagePullSecrets` of
//!    `serviceAccountName`, `pull_secrets`), CA from `certSecretRef`, the proxy from
//!    `proxySecretRef` (`proxy`), `insecure` for plain HTTP; `spec.ref` resolved (digest > semver with `semverFilter` > tag >
//!    `latest`) to the revision `<tag>@sha256:<hex>` (or the digest alone).
//! 3. **verify** (`verify`): with `spec.verify`, cosign public keys (`*.pub` in the
//!    Secret) must verify the manifest; `SourceVerified`. Keyless verification is not
//!    supported and fails with a clear message.
//! 4. **artifact**: the selected layer (`layerSelector.mediaType`, else the first) is
//!    extracted (tar+gzip, safe extraction, `spec.ignore` applied) and re-archived, or with
//!    `operation: copy` stored verbatim, as `sha256:<hex>.tar.gz`; the manifest annotations
//!    become the artifact metadata; `latest.tar.gz` symlink; `NewArtifact` event.
//!
//! An unchanged revision with an unchanged layer selector and ignore rules pulls nothing.
//!
//! # Conditions
//! `FetchFailed` (`OCIArtifactPullFailed`, `AuthenticationFailed`, `URLInvalid`,
//! `OCIArtifactLayerOperationFailed`), `ArtifactOutdated`, `SourceVerified`,
//! `StorageOperationFailed`, `ArtifactInStorage`.

pub(crate) mod proxy;
mod pull_secrets;
mod reconcile;
pub(crate) mod verify;

use flux_api::source::OCIRepository;
use flux_runtime::reconcile::{self as rt, Shared};
use flux_runtime::shutdown::Shutdown;

pub use reconcile::{OCIRepositoryReconciler, pull_failed};

/// Runs the OCIRepository controller until `shutdown`.
pub async fn run(shared: Shared, reconciler: OCIRepositoryReconciler, shutdown: Shutdown) {
    let controller = rt::controller::<OCIRepository>(&shared.client, &shared.options);
    rt::run(controller, shared, reconciler, shutdown).await;
}
