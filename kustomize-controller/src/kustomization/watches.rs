//! Watches besides the Kustomizations themselves: a Kustomization is reconciled as soon as
//! the artifact revision of its source changes, and as soon as a ConfigMap or Secret it
//! reads in `postBuild.substituteFrom` changes, when that object carries the
//! `--watch-configs-label-selector` label (default `reconcile.fluxcd.io/watch=Enabled`).
//! The source watches also fill [`SourceCaches`], which the reconcile reads the artifact
//! from instead of getting the source from the API each time (Flux's cached client).

use std::hash::{DefaultHasher, Hash, Hasher};

use flux_api::kustomize::Kustomization;
use flux_api::meta::Artifact;
use flux_api::source::{Bucket, ExternalArtifact, GitRepository, OCIRepository};
use flux_runtime::reconcile::{Cache, ReconcileOptions, cached_watch, object_ref};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::runtime::controller::Controller;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;

/// A source kind with an artifact.
pub(super) trait Source:
    Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
    + Clone
    + std::fmt::Debug
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    fn artifact(&self) -> Option<&Artifact>;
}

macro_rules! source {
    ($($kind:ty),+) => {$(
        impl Source for $kind {
            fn artifact(&self) -> Option<&Artifact> {
                self.status.as_ref().and_then(|s| s.artifact.as_ref())
            }
        }
    )+};
}
source!(GitRepository, OCIRepository, Bucket, ExternalArtifact);

/// The watch caches of the four source kinds.
#[derive(Clone)]
pub struct SourceCaches {
    pub(super) git: Cache<GitRepository>,
    pub(super) oci: Cache<OCIRepository>,
    pub(super) bucket: Cache<Bucket>,
    pub(super) external: Cache<ExternalArtifact>,
}

/// Adds a watch per source kind, and on labelled ConfigMaps and Secrets, to the
/// Kustomization controller; returns it with the source caches the watches fill.
pub fn watch_sources(
    controller: Controller<Kustomization>,
    client: &kube::Client,
    options: &ReconcileOptions,
    configs_selector: &str,
) -> (Controller<Kustomization>, SourceCaches) {
    let store = controller.store();
    let controller =
        watch_config::<ConfigMap>(controller, client, options, configs_selector, store.clone());
    let controller =
        watch_config::<Secret>(controller, client, options, configs_selector, store.clone());
    let (controller, git) = watch::<GitRepository>(controller, client, options, store.clone());
    let (controller, oci) = watch::<OCIRepository>(controller, client, options, store.clone());
    let (controller, bucket) = watch::<Bucket>(controller, client, options, store.clone());
    let (controller, external) = watch::<ExternalArtifact>(controller, client, options, store);
    let caches = SourceCaches {
        git,
        oci,
        bucket,
        external,
    };
    (controller, caches)
}

fn watch<S: Source>(
    controller: Controller<Kustomization>,
    client: &kube::Client,
    options: &ReconcileOptions,
    store: Store<Kustomization>,
) -> (Controller<Kustomization>, Cache<S>) {
    let api = match options.watch_namespace() {
        Some(ns) => kube::Api::<S>::namespaced(client.clone(), &ns),
        None => kube::Api::<S>::all(client.clone()),
    };
    let (cache, stream) = cached_watch(api, watcher::Config::default());
    // Only the artifact revision matters, not condition updates.
    let stream = stream.predicate_filter(
        |s: &S| {
            let mut h = DefaultHasher::new();
            s.artifact().map(|a| &a.revision).hash(&mut h);
            Some(h.finish())
        },
        Default::default(),
    );
    let controller =
        controller.watches_stream(stream, move |source: S| dependents(&store, &source));
    (controller, cache)
}

/// The Kustomizations whose `sourceRef` points at `source`.
fn dependents<S: Source>(
    store: &Store<Kustomization>,
    source: &S,
) -> Vec<ObjectRef<Kustomization>> {
    let kind = S::kind(&());
    let name = source.name_any();
    let namespace = source.namespace().unwrap_or_default();
    store
        .state()
        .iter()
        .filter(|ks| {
            let r = &ks.spec.source_ref;
            let ks_ns = ks.namespace().unwrap_or_default();
            r.kind == kind
                && r.name == name
                && r.namespace
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(&ks_ns)
                    == namespace
        })
        .map(|ks| object_ref::<Kustomization>(&ks.name_any(), &ks.namespace().unwrap_or_default()))
        .collect()
}

fn watch_config<C>(
    controller: Controller<Kustomization>,
    client: &kube::Client,
    options: &ReconcileOptions,
    selector: &str,
    store: Store<Kustomization>,
) -> Controller<Kustomization>
where
    C: Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
        + Clone
        + std::fmt::Debug
        + DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    if selector.is_empty() {
        return controller;
    }
    let api = match options.watch_namespace() {
        Some(ns) => kube::Api::<C>::namespaced(client.clone(), &ns),
        None => kube::Api::<C>::all(client.clone()),
    };
    let stream = watcher(api, watcher::Config::default().labels(selector))
        .default_backoff()
        .touched_objects()
        .predicate_filter(
            |c: &C| {
                let mut h = DefaultHasher::new();
                c.meta().resource_version.hash(&mut h);
                Some(h.finish())
            },
            Default::default(),
        );
    controller.watches_stream(stream, move |config: C| {
        let kind = C::kind(&());
        let name = config.name_any();
        let namespace = config.namespace().unwrap_or_default();
        store
            .state()
            .iter()
            .filter(|ks| {
                ks.namespace().unwrap_or_default() == namespace
                    && ks.spec.post_build.as_ref().is_some_and(|p| {
                        p.substitute_from
                            .iter()
                            .any(|r| r.kind == kind && r.name == name)
                    })
            })
            .map(|ks| object_ref::<Kustomization>(&ks.name_any(), &namespace))
            .collect::<Vec<_>>()
    })
}
