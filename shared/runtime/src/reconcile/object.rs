//! What the runtime needs to know about a Flux kind to reconcile it.

use std::fmt::Debug;

use flux_api::Conditions;
use kube::Resource;
use kube::core::NamespaceResourceScope;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A Flux kind with `spec.interval`, `spec.suspend` and the common status fields.
pub trait FluxObject:
    Resource<DynamicType = (), Scope = NamespaceResourceScope>
    + Conditions
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// `spec.interval` as written (a Go duration).
    fn interval(&self) -> &str;
    /// `spec.retryInterval`, for kinds that have it.
    fn retry_interval(&self) -> Option<&str> {
        None
    }
    /// `spec.suspend`.
    fn suspended(&self) -> bool;
    /// `status.observedGeneration`.
    fn observed_generation(&self) -> Option<i64>;
    /// Sets `status.observedGeneration`.
    fn set_observed_generation(&mut self, generation: i64);
    /// `status.lastHandledReconcileAt`.
    fn last_handled_reconcile_at(&self) -> Option<&str>;
    /// Sets `status.lastHandledReconcileAt`.
    fn set_last_handled_reconcile_at(&mut self, token: String);
}

/// The [`FluxObject`] methods shared by every Flux kind: `spec.suspend: bool`, and a status
/// with `observed_generation: Option<i64>` and `last_handled_reconcile_at: Option<String>`.
/// Used inside an `impl FluxObject` block.
#[macro_export]
macro_rules! flux_object_status {
    () => {
        fn suspended(&self) -> bool {
            self.spec.suspend
        }
        fn observed_generation(&self) -> Option<i64> {
            self.status.as_ref().and_then(|s| s.observed_generation)
        }
        fn set_observed_generation(&mut self, generation: i64) {
            self.status
                .get_or_insert_with(Default::default)
                .observed_generation = Some(generation);
        }
        fn last_handled_reconcile_at(&self) -> Option<&str> {
            self.status
                .as_ref()
                .and_then(|s| s.last_handled_reconcile_at.as_deref())
        }
        fn set_last_handled_reconcile_at(&mut self, token: String) {
            self.status
                .get_or_insert_with(Default::default)
                .last_handled_reconcile_at = Some(token);
        }
    };
}

/// Implements [`FluxObject`] for kinds whose spec has `interval: String` besides what
/// [`flux_object_status!`] needs.
#[macro_export]
macro_rules! impl_flux_object {
    ($($kind:ty),+ $(,)?) => {$(
        impl $crate::reconcile::FluxObject for $kind {
            fn interval(&self) -> &str {
                &self.spec.interval
            }
            $crate::flux_object_status!();
        }
    )+};
}

impl_flux_object!(flux_api::source::GitRepository);
impl_flux_object!(
    flux_api::source::HelmChart,
    flux_api::source::OCIRepository,
    flux_api::source::Bucket
);

// HelmRepository's `spec.interval` is optional (1m when unset; ignored for type oci).
impl FluxObject for flux_api::source::HelmRepository {
    fn interval(&self) -> &str {
        self.spec
            .interval
            .as_deref()
            .unwrap_or(flux_api::source::helmrepository::DEFAULT_INTERVAL)
    }
    crate::flux_object_status!();
}

// Kustomization has `spec.retryInterval`, which defaults to the interval (Flux's
// `GetRetryInterval`).
impl FluxObject for flux_api::kustomize::Kustomization {
    fn interval(&self) -> &str {
        &self.spec.interval
    }
    fn retry_interval(&self) -> Option<&str> {
        Some(
            self.spec
                .retry_interval
                .as_deref()
                .unwrap_or(&self.spec.interval),
        )
    }
    crate::flux_object_status!();
}

/// The `reconcile.fluxcd.io/requestedAt` token of an object, if any.
pub fn requested_at<K: Resource>(obj: &K) -> Option<&str> {
    obj.meta()
        .annotations
        .as_ref()
        .and_then(|a| a.get(flux_api::constants::RECONCILE_REQUEST_ANNOTATION))
        .map(String::as_str)
}

/// `namespace/name` of an object.
pub fn object_key<K: Resource>(obj: &K) -> String {
    format!(
        "{}/{}",
        obj.meta().namespace.as_deref().unwrap_or_default(),
        obj.meta().name.as_deref().unwrap_or_default()
    )
}
