//! The HelmChart reconciler's steps.

use std::collections::BTreeMap;
use std::sync::Arc;

use flux_api::Conditions;
use flux_api::constants::{
    ARTIFACT_OUTDATED_CONDITION, BUILD_FAILED_CONDITION, CHART_PACKAGE_SUCCEEDED_REASON,
    CHART_PULL_SUCCEEDED_REASON, CONDITION_TRUE, FETCH_FAILED_CONDITION, NEW_CHART_REASON,
    SOURCE_VERIFIED_CONDITION, STORAGE_OPERATION_FAILED_CONDITION,
};
use flux_api::source::HelmChart;
use flux_api::source::helmchart::STRATEGY_REVISION;
use flux_artifact::{Retention, Storage};
use flux_runtime::reconcile::{ReconcileError, Reconciler, Shared, Success, SuccessEvent, summary};

use super::build::{self, Fetched};
use super::source::{self, Source, version_metadata, with_metadata};
use crate::artifact_steps::{self, Content};

/// Conditions the HelmChart reconciler owns.
pub const OWNED_CONDITIONS: &[&str] = &[
    FETCH_FAILED_CONDITION,
    BUILD_FAILED_CONDITION,
    ARTIFACT_OUTDATED_CONDITION,
    STORAGE_OPERATION_FAILED_CONDITION,
];

/// Reconciles HelmCharts.
#[derive(Clone)]
pub struct HelmChartReconciler {
    /// The artifact storage.
    pub storage: Arc<Storage>,
    /// Garbage collection policy.
    pub retention: Retention,
    /// `--helm-index-max-size`.
    pub max_index_size: u64,
}

/// Whether the stored artifact already is what a build would produce.
fn up_to_date(obj: &HelmChart, version: &str, source_revision: Option<&str>) -> bool {
    let Some(status) = obj.status.as_ref() else {
        return false;
    };
    let values: Vec<String> = obj.values_files().iter().map(|s| s.to_string()).collect();
    status
        .artifact
        .as_ref()
        .is_some_and(|a| a.revision == version)
        && status.observed_chart_name.as_deref() == Some(obj.spec.chart.as_str())
        && (values.is_empty()
            || status.observed_values_files == values
            || obj.spec.ignore_missing_values_files)
        && source_revision
            .is_none_or(|r| status.observed_source_artifact_revision.as_deref() == Some(r))
}

