//! [`ResourceManager`]: server-side apply, deletion and waiting against one cluster,
//! as one identity (the controller's or an impersonated service account).

mod apply;
pub mod cleanup;
mod delete;
mod wait;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;

use crate::SsaError;
use crate::object::ObjMetadata;

pub use delete::DeleteOptions;

/// Settings of an apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Recreate objects whose apply fails on an immutable field (`spec.force`); objects
    /// annotated `kustomize.toolkit.fluxcd.io/force: Enabled` are recreated regardless.
    pub force: bool,
    /// Kinds applied in their own stage before the rest (`--custom-apply-stage-kinds`).
    pub custom_stage_kinds: Vec<String>,
    /// How long to wait for the cluster definitions of the first stage to become ready.
    pub wait_timeout: Duration,
    /// Field managers whose fields are taken over before applying (see [`cleanup`]);
    /// objects annotated `kustomize.toolkit.fluxcd.io/ssa: Merge` are left alone.
    pub cleanup: Vec<cleanup::FieldManager>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            force: false,
            custom_stage_kinds: Vec::new(),
            wait_timeout: Duration::from_secs(60),
            cleanup: Vec::new(),
        }
    }
}

/// Settings of [`ResourceManager::wait_for_set`].
#[derive(Debug, Clone, Copy)]
pub struct WaitOptions {
    /// Time between polls.
    pub interval: Duration,
    /// Give up after this long.
    pub timeout: Duration,
    /// Stop as soon as an object is Failed instead of waiting for the timeout.
    pub fail_fast: bool,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(60),
            fail_fast: true,
        }
    }
}

type DiscoveryCache = Arc<Mutex<HashMap<(String, String), (ApiResource, bool)>>>;

/// Applies, deletes and waits for unstructured objects with one client and field manager.
#[derive(Clone)]
pub struct ResourceManager {
    client: kube::Client,
    field_manager: String,
    discovery: DiscoveryCache,
    concurrency: usize,
}

impl ResourceManager {
    /// A manager applying as `field_manager` with `client`.
    pub fn new(client: kube::Client, field_manager: impl Into<String>) -> Self {
        ResourceManager {
            client,
            field_manager: field_manager.into(),
            discovery: DiscoveryCache::default(),
            concurrency: 4,
        }
    }

    /// Shares the discovery cache of another manager (same cluster, other identity).
    pub fn with_discovery_of(mut self, other: &ResourceManager) -> Self {
        self.discovery = other.discovery.clone();
        self
    }

    /// How many objects are dry-run, applied or polled at once (`--concurrent-ssa`).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The client in use.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The API resource and whether it is namespaced, from discovery (cached).
    pub async fn resolve(&self, obj: &ObjMetadata) -> Result<(ApiResource, bool), SsaError> {
        let key = (obj.api_version(), obj.kind.clone());
        if let Ok(cache) = self.discovery.lock()
            && let Some(found) = cache.get(&key)
        {
            return Ok(found.clone());
        }
        let gvk = GroupVersionKind::gvk(&obj.group, &obj.version, &obj.kind);
        match kube::discovery::pinned_kind(&self.client, &gvk).await {
            Ok((ar, caps)) => {
                let found = (ar, caps.scope == Scope::Namespaced);
                if let Ok(mut cache) = self.discovery.lock() {
                    cache.insert(key, found.clone());
                }
                Ok(found)
            }
            Err(kube::Error::Api(s)) if s.code == 404 => Err(unknown_kind(obj)),
            Err(kube::Error::Discovery(_)) => Err(unknown_kind(obj)),
            Err(e) => Err(SsaError::Api {
                subject: obj.to_string(),
                message: format!("discovery failed: {e}"),
            }),
        }
    }

    /// Forgets discovery results, e.g. after CRDs were applied.
    pub fn clear_discovery(&self) {
        if let Ok(mut cache) = self.discovery.lock() {
            cache.clear();
        }
    }

    /// The dynamic Api for an object (namespaced or cluster-wide).
    pub async fn api_for(&self, obj: &ObjMetadata) -> Result<Api<DynamicObject>, SsaError> {
        let (ar, namespaced) = self.resolve(obj).await?;
        if namespaced {
            if obj.namespace.is_empty() {
                return Err(SsaError::NamespaceNotSpecified(obj.to_string()));
            }
            Ok(Api::namespaced_with(
                self.client.clone(),
                &obj.namespace,
                &ar,
            ))
        } else {
            Ok(Api::all_with(self.client.clone(), &ar))
        }
    }

    /// The live object, or `None` when it does not exist.
    pub async fn get(&self, obj: &ObjMetadata) -> Result<Option<serde_json::Value>, SsaError> {
        let api = self.api_for(obj).await?;
        match api.get_opt(&obj.name).await {
            Ok(Some(live)) => serde_json::to_value(live)
                .map(Some)
                .map_err(|e| SsaError::Api {
                    subject: obj.to_string(),
                    message: e.to_string(),
                }),
            Ok(None) => Ok(None),
            Err(e) => Err(SsaError::Api {
                subject: obj.to_string(),
                message: format!("get failed: {}", api_message(&e)),
            }),
        }
    }
}

fn unknown_kind(obj: &ObjMetadata) -> SsaError {
    SsaError::UnknownKind {
        subject: obj.to_string(),
        kind: obj.kind.clone(),
        api_version: obj.api_version(),
    }
}

/// The API server's message of an error, without kube's wrapping.
pub(crate) fn api_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => s.message.clone(),
        other => other.to_string(),
    }
}
