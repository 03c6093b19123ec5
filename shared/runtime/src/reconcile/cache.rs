//! Watch caches: objects held in reflector stores lose what no reconcile reads
//! (`managedFields`, kubectl's last-applied annotation), and the kinds a controller only
//! reads (sources, for kustomize-controller) are served from a store instead of a `get` per
//! reconcile, as Flux's cached client serves them.

use futures::Stream;
use kube::Resource;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use serde::de::DeserializeOwned;

/// kubectl's copy of the last client-side applied object; often the largest annotation.
const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops the fields a reconcile never reads from an object about to be cached.
pub fn strip<K: Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove(LAST_APPLIED_ANNOTATION);
        if annotations.is_empty() {
            meta.annotations = None;
        }
    }
}

/// A read-only cache of one kind, filled by a watch.
#[derive(Clone)]
pub struct Cache<K: Resource<DynamicType = ()> + 'static> {
    store: Store<K>,
}

impl<K> Cache<K>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    /// The cached object, `None` when the watch has not seen it (not created yet, deleted,
    /// or the first list has not arrived): callers that must not miss it read the API.
    pub fn get(&self, namespace: &str, name: &str) -> Option<std::sync::Arc<K>> {
        self.store.get(&ObjectRef::new(name).within(namespace))
    }

    /// The underlying store.
    pub fn store(&self) -> &Store<K> {
        &self.store
    }
}

impl<K: Resource<DynamicType = ()> + 'static> From<Store<K>> for Cache<K> {
    /// A cache over a store filled elsewhere (another watch, or a test's writer).
    fn from(store: Store<K>) -> Self {
        Cache { store }
    }
}

/// Watches `api` into a [`Cache`] of stripped objects. The returned stream yields every
/// object the watch touches (after it is cached) and must be polled, e.g. as a
/// controller's `watches_stream`, for the cache to fill.
pub fn cached_watch<K>(
    api: kube::Api<K>,
    config: watcher::Config,
) -> (
    Cache<K>,
    impl Stream<Item = Result<K, watcher::Error>> + Send + 'static,
)
where
    K: Resource<DynamicType = ()> + Clone + std::fmt::Debug + DeserializeOwned + Send + Sync,
{
    let (reader, writer) = reflector::store();
    let stream = watcher(api, config)
        .default_backoff()
        .modify(strip::<K>)
        .reflect(writer)
        .touched_objects();
    (Cache { store: reader }, stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};
    use std::collections::BTreeMap;

    #[test]
    fn strip_drops_managed_fields_and_last_applied_only() {
        let mut cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some("a".into()),
                managed_fields: Some(vec![ManagedFieldsEntry {
                    manager: Some("kubectl".into()),
                    ..Default::default()
                }]),
                annotations: Some(BTreeMap::from([
                    (LAST_APPLIED_ANNOTATION.to_string(), "{}".to_string()),
                    ("keep".to_string(), "me".to_string()),
                ])),
                ..Default::default()
            },
            ..Default::default()
        };
        strip(&mut cm);
        assert!(cm.metadata.managed_fields.is_none());
        assert_eq!(
            cm.metadata.annotations,
            Some(BTreeMap::from([("keep".to_string(), "me".to_string())]))
        );
        cm.metadata.annotations = Some(BTreeMap::from([(
            LAST_APPLIED_ANNOTATION.to_string(),
            "{}".to_string(),
        )]));
        strip(&mut cm);
        assert!(cm.metadata.annotations.is_none());
    }
}
