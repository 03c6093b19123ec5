//! Polling objects until they are healthy (kstatus Current) or gone.

use std::time::{Duration, Instant};

use futures::{StreamExt, stream};

use super::{ResourceManager, WaitOptions};
use crate::SsaError;
use crate::health::{self, CustomHealth, HealthStatus, ObjectHealth};
use crate::object::ObjMetadata;

impl ResourceManager {
    /// The health of each object, in order.
    pub async fn health_of(&self, objects: &[ObjMetadata]) -> Vec<ObjectHealth> {
        self.health_of_with(objects, None).await
    }

    /// The health of each object, in order, with `custom` rules for the kinds they cover.
    pub async fn health_of_with(
        &self,
        objects: &[ObjMetadata],
        custom: Option<&dyn CustomHealth>,
    ) -> Vec<ObjectHealth> {
        let futures: Vec<_> = objects
            .iter()
            .cloned()
            .map(|id| {
                let manager = self.clone();
                async move { manager.health(&id, custom).await }
            })
            .collect();
        stream::iter(futures)
            .buffered(self.concurrency)
            .collect()
            .await
    }

    async fn health(&self, id: &ObjMetadata, custom: Option<&dyn CustomHealth>) -> ObjectHealth {
        match self.get(id).await {
            Ok(Some(live)) => health::compute_with(&live, custom),
            Ok(None) => ObjectHealth {
                status: HealthStatus::NotFound,
                message: "Resource not found".to_string(),
            },
            Err(e) => ObjectHealth {
                status: HealthStatus::InProgress,
                message: e.to_string(),
            },
        }
    }

    /// Waits until every object is Current. Fails with the objects still not ready when
    /// the timeout passes, or early when one is Failed and `fail_fast` is set.
    pub async fn wait_for_set(
        &self,
        objects: &[ObjMetadata],
        opts: &WaitOptions,
    ) -> Result<(), SsaError> {
        self.wait_for_set_with(objects, opts, None).await
    }

    /// [`ResourceManager::wait_for_set`] with `custom` health rules for the kinds they
    /// cover (Flux's `healthCheckExprs`).
    pub async fn wait_for_set_with(
        &self,
        objects: &[ObjMetadata],
        opts: &WaitOptions,
        custom: Option<&dyn CustomHealth>,
    ) -> Result<(), SsaError> {
        let deadline = Instant::now() + opts.timeout;
        // Controllers usually observe a fresh apply within a second: look again soon at
        // first, then every `opts.interval`.
        let mut pause = Duration::from_millis(250).min(opts.interval);
        loop {
            let statuses = self.health_of_with(objects, custom).await;
            let pending: Vec<String> = objects
                .iter()
                .zip(&statuses)
                .filter(|(_, h)| h.status != HealthStatus::Current)
                .map(|(id, h)| match h.status {
                    // An evaluation error is the only clue to why the status is unknown.
                    HealthStatus::Unknown => format!("{id} status: 'Unknown': {}", h.message),
                    status => format!("{id} status: '{status}'"),
                })
                .collect();
            if pending.is_empty() {
                return Ok(());
            }
            if opts.fail_fast {
                let failed: Vec<String> = objects
                    .iter()
                    .zip(&statuses)
                    .filter(|(_, h)| h.status == HealthStatus::Failed)
                    .map(|(id, h)| format!("{id} status: 'Failed': {}", h.message))
                    .collect();
                if !failed.is_empty() {
                    return Err(SsaError::Stalled(failed.join(", ")));
                }
            }
            if Instant::now() >= deadline {
                return Err(SsaError::Timeout(pending.join(", ")));
            }
            tokio::time::sleep(pause.min(deadline - Instant::now())).await;
            pause = (pause * 2).min(opts.interval);
        }
    }

    /// Waits until the objects no longer exist; fails naming those still present.
    pub async fn wait_for_termination(
        &self,
        objects: &[ObjMetadata],
        timeout: Duration,
    ) -> Result<(), SsaError> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut remaining = Vec::new();
            for id in objects {
                match self.get(id).await {
                    Ok(None) | Err(SsaError::UnknownKind { .. }) => {}
                    _ => remaining.push(format!("{id} status: 'Terminating'")),
                }
            }
            if remaining.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(SsaError::Timeout(remaining.join(", ")));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
