//! Reconcile plumbing shared by every controller, after Flux's `pkg/runtime`:
//!
//! 1. finalizer `finalizers.fluxcd.io` added first; deletion runs the kind's finalize
//!    step and removes it;
//! 2. `spec.suspend` skips the object (metric `gotk_suspend_status`);
//! 3. `Reconciling=True`, `Ready=Unknown`; the kind's steps run over a status draft;
//! 4. one summarize-and-patch: `Ready` from the outcome, `Stalled` for failures that need a
//!    spec change, `observedGeneration` on success or stall, `lastHandledReconcileAt`;
//! 5. events (Kubernetes + notification-controller) and `gotk_*` metrics;
//! 6. requeue: interval ± jitter on success, exponential backoff on transient failures,
//!    none when stalled (until the spec changes).
//!
//! A reconcile starts on a new generation, a reconcile request or deletion (not on status
//! or finalizer updates), and reads objects from watch caches that keep only what a
//! reconcile uses ([`cache`]).

pub mod cache;
mod driver;
mod error;
mod metrics;
mod object;
mod options;
mod requeue;
mod status;
pub mod summary;

pub use cache::{Cache, cached_watch, strip};
pub use driver::{
    LoopError, Reconciler, Shared, Success, SuccessEvent, controller, object_ref, run, shared,
    watched_api, watcher_config,
};
pub use error::{ErrorKind, ReconcileError};
pub use metrics::{ObjectLabels, ReconcileMetrics};
pub use object::{FluxObject, object_key, requested_at};
pub use options::{ReconcileOptions, parse_duration, runtime_namespace};
pub use requeue::{FailureCounter, RequeuePolicy};
pub use status::merge_patch;
