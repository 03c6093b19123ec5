//! Applying, reading and deleting unstructured objects, with API discovery for kinds that are
//! not Flux's own (install manifests, diff and trace targets).

use std::collections::HashMap;
use std::time::Duration;

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::Value;

use crate::error::{CliError, Result, usage};

/// The field manager Flux's CLI uses for server-side apply.
pub const FIELD_MANAGER: &str = "flux-client-side-apply";

/// A kube client plus a cache of resolved kinds.
pub struct Applier {
    client: kube::Client,
    cache: HashMap<(String, String), (ApiResource, bool)>,
}

/// `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` of an object.
pub fn identity(obj: &Value) -> (&str, &str, &str, Option<&str>) {
    fn s(v: &Value) -> &str {
        v.as_str().unwrap_or("")
    }
    (
        s(&obj["apiVersion"]),
        s(&obj["kind"]),
        s(&obj["metadata"]["name"]),
        obj["metadata"]["namespace"].as_str(),
    )
}

/// `Kind/namespace/name` (or `Kind/name` when cluster-scoped), as Flux prints objects.
pub fn subject(obj: &Value) -> String {
    let (_, kind, name, ns) = identity(obj);
    match ns {
        Some(ns) if !ns.is_empty() => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

impl Applier {
    /// An applier using `client`.
    pub fn new(client: kube::Client) -> Applier {
        Applier {
            client,
            cache: HashMap::new(),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Resolves `apiVersion`/`kind` to a resource and whether it is namespaced. Retries for about
    /// three seconds, because a CRD applied a moment ago takes a while to appear in discovery.
    pub async fn resolve(&mut self, api_version: &str, kind: &str) -> Result<(ApiResource, bool)> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit.clone());
        }
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let mut last = None;
        for _ in 0..10 {
            match kube::discovery::pinned_kind(&self.client, &gvk).await {
                Ok((ar, caps)) => {
                    let namespaced = is_namespaced(&caps);
                    self.cache.insert(key, (ar.clone(), namespaced));
                    return Ok((ar, namespaced));
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Err(usage(format!(
            "no resource {kind} in {api_version} on the cluster: {}",
            last.map(|e| e.to_string()).unwrap_or_default()
        )))
    }

    async fn api_for(&mut self, obj: &Value, default_ns: &str) -> Result<Api<DynamicObject>> {
        let (api_version, kind, name, ns) = identity(obj);
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(usage(format!(
                "object without apiVersion, kind or metadata.name: {}",
                subject(obj)
            )));
        }
        let (ar, namespaced) = self.resolve(api_version, kind).await?;
        Ok(if namespaced {
            Api::namespaced_with(self.client.clone(), ns.unwrap_or(default_ns), &ar)
        } else {
            Api::all_with(self.client.clone(), &ar)
        })
    }

    /// Server-side applies `obj` (forcing conflicts, as Flux does); with `dry_run` the server
    /// only validates. Returns the object as the server stored (or would store) it.
    pub async fn apply(&mut self, obj: &Value, dry_run: bool) -> Result<Value> {
        self.apply_as(obj, dry_run, FIELD_MANAGER).await
    }

    /// [`Applier::apply`] with another field manager.
    pub async fn apply_as(&mut self, obj: &Value, dry_run: bool, manager: &str) -> Result<Value> {
        let api = self.api_for(obj, "default").await?;
        let name = identity(obj).2.to_string();
        let mut params = PatchParams::apply(manager).force();
        params.dry_run = dry_run;
        let applied = api
            .patch(&name, &params, &Patch::Apply(obj))
            .await
            .map_err(CliError::kube(format!("applying {}", subject(obj))))?;
        serde_json::to_value(applied).map_err(|e| CliError::Other(e.into()))
    }

    /// Reads the live version of `obj`; `None` when it does not exist.
    pub async fn get(&mut self, obj: &Value) -> Result<Option<Value>> {
        let api = self.api_for(obj, "default").await?;
        let name = identity(obj).2;
        let live = api
            .get_opt(name)
            .await
            .map_err(CliError::kube(format!("getting {}", subject(obj))))?;
        live.map(serde_json::to_value)
            .transpose()
            .map_err(|e| CliError::Other(e.into()))
    }

    /// Deletes `obj`; returns false when it did not exist.
    pub async fn delete(&mut self, obj: &Value) -> Result<bool> {
        let api = self.api_for(obj, "default").await?;
        let name = identity(obj).2;
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(CliError::Kube {
                context: format!("deleting {}", subject(obj)),
                source: e,
            }),
        }
    }
}

fn is_namespaced(caps: &ApiCapabilities) -> bool {
    caps.scope == Scope::Namespaced
}
