//! The generic reconcile loop: finalizer, deletion, suspend, the kind's steps over a
//! status draft, then one summarize-and-patch, events, metrics and the requeue.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::reflector;
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};

use super::error::ReconcileError;
use super::metrics::{ObjectLabels, ReconcileMetrics};
use super::object::{FluxObject, object_key, requested_at};
use super::options::ReconcileOptions;
use super::requeue::{FailureCounter, RequeuePolicy};
use super::status::merge_patch;
use super::summary;
use crate::bootstrap::ControllerContext;
use crate::events::{EventRecord, EventRecorder, Severity};

/// A successful reconcile.
#[derive(Debug, Clone, Default)]
pub struct Success {
    /// The `Ready=True` message, e.g. "stored artifact for revision 'main@sha1:…'".
    pub message: String,
    /// An event to emit, e.g. on a new revision. `None` when nothing changed worth telling.
    pub event: Option<SuccessEvent>,
    /// Overrides the next requeue (default: the interval with jitter).
    pub requeue_after: Option<Duration>,
}

/// A Normal event about a successful reconcile.
#[derive(Debug, Clone, Default)]
pub struct SuccessEvent {
    /// The Flux reason, e.g. `NewArtifact`.
    pub reason: &'static str,
    /// The message for people.
    pub message: String,
    /// Metadata keys without the group prefix, e.g. `revision`.
    pub metadata: Vec<(String, String)>,
}

/// A kind's reconcile steps.
pub trait Reconciler<K: FluxObject>: Send + Sync + 'static {
    /// The kind's own negative-polarity condition types, cleared on success.
    fn owned_conditions(&self) -> &'static [&'static str] {
        &[]
    }

    /// The `Ready=True` reason: `Succeeded` (sources) unless the kind overrides it.
    fn ready_reason(&self) -> &'static str {
        flux_api::constants::SUCCEEDED_REASON
    }

    /// Runs the steps on `draft` (a copy of the object whose status the steps update).
    fn reconcile(
        &self,
        ctx: &Shared,
        draft: &mut K,
    ) -> impl Future<Output = Result<Success, ReconcileError>> + Send;

    /// Cleans up before the finalizer is removed (artifacts, garbage collection).
    fn finalize(
        &self,
        ctx: &Shared,
        obj: &K,
    ) -> impl Future<Output = Result<(), ReconcileError>> + Send;
}

/// What every reconcile of a controller shares.
#[derive(Clone)]
pub struct Shared {
    /// The Kubernetes client.
    pub client: kube::Client,
    /// The controller's name (field manager suffix, event reporter).
    pub controller: &'static str,
    /// Events to Kubernetes and notification-controller.
    pub events: EventRecorder,
    /// Reconcile metrics.
    pub metrics: ReconcileMetrics,
    /// Retry and jitter policy.
    pub requeue: RequeuePolicy,
    /// Flags.
    pub options: ReconcileOptions,
}

struct Context<R> {
    shared: Shared,
    reconciler: R,
    failures: FailureCounter,
}

/// Error of the loop itself (status patch, finalizer patch): retried with backoff.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoopError(String);

/// Builds the shared context from the controller context and flags.
pub fn shared(ctx: &ControllerContext, options: &ReconcileOptions) -> Shared {
    Shared {
        client: ctx.client.clone(),
        controller: ctx.name,
        events: EventRecorder::new(ctx.client.clone(), ctx.name, &options.events_addr),
        metrics: ReconcileMetrics::register(&ctx.metrics),
        requeue: options.requeue_policy(),
        options: options.clone(),
    }
}

/// The watcher configuration from `--watch-label-selector`.
pub fn watcher_config(options: &ReconcileOptions) -> watcher::Config {
    let config = watcher::Config::default();
    if options.watch_label_selector.is_empty() {
        config
    } else {
        config.labels(&options.watch_label_selector)
    }
}

/// The Api to watch for a kind, honouring `--watch-all-namespaces`.
pub fn watched_api<K: FluxObject>(client: &kube::Client, options: &ReconcileOptions) -> Api<K> {
    match options.watch_namespace() {
        Some(ns) => Api::namespaced(client.clone(), &ns),
        None => Api::all(client.clone()),
    }
}

/// A controller for kind `K` that reacts to spec changes (generation), reconcile
/// requests (annotation) and deletion, not to its own status updates. Callers may add
/// `.watches(...)` before passing it to [`run`].
pub fn controller<K: FluxObject>(
    client: &kube::Client,
    options: &ReconcileOptions,
) -> Controller<K> {
    let api = watched_api::<K>(client, options);
    let (reader, writer) = reflector::store();
    // Objects in the store lose managedFields and the last-applied annotation: at a
    // thousand objects they are most of the store.
    let watch = watcher(api, watcher_config(options))
        .default_backoff()
        .modify(super::cache::strip::<K>);
    let stream = reflector(writer, watch)
        .touched_objects()
        .predicate_filter(trigger_hash::<K>, Default::default());
    Controller::for_stream(stream, reader)
}

