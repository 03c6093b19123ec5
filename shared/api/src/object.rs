//! The parts every reconciled Flux object shares (fluxcd/pkg `meta.ReconcileRequestStatus`,
//! `spec.suspend`, `status.observedGeneration`), behind one trait so the runtime can treat
//! kinds alike.

use kube_core::Resource;

use crate::constants::RECONCILE_REQUEST_ANNOTATION;

/// A Flux object that a controller reconciles.
pub trait FluxObject: Resource {
    /// Whether `spec.suspend` is true.
    fn suspended(&self) -> bool;
    /// `status.observedGeneration`, when recorded.
    fn observed_generation(&self) -> Option<i64>;
    /// `status.lastHandledReconcileAt`, when recorded.
    fn last_handled_reconcile_at(&self) -> Option<&str>;
    /// Sets `status.lastHandledReconcileAt`, creating the status when missing.
    fn set_last_handled_reconcile_at(&mut self, token: String);

    /// The value of the `reconcile.fluxcd.io/requestedAt` annotation.
    fn reconcile_requested_at(&self) -> Option<&str> {
        self.meta()
            .annotations
            .as_ref()
            .and_then(|a| a.get(RECONCILE_REQUEST_ANNOTATION))
            .map(String::as_str)
    }

    /// The requestedAt token when it has not been handled yet (Flux's `ReconcileRequested`
    /// predicate): present and different from `status.lastHandledReconcileAt`.
    fn pending_reconcile_request(&self) -> Option<&str> {
        self.reconcile_requested_at()
            .filter(|token| Some(*token) != self.last_handled_reconcile_at())
    }

    /// Whether the current generation has been observed (kstatus "current").
    fn generation_observed(&self) -> bool {
        self.meta().generation.is_some() && self.observed_generation() == self.meta().generation
    }
}

/// Implements [`FluxObject`] for kinds with `spec.suspend` and the standard status fields.
macro_rules! impl_flux_object {
    ($($kind:ty),+ $(,)?) => {$(
        impl $crate::object::FluxObject for $kind {
            fn suspended(&self) -> bool {
                self.spec.suspend
            }
            fn observed_generation(&self) -> Option<i64> {
                self.status.as_ref().and_then(|s| s.observed_generation)
            }
            fn last_handled_reconcile_at(&self) -> Option<&str> {
                self.status.as_ref().and_then(|s| s.last_handled_reconcile_at.as_deref())
            }
            fn set_last_handled_reconcile_at(&mut self, token: String) {
                self.status.get_or_insert_with(Default::default).last_handled_reconcile_at =
                    Some(token);
            }
        }
    )+};
}
pub(crate) use impl_flux_object;
