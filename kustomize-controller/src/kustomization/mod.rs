//! The Kustomization reconciler. Pipeline, in Flux's order:
//!
//! 1. finalizer and suspend (runtime driver);
//! 2. source: resolve `sourceRef` from the source kinds' watch caches, or the API when the
//!    cache has not seen it (cross-namespace refs refused with
//!    `--no-cross-namespace-refs`: `AccessDenied`, stalled); a missing source or one without
//!    artifact waits `--requeue-dependency` with `ArtifactFailed`;
//! 3. `dependsOn`: every dependency Ready for its generation, and at this source's revision
//!    when it shares the source; otherwise `DependencyNotReady`, requeued after
//!    `--requeue-dependency`;
//! 4. fetch: download, verify the digest, extract safely; `path` must exist;
//! 5. build: generate/patch the kustomization with the spec fields, `kustomize build`;
//! 6. per object: SOPS decryption of Secrets (age, OpenPGP), post-build substitution (`substitute`, `substituteFrom`), owner labels,
//!    `commonMetadata`;
//! 7. apply: dry-run of each stage then server-side apply as `kustomize-controller`,
//!    impersonating `serviceAccountName` or on the `kubeConfig` cluster;
//! 8. inventory in status, then prune of objects that left it (`prune: true`);
//! 9. health checks (`wait` or `healthChecks`) until `timeout`: `Healthy`;
//! 10. `Ready=True` "Applied revision: <rev>", `lastAppliedRevision`; events with the change set.
//!
//! Failures keep the previous objects and inventory and are retried at `retryInterval`.
//! On deletion the `deletionPolicy` decides whether the inventory is garbage collected.

mod apply;
mod client;
mod decrypt;
mod dependencies;
mod fetch;
mod finalize;
mod history;
mod reconcile;
mod source;
mod substitute;
mod watches;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use flux_api::kustomize::Kustomization;
use flux_artifact::fetch::{FetchOptions, Fetcher};
use flux_runtime::ControllerContext;
use flux_runtime::reconcile::{self as rt, ReconcileOptions};
use flux_ssa::ResourceManager;

use crate::KustomizeOptions;

/// The Kustomization reconciler and what its reconciles share.
pub struct KustomizationReconciler {
    base_config: kube::Config,
    options: KustomizeOptions,
    requeue_dependency: Duration,
    fetcher: Fetcher,
    /// Discovery cache shared by every resource manager.
    discovery: ResourceManager,
    /// Impersonating clients, by `namespace/serviceAccount`.
    clients: Mutex<HashMap<String, kube::Client>>,
    /// Watch caches of the source kinds; without them sources are read from the API.
    sources: Option<watches::SourceCaches>,
}

impl KustomizationReconciler {
    /// A reconciler whose default client is `client`, impersonating from `base_config`.
    pub fn new(
        client: kube::Client,
        base_config: kube::Config,
        options: KustomizeOptions,
        requeue_dependency: Duration,
    ) -> Self {
        let fetch = FetchOptions {
            retries: options.http_retry,
            host_override: std::env::var("SOURCE_CONTROLLER_LOCALHOST")
                .ok()
                .filter(|s| !s.is_empty()),
            ..FetchOptions::default()
        };
        KustomizationReconciler {
            base_config,
            requeue_dependency,
            fetcher: Fetcher::new(fetch),
            discovery: ResourceManager::new(client, crate::CONTROLLER_NAME)
                .with_concurrency(options.concurrent_ssa),
            options,
            clients: Mutex::new(HashMap::new()),
            sources: None,
        }
    }

    /// Reads sources from these watch caches.
    fn with_source_caches(mut self, caches: watches::SourceCaches) -> Self {
        self.sources = Some(caches);
        self
    }
}

/// Runs the reconciler with source watches until shutdown.
pub async fn run(
    ctx: ControllerContext,
    config: kube::Config,
    reconcile: ReconcileOptions,
    options: KustomizeOptions,
) -> anyhow::Result<()> {
    let shared = rt::shared(&ctx, &reconcile);
    let controller = rt::controller::<Kustomization>(&ctx.client, &reconcile);
    let (controller, sources) = watches::watch_sources(
        controller,
        &ctx.client,
        &reconcile,
        &options.watch_configs_label_selector,
    );
    let reconciler = KustomizationReconciler::new(
        ctx.client.clone(),
        config,
        options,
        reconcile.requeue_dependency,
    )
    .with_source_caches(sources);
    rt::run(controller, shared, reconciler, ctx.shutdown.clone()).await;
    Ok(())
}