/// What makes an object worth reconciling again: its generation, the reconcile-request
/// annotation and deletion (Flux's `GenerationChanged OR ReconcileRequested` predicates).
/// Not finalizers: the reconcile that adds ours goes on with the steps, so the watch event
/// of that patch must not start a second full reconcile.
fn trigger_hash<K: FluxObject>(obj: &K) -> Option<u64> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    obj.meta().generation.hash(&mut h);
    requested_at(obj).hash(&mut h);
    obj.meta().deletion_timestamp.is_some().hash(&mut h);
    Some(h.finish())
}

/// Runs the controller until shutdown.
pub async fn run<K, R>(
    controller: Controller<K>,
    shared: Shared,
    reconciler: R,
    shutdown: crate::shutdown::Shutdown,
) where
    K: FluxObject,
    R: Reconciler<K>,
{
    let concurrency = shared.options.concurrent.max(1);
    let ctx = Arc::new(Context {
        shared,
        reconciler,
        failures: FailureCounter::default(),
    });
    controller
        .with_config(kube::runtime::controller::Config::default().concurrency(concurrency))
        .graceful_shutdown_on(shutdown.requested())
        .run(reconcile::<K, R>, error_policy::<K, R>, ctx)
        .for_each(|result| async move {
            if let Err(e) = result {
                tracing::debug!(error = %e, "reconcile loop");
            }
        })
        .await;
}

fn error_policy<K: FluxObject, R: Reconciler<K>>(
    obj: Arc<K>,
    err: &LoopError,
    ctx: Arc<Context<R>>,
) -> Action {
    let key = object_key(obj.as_ref());
    let failures = ctx.failures.failed(&key);
    tracing::warn!(object = %key, error = %err, "reconcile failed");
    Action::requeue(ctx.shared.requeue.backoff(failures))
}

