//! source-controller: fetches sources and serves them as artifacts over HTTP.
//!
//! GitRepository is reconciled end to end (see [`gitrepository`]); OCIRepository,
//! HelmRepository, HelmChart and Bucket arrive with their issues. The binary runs the
//! shared runtime ([`flux_runtime::run_controller`]): once it holds leadership it opens
//! the artifact storage (`--storage-path`), serves it over HTTP (`--storage-addr`) and
//! reconciles GitRepositories.
//!
//! [`Args::run`] is the whole controller, so e2e tests start it in-process.

pub mod error;
pub mod gitrepository;
pub mod options;
// Issue #7: the other source kinds.
pub mod artifact_steps;
pub mod bucket;
pub mod helmchart;
pub mod helmrepository;
pub mod ocirepository;

use std::sync::Arc;

use clap::Parser;
use flux_artifact::Storage;
use flux_runtime::reconcile::{self, ReconcileOptions};
use flux_runtime::{ControllerContext, ControllerOptions, run_controller};

pub use error::Error;
pub use options::StorageOptions;

/// The controller's name, used for logs, leases and field managers.
pub const CONTROLLER_NAME: &str = "source-controller";

/// Command-line flags of `source-controller`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "source-controller",
    version,
    about = "Flux-compatible source-controller",
    // Flux's source-controller runs two workers per kind, the others four.
    mut_arg("concurrent", |a| a.default_value("2"))
)]
pub struct Args {
    /// Flags shared by every controller.
    #[command(flatten)]
    pub controller: ControllerOptions,
    /// Reconcile, watch and event flags.
    #[command(flatten)]
    pub reconcile: ReconcileOptions,
    /// Artifact storage and file server flags.
    #[command(flatten)]
    pub storage: StorageOptions,
}

impl Args {
    /// Runs the controller until a shutdown signal.
    pub async fn run(self) -> anyhow::Result<()> {
        flux_runtime::bootstrap::install_crypto_provider();
        let selector = self.reconcile.watch_label_selector.clone();
        let controller = self.controller.clone();
        run_controller(CONTROLLER_NAME, &controller, &selector, move |ctx| {
            self.work(ctx)
        })
        .await
    }

    /// The work of the elected leader: storage, file server, reconcilers.
    async fn work(self, ctx: ControllerContext) -> anyhow::Result<()> {
        let listener = options::bind_storage(&self.storage.storage_addr).await?;
        let advertised = self.storage.advertised_address(&listener)?;
        let base = self.storage.storage_path.clone();
        let storage = tokio::task::spawn_blocking(move || {
            Storage::new(base, advertised).map_err(Error::Storage)
        })
        .await
        .map_err(|e| anyhow::anyhow!("opening the storage: {e}"))??;
        tracing::info!(
            path = %storage.base_path().display(),
            addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            advertised = storage.advertised_addr(),
            "serving artifacts"
        );
        let stop = ctx.shutdown.clone();
        let root = storage.base_path().to_path_buf();
        let server = tokio::spawn(async move {
            flux_artifact::server::serve(&root, listener, stop.requested()).await
        });

        let shared = reconcile::shared(&ctx, &self.reconcile);
        let storage = Arc::new(storage);
        let retention = self.storage.retention();
        let reconciler = gitrepository::GitRepositoryReconciler {
            storage: storage.clone(),
            retention,
        };
        // Issue #7: the other source kinds run next to GitRepository.
        let others = run_other_sources(shared.clone(), storage, retention, &ctx);
        tokio::join!(
            gitrepository::run(shared, reconciler, ctx.shutdown.clone()),
            others
        );

        ctx.shutdown.trigger();
        match server.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::Storage(e).into()),
            Err(e) => Err(anyhow::anyhow!("artifact server task failed: {e}")),
        }
    }
}

/// Issue #7: OCIRepository, Bucket, HelmRepository and HelmChart controllers.
async fn run_other_sources(
    shared: reconcile::Shared,
    storage: Arc<Storage>,
    retention: flux_artifact::Retention,
    ctx: &ControllerContext,
) {
    let max_index_size = flux_helmrepo::DEFAULT_MAX_INDEX_SIZE;
    tokio::join!(
        ocirepository::run(
            shared.clone(),
            ocirepository::OCIRepositoryReconciler {
                storage: storage.clone(),
                retention,
            },
            ctx.shutdown.clone(),
        ),
        bucket::run(
            shared.clone(),
            bucket::BucketReconciler {
                storage: storage.clone(),
                retention,
            },
            ctx.shutdown.clone(),
        ),
        helmrepository::run(
            shared.clone(),
            helmrepository::HelmRepositoryReconciler {
                storage: storage.clone(),
                retention,
                max_index_size,
            },
            ctx.shutdown.clone(),
        ),
        helmchart::run(
            shared,
            helmchart::HelmChartReconciler {
                storage,
                retention,
                max_index_size,
            },
            ctx.shutdown.clone(),
        ),
    );
}
