//! Waiting for the GitOps loop and reporting progress for people.

use std::time::Instant;

use anyhow::bail;
use flux_api::Conditions;
use flux_api::kustomize::Kustomization;
use flux_api::source::GitRepository;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;

use super::processes::Controller;
use super::{STEP_TIMEOUT, done};

/// Waits until the source holds `revision`, the Kustomization applied it, and the
/// Deployment in `target_ns` runs `tag` and is Available; prints each milestone.
#[allow(clippy::too_many_arguments)]
pub async fn rollout(
    sources: &Api<GitRepository>,
    kustomizations: &Api<Kustomization>,
    client: &kube::Client,
    controllers: &mut [Controller],
    source: &str,
    kustomization: &str,
    target_ns: &str,
    revision: &str,
    tag: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), target_ns);
    let (mut source_done, mut ks_done) = (false, false);
    loop {
        for c in controllers.iter_mut() {
            c.check_running()?;
        }
        if !source_done && let Some(src) = sources.get_opt(source).await? {
            let artifact = src.status.as_ref().and_then(|s| s.artifact.as_ref());
            if src.is_ready() && artifact.is_some_and(|a| a.revision == revision) {
                done(&format!(
                    "GitRepository {source} is Ready with revision {revision}"
                ));
                source_done = true;
            }
        }
        if source_done
            && !ks_done
            && let Some(ks) = kustomizations.get_opt(kustomization).await?
        {
            let applied = ks
                .status
                .as_ref()
                .and_then(|s| s.last_applied_revision.as_deref());
            if ks.is_ready() && applied == Some(revision) {
                let message = ks
                    .condition("Ready")
                    .map(|c| c.message.clone())
                    .unwrap_or_default();
                done(&format!(
                    "Kustomization {kustomization} is Ready: {message}"
                ));
                ks_done = true;
            }
        }
        if ks_done && let Some(d) = deployments.get_opt("podinfo").await? {
            let image = d
                .spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref())
                .and_then(|s| s.containers.first())
                .and_then(|c| c.image.clone())
                .unwrap_or_default();
            let status = d.status.unwrap_or_default();
            let want = d.spec.and_then(|s| s.replicas).unwrap_or(1);
            let available = status.available_replicas.unwrap_or(0);
            let updated = status.updated_replicas.unwrap_or(0);
            if image.ends_with(&format!(":{tag}")) && available >= want && updated >= want {
                done(&format!(
                    "Deployment {target_ns}/podinfo: {available}/{want} replicas available, image {image}"
                ));
                return Ok(());
            }
        }
        if started.elapsed() > STEP_TIMEOUT {
            let logs: Vec<String> = controllers
                .iter()
                .map(|c| c.log.display().to_string())
                .collect();
            bail!(
                "revision {revision} did not roll out within {}s; look at the controllers' logs: {}",
                STEP_TIMEOUT.as_secs(),
                logs.join(", ")
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