async fn reconcile<K: FluxObject, R: Reconciler<K>>(
    obj: Arc<K>,
    ctx: Arc<Context<R>>,
) -> Result<Action, LoopError> {
    let key = object_key(obj.as_ref());
    let api: Api<K> = Api::namespaced(
        ctx.shared.client.clone(),
        obj.namespace().as_deref().unwrap_or_default(),
    );
    let name = obj.name_any();
    let labels = ObjectLabels {
        kind: K::kind(&()).to_string(),
        name: name.clone(),
        namespace: obj.namespace().unwrap_or_default(),
    };
    let finalizer = flux_api::constants::FINALIZER;

    if obj.meta().deletion_timestamp.is_some() {
        if obj.finalizers().iter().any(|f| f == finalizer) {
            if let Err(e) = ctx.reconciler.finalize(&ctx.shared, obj.as_ref()).await {
                tracing::warn!(object = %key, error = %e, "finalizing");
                return Err(LoopError(format!("finalizing {key}: {e}")));
            }
            let remaining: Vec<String> = obj
                .finalizers()
                .iter()
                .filter(|f| *f != finalizer)
                .cloned()
                .collect();
            patch_finalizers(&api, &name, remaining).await?;
        }
        ctx.shared.metrics.record_condition(
            &labels,
            flux_api::constants::READY_CONDITION,
            "Deleted",
        );
        ctx.failures.succeeded(&key);
        return Ok(Action::await_change());
    }

    if !obj.finalizers().iter().any(|f| f == finalizer) {
        let mut finalizers = obj.finalizers().to_vec();
        finalizers.push(finalizer.to_string());
        patch_finalizers(&api, &name, finalizers).await?;
    }

    ctx.shared.metrics.record_suspend(&labels, obj.suspended());
    if obj.suspended() {
        tracing::info!(object = %key, "reconciliation is suspended for this object");
        return Ok(Action::await_change());
    }

    let interval = match flux_api::meta::parse_duration(obj.interval()) {
        Ok(d) if !d.is_zero() => d,
        _ => Duration::from_secs(60),
    };
    let started = Instant::now();
    let generation = obj.meta().generation;
    let mut draft = (*obj).clone();
    let retrying = ctx.failures.is_retrying(&key);
    summary::mark_reconciling(draft.conditions_mut(), generation, retrying);
    if obj.observed_generation() != generation {
        // A new generation: show progress before the (possibly long) steps run.
        patch_status(&api, &name, obj.as_ref(), &draft, ctx.shared.controller).await?;
    }

    let outcome = ctx.reconciler.reconcile(&ctx.shared, &mut draft).await;
    let summarized = outcome
        .as_ref()
        .map(|s| s.message.clone())
        .map_err(Clone::clone);
    summary::summarize(
        draft.conditions_mut(),
        generation,
        &summarized,
        ctx.reconciler.owned_conditions(),
        ctx.reconciler.ready_reason(),
    );
    if summary::observes_generation(&summarized)
        && let Some(g) = generation
    {
        draft.set_observed_generation(g);
    }
    if let Some(token) = requested_at(obj.as_ref()) {
        draft.set_last_handled_reconcile_at(token.to_string());
    }
    patch_status(&api, &name, obj.as_ref(), &draft, ctx.shared.controller).await?;

    let was_failing = obj
        .condition(flux_api::constants::READY_CONDITION)
        .is_some_and(|c| c.is_false());
    let object_ref = obj.object_ref(&());
    let result = match &outcome {
        Ok(success) => {
            ctx.failures.succeeded(&key);
            if let Some(event) = &success.event {
                let record = EventRecord {
                    object: object_ref,
                    annotations: Some(obj.annotations()),
                    severity: Severity::Info,
                    reason: event.reason,
                    message: &event.message,
                    metadata: event.metadata.iter().cloned().collect(),
                };
                ctx.shared.events.record(record).await;
            } else if was_failing {
                let record = EventRecord {
                    object: object_ref,
                    annotations: Some(obj.annotations()),
                    severity: Severity::Info,
                    reason: flux_api::constants::SUCCEEDED_REASON,
                    message: &success.message,
                    metadata: Default::default(),
                };
                ctx.shared.events.record(record).await;
            }
            tracing::info!(object = %key, message = %success.message, "reconciled");
            (
                "success",
                Action::requeue(
                    success
                        .requeue_after
                        .unwrap_or_else(|| ctx.shared.requeue.with_jitter(interval)),
                ),
            )
        }
        Err(err) => {
            let record = EventRecord {
                object: object_ref,
                annotations: Some(obj.annotations()),
                severity: Severity::Error,
                reason: err.reason,
                message: &err.message,
                metadata: Default::default(),
            };
            ctx.shared.events.record(record).await;
            tracing::error!(object = %key, reason = err.reason, error = %err.message, "reconcile failed");
            match &err.kind {
                super::ErrorKind::Stalling => {
                    ctx.failures.succeeded(&key);
                    ("error", Action::await_change())
                }
                super::ErrorKind::Waiting { requeue_after } => {
                    ("requeue_after", Action::requeue(*requeue_after))
                }
                super::ErrorKind::Transient => {
                    let failures = ctx.failures.failed(&key);
                    let delay = match obj
                        .retry_interval()
                        .and_then(|r| flux_api::meta::parse_duration(r).ok())
                    {
                        Some(retry) if !retry.is_zero() => retry,
                        _ => ctx.shared.requeue.backoff(failures),
                    };
                    ("error", Action::requeue(delay))
                }
            }
        }
    };
    ctx.shared
        .metrics
        .observe(&labels, started.elapsed(), result.0);
    if let Some(ready) = draft.condition(flux_api::constants::READY_CONDITION) {
        ctx.shared
            .metrics
            .record_condition(&labels, &ready.type_, &ready.status);
    }
    Ok(result.1)
}

async fn patch_finalizers<K: FluxObject>(
    api: &Api<K>,
    name: &str,
    finalizers: Vec<String>,
) -> Result<(), LoopError> {
    let patch = json!({ "metadata": { "finalizers": finalizers } });
    match api
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        // Gone already: nothing left to finalize.
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(LoopError(format!("patching finalizers of {name}: {e}"))),
    }
}

async fn patch_status<K: FluxObject>(
    api: &Api<K>,
    name: &str,
    before: &K,
    after: &K,
    controller: &str,
) -> Result<(), LoopError> {
    let status_of = |obj: &K| -> Value {
        serde_json::to_value(obj)
            .ok()
            .and_then(|v| v.get("status").cloned())
            .unwrap_or(Value::Null)
    };
    let (old, new) = (status_of(before), status_of(after));
    if old == new {
        return Ok(());
    }
    let patch = json!({ "status": merge_patch(&old, &new) });
    let params = PatchParams {
        field_manager: Some(format!("gotk-{controller}")),
        ..Default::default()
    };
    match api.patch_status(name, &params, &Patch::Merge(&patch)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(LoopError(format!("patching status of {name}: {e}"))),
    }
}

/// An `ObjectRef` for requeueing an object from another watch.
pub fn object_ref<K: FluxObject>(name: &str, namespace: &str) -> ObjectRef<K> {
    ObjectRef::new(name).within(namespace)
}