impl Reconciler<HelmChart> for HelmChartReconciler {
    fn owned_conditions(&self) -> &'static [&'static str] {
        OWNED_CONDITIONS
    }

    async fn reconcile(
        &self,
        ctx: &Shared,
        obj: &mut HelmChart,
    ) -> Result<Success, ReconcileError> {
        artifact_steps::reconcile_storage(
            &self.storage,
            self.retention,
            obj,
            Some("latest.tar.gz"),
        )
        .await?;
        if obj.spec.verify.is_none() {
            summary::remove(obj.conditions_mut(), SOURCE_VERIFIED_CONDITION);
        }
        let src = source::get(ctx, obj).await?;
        let values_files: Vec<String> = obj.values_files().iter().map(|s| s.to_string()).collect();
        let generation = obj.metadata.generation;
        let work = artifact_steps::workdir("flux-helmchart-")?;
        let spec_version = obj.spec.version.clone().unwrap_or_default();
        let revision_strategy = obj.spec.reconcile_strategy.as_deref() == Some(STRATEGY_REVISION);
        let has_values = !values_files.is_empty();
        let metadata_for = |source_revision: Option<&str>, strategy_applies: bool| {
            version_metadata(
                strategy_applies && revision_strategy,
                source_revision,
                has_values,
                generation,
            )
        };

        // Fetch (or skip when up to date), giving the chart and its final version.
        let (fetched, version, source_revision, values_root, pulled): (
            Fetched,
            String,
            Option<String>,
            Option<std::path::PathBuf>,
            bool,
        ) = match src {
            Source::HelmRepository(repo, index) => {
                let selected = build::select_from_index(
                    &self.storage,
                    &index,
                    &obj.spec.chart,
                    &spec_version,
                    self.max_index_size,
                )
                .await?;
                let version =
                    with_metadata(&selected.version, metadata_for(None, false).as_deref());
                if up_to_date(obj, &version, None) {
                    return Ok(self.current(obj));
                }
                let fetched = build::download_http(ctx, &repo, &selected, work.path()).await?;
                (fetched, version, None, None, true)
            }
            Source::OciHelmRepository(repo) => {
                let (client, resolved) = build::resolve_oci(ctx, &repo, obj).await?;
                let tag = build::oci_version(&resolved);
                let version = with_metadata(&tag, metadata_for(None, false).as_deref());
                // Skip only when nothing is left to verify either: as in Flux, a spec
                // change (another key Secret, say) verifies again.
                let verified = obj.spec.verify.is_none()
                    || obj
                        .condition(SOURCE_VERIFIED_CONDITION)
                        .is_some_and(|c| c.is_true() && c.observed_generation == generation);
                if verified && up_to_date(obj, &version, None) {
                    return Ok(self.current(obj));
                }
                let fetched = build::pull_oci(ctx, &client, &resolved, obj, work.path()).await?;
                (fetched, version, None, None, true)
            }
            Source::Tarball(artifact) => {
                let revision = artifact.revision.clone();
                if let Some(status) = obj.status.as_ref()
                    && let Some(current) = status.artifact.as_ref()
                    && up_to_date(obj, &current.revision, Some(&revision))
                {
                    return Ok(self.current(obj));
                }
                let ns = kube::ResourceExt::namespace(obj).unwrap_or_default();
                let (fetched, root) = build::load_local(
                    ctx,
                    &ns,
                    &self.storage,
                    &artifact,
                    &obj.spec.chart,
                    work.path(),
                )
                .await?;
                let version = with_metadata(
                    fetched.chart.metadata.version(),
                    metadata_for(Some(&revision), true).as_deref(),
                );
                (fetched, version, Some(revision), Some(root), false)
            }
        };
        summary::remove(obj.conditions_mut(), FETCH_FAILED_CONDITION);
        let name = fetched.chart.metadata.name().to_string();
        if name != obj.spec.chart && !pulled {
            tracing::debug!(chart = %name, path = %obj.spec.chart, "chart name differs from its path");
        }
        summary::set(
            obj.conditions_mut(),
            summary::condition(
                ARTIFACT_OUTDATED_CONDITION,
                CONDITION_TRUE,
                NEW_CHART_REASON,
                &format!("pulling '{name}' chart with version '{version}'"),
                generation,
            ),
        );
        let (archive, merged_files) = build::finish(
            fetched,
            values_files,
            obj.spec.ignore_missing_values_files,
            values_root,
            version.clone(),
            work.path(),
        )
        .await?;
        summary::remove(obj.conditions_mut(), BUILD_FAILED_CONDITION);
        let current = obj
            .status
            .as_ref()
            .and_then(|s| s.artifact.as_ref())
            .map(|a| a.revision.clone());
        let stored = artifact_steps::store(
            &self.storage,
            self.retention,
            obj,
            &version,
            &format!("{name}-{version}.tgz"),
            Content::File(archive),
            "latest.tar.gz",
            BTreeMap::new(),
        )
        .await?;
        let chart = obj.spec.chart.clone();
        let status = obj.status.get_or_insert_with(Default::default);
        status.observed_chart_name = Some(chart);
        status.observed_source_artifact_revision = source_revision;
        status.observed_values_files = merged_files;
        summary::remove(obj.conditions_mut(), ARTIFACT_OUTDATED_CONDITION);
        let (reason, verb) = if pulled {
            (CHART_PULL_SUCCEEDED_REASON, "pulled")
        } else {
            (CHART_PACKAGE_SUCCEEDED_REASON, "packaged")
        };
        Ok(Success {
            message: format!("{verb} '{name}' chart with version '{version}'"),
            event: (current.as_deref() != Some(version.as_str())).then(|| SuccessEvent {
                reason,
                message: format!("{verb} '{name}' chart with version '{version}'"),
                metadata: vec![
                    ("revision".into(), stored.revision.clone()),
                    ("digest".into(), stored.digest.clone()),
                ],
            }),
            requeue_after: None,
        })
    }

    async fn finalize(&self, _ctx: &Shared, obj: &HelmChart) -> Result<(), ReconcileError> {
        artifact_steps::remove_all(&self.storage, obj).await
    }
}

impl HelmChartReconciler {
    fn current(&self, obj: &HelmChart) -> Success {
        let revision = obj
            .status
            .as_ref()
            .and_then(|s| s.artifact.as_ref())
            .map(|a| a.revision.clone())
            .unwrap_or_default();
        Success {
            message: format!("chart with version '{revision}' is up to date"),
            ..Success::default()
        }
    }
}
