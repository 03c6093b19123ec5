//! The ordered steps of one reconcile, over a status draft; the runtime summarizes
//! `Ready` from the outcome.

use flux_api::constants::{
    BUILD_FAILED_REASON, CONDITION_FALSE, CONDITION_TRUE, HEALTHY_CONDITION, PROGRESSING_REASON,
    RECONCILIATION_SUCCEEDED_REASON, SUCCEEDED_REASON,
};
use flux_api::kustomize::Kustomization;
use flux_runtime::reconcile::summary;
use flux_runtime::reconcile::{ReconcileError, Reconciler, Shared, Success, SuccessEvent};
use flux_ssa::ResourceManager;
use kube::{Resource, ResourceExt};
use serde_json::Value;

use super::{
    KustomizationReconciler, apply, decrypt, dependencies, fetch, finalize, history, source,
    substitute,
};

impl Reconciler<Kustomization> for KustomizationReconciler {
    fn ready_reason(&self) -> &'static str {
        RECONCILIATION_SUCCEEDED_REASON
    }

    async fn reconcile(
        &self,
        ctx: &Shared,
        ks: &mut Kustomization,
    ) -> Result<Success, ReconcileError> {
        let generation = ks.meta().generation;
        let started = std::time::Instant::now();
        let health_exprs = apply::health_check_exprs(ks)?;
        let artifact = source::artifact(
            &ctx.client,
            self.sources.as_ref(),
            ks,
            self.options.no_cross_namespace_refs,
            self.requeue_dependency,
        )
        .await?;
        dependencies::check(
            &ctx.client,
            ks,
            &artifact.revision,
            self.requeue_dependency,
            dependencies::additive_gate(&self.options.feature_gates),
        )
        .await?;
        let revision = artifact.revision.clone();
        let origin_revision = artifact
            .metadata
            .get("org.opencontainers.image.revision")
            .cloned();
        ks.status
            .get_or_insert_with(Default::default)
            .last_attempted_revision = Some(revision.clone());
        let timeout = ks.timeout().map_err(|e| {
            ReconcileError::stalling(BUILD_FAILED_REASON, format!("spec.timeout: {e}"))
        })?;

        let tmp = tempfile::tempdir().map_err(|e| {
            ReconcileError::transient(
                BUILD_FAILED_REASON,
                format!("failed to create a temp dir: {e}"),
            )
        })?;
        fetch::fetch(&self.fetcher, &artifact, tmp.path()).await?;
        let dir = fetch::secure_path(tmp.path(), ks.spec.path.as_deref())?;
        let objects = build(dir, tmp.path().to_path_buf(), ks.spec.clone()).await?;

        let keys = match &ks.spec.decryption {
            Some(_) => Some(decrypt::keys(&ctx.client, ks, &self.options.sops_age_secret).await?),
            None => None,
        };
        let objects = decrypt::decrypt_all(objects, keys.as_ref())
            .map_err(|e| ReconcileError::transient(BUILD_FAILED_REASON, e.to_string()))?;
        let mut objects = match &ks.spec.post_build {
            Some(post_build) => {
                let vars = substitute::variables(
                    &ctx.client,
                    &ks.namespace().unwrap_or_default(),
                    post_build,
                )
                .await?;
                flux_kustomization::substitute::apply(
                    objects,
                    &vars,
                    post_build,
                    self.options.strict_substitutions(),
                )
                .map_err(|e| ReconcileError::transient(BUILD_FAILED_REASON, e.to_string()))?
            }
            None => objects,
        };
        flux_kustomization::metadata::set_metadata(
            &mut objects,
            &ks.name_any(),
            &ks.namespace().unwrap_or_default(),
            ks.spec.common_metadata.as_ref(),
        );
        let digest = history::digest(&objects);
        let mut snapshot_meta =
            std::collections::BTreeMap::from([("revision".to_string(), revision.clone())]);
        if let Some(origin) = &origin_revision {
            snapshot_meta.insert("originRevision".to_string(), origin.clone());
        }
        drop(tmp);

        let client = self.client_for(&ctx.client, ks).await?;
        let manager = self.manager(client);
        let applied = apply::apply(
            &manager,
            objects,
            ks,
            &self.options.custom_apply_stage_kinds,
            &self.options.override_manager,
            timeout,
        )
        .await?;

        let old = ks
            .status
            .as_ref()
            .and_then(|s| s.inventory.clone())
            .unwrap_or_default();
        let new = flux_ssa::inventory::from_objects(applied.entries.iter().map(|e| &e.object));
        let mut changes = applied.clone();
        if ks.spec.prune {
            changes.append(apply::prune(&manager, ks, &old, &new).await?);
        }
        ks.status.get_or_insert_with(Default::default).inventory = Some(new);

        let targets = apply::health_targets(ks, &applied);
        let conditions = &mut ks.status.get_or_insert_with(Default::default).conditions;
        if targets.is_empty() {
            summary::remove(conditions, HEALTHY_CONDITION);
        } else {
            let result =
                apply::health_check(&manager, &targets, timeout, health_exprs.as_ref()).await;
            if let Err(e) = &result {
                let status = ks.status.get_or_insert_with(Default::default);
                history::upsert(
                    &mut status.history,
                    &digest,
                    now(),
                    started.elapsed(),
                    e.reason,
                    snapshot_meta.clone(),
                );
            }
            let conditions = &mut ks.status.get_or_insert_with(Default::default).conditions;
            match &result {
                Ok(()) => summary::set(
                    conditions,
                    summary::condition(
                        HEALTHY_CONDITION,
                        CONDITION_TRUE,
                        SUCCEEDED_REASON,
                        "Health check passed",
                        generation,
                    ),
                ),
                Err(e) => summary::set(
                    conditions,
                    summary::condition(
                        HEALTHY_CONDITION,
                        CONDITION_FALSE,
                        e.reason,
                        &e.message,
                        generation,
                    ),
                ),
            }
            result?;
        }

        let status = ks.status.get_or_insert_with(Default::default);
        status.last_applied_revision = Some(revision.clone());
        status.last_applied_origin_revision = origin_revision;
        history::upsert(
            &mut status.history,
            &digest,
            now(),
            started.elapsed(),
            RECONCILIATION_SUCCEEDED_REASON,
            snapshot_meta,
        );
        let event = changes.has_changes().then(|| SuccessEvent {
            reason: PROGRESSING_REASON,
            message: changes.changes_message(),
            metadata: vec![("revision".to_string(), revision.clone())],
        });
        Ok(Success {
            message: format!("Applied revision: {revision}"),
            event,
            requeue_after: None,
        })
    }

    async fn finalize(&self, ctx: &Shared, ks: &Kustomization) -> Result<(), ReconcileError> {
        finalize::finalize(self, ctx, ks).await
    }
}

impl KustomizationReconciler {
    pub(super) fn manager(&self, client: kube::Client) -> ResourceManager {
        ResourceManager::new(client, crate::CONTROLLER_NAME)
            .with_discovery_of(&self.discovery)
            .with_concurrency(self.options.concurrent_ssa)
    }
}

/// Prepares the kustomization and builds it, off the async threads.
async fn build(
    dir: std::path::PathBuf,
    root: std::path::PathBuf,
    spec: flux_api::kustomize::KustomizationSpec,
) -> Result<Vec<Value>, ReconcileError> {
    let result = tokio::task::spawn_blocking(move || flux_kustomization::build(&dir, &root, &spec))
        .await
        .map_err(|e| {
            ReconcileError::transient(BUILD_FAILED_REASON, format!("build task failed: {e}"))
        })?;
    result.map_err(|e| ReconcileError::transient(BUILD_FAILED_REASON, e.to_string()))
}

fn now() -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Time {
    k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now())
}
