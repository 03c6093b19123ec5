//! Dry-run validation, drift detection and server-side apply of a set of objects.
//!
//! Every object of a stage is dry-run first; when any is rejected nothing of the stage
//! is applied and the error names each rejected object. Objects whose dry-run result
//! equals the live object are not sent again, so their resourceVersion stays put.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
use kube::api::{DeleteParams, Patch, PatchParams};
use serde_json::Value;

use super::{ApplyOptions, ResourceManager, WaitOptions, api_message};
use crate::changeset::{Action, ChangeSet};
use crate::object::{ObjMetadata, annotation_or_label, str_at};
use crate::{SsaError, stage};

use flux_api::constants::{FORCE_ANNOTATION, SSA_ANNOTATION};

/// What the dry run decided for one object.
enum Plan {
    Skip,
    Unchanged,
    Apply {
        created: bool,
    },
    /// Hand foreign managers' fields over (a JSON patch), then apply.
    Cleanup(Value),
    Recreate,
}

impl ResourceManager {
    /// Applies objects in stages: cluster definitions first (then waits for them), `*Class`
    /// kinds, custom stage kinds, then the rest.
    pub async fn apply_all_staged(
        &self,
        objects: Vec<Value>,
        opts: &ApplyOptions,
    ) -> Result<ChangeSet, SsaError> {
        let mut changes = ChangeSet::default();
        for stage_objects in stage::stages(objects, &opts.custom_stage_kinds) {
            let definitions = stage_objects
                .first()
                .is_some_and(|o| stage::is_cluster_definition(str_at(o, &["kind"])));
            let applied = self.apply_all(stage_objects, opts).await?;
            if definitions {
                let ids: Vec<ObjMetadata> =
                    applied.entries.iter().map(|e| e.object.clone()).collect();
                let wait = WaitOptions {
                    timeout: opts.wait_timeout,
                    interval: Duration::from_millis(500),
                    fail_fast: true,
                };
                self.wait_for_set(&ids, &wait).await?;
                // New CRDs bring new kinds.
                self.clear_discovery();
            }
            changes.append(applied);
        }
        Ok(changes)
    }

    /// Dry-runs every object, then applies those that drifted; one stage, no waiting.
    pub async fn apply_all(
        &self,
        objects: Vec<Value>,
        opts: &ApplyOptions,
    ) -> Result<ChangeSet, SsaError> {
        let planned: Vec<Result<(ObjMetadata, Value, Plan), SsaError>> =
            stream::iter(objects.into_iter().map(|o| self.plan(o, opts)))
                .buffered(self.concurrency)
                .collect()
                .await;
        let mut failures = Vec::new();
        let mut plans = Vec::new();
        for p in planned {
            match p {
                Ok(plan) => plans.push(plan),
                Err(e) => failures.push(e),
            }
        }
        if failures.len() == 1 {
            return Err(failures.remove(0));
        }
        if !failures.is_empty() {
            let message = failures
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            return Err(SsaError::Api {
                subject: format!("{} objects failed validation", failures.len()),
                message,
            });
        }
        let entries: Vec<(ObjMetadata, Action)> = stream::iter(
            plans
                .into_iter()
                .map(|(id, obj, plan)| self.execute(id, obj, plan)),
        )
        .buffered(self.concurrency)
        .try_collect()
        .await?;
        let mut changes = ChangeSet::default();
        for (id, action) in entries {
            changes.add(id, action);
        }
        Ok(changes)
    }

    async fn plan(
        &self,
        mut obj: Value,
        opts: &ApplyOptions,
    ) -> Result<(ObjMetadata, Value, Plan), SsaError> {
        let mut id = ObjMetadata::from_value(&obj)?;
        let (_, namespaced) = self.resolve(&id).await?;
        if !namespaced && !id.namespace.is_empty() {
            id.namespace.clear();
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("namespace");
            }
        }
        let api = self.api_for(&id).await?;
        let existing = self.get(&id).await?;
        match annotation_or_label(&obj, SSA_ANNOTATION) {
            Some(v) if v.eq_ignore_ascii_case("ignore") => return Ok((id, obj, Plan::Skip)),
            Some(v) if v.eq_ignore_ascii_case("ifnotpresent") && existing.is_some() => {
                return Ok((id, obj, Plan::Skip));
            }
            _ => {}
        }
        let params = PatchParams::apply(&self.field_manager).force().dry_run();
        let dry_run = match api.patch(&id.name, &params, &Patch::Apply(&obj)).await {
            Ok(result) => serde_json::to_value(result).map_err(|e| SsaError::Api {
                subject: id.to_string(),
                message: e.to_string(),
            })?,
            Err(e) => {
                let force = opts.force
                    || annotation_or_label(&obj, FORCE_ANNOTATION)
                        .is_some_and(|v| v.eq_ignore_ascii_case("enabled"));
                if existing.is_some() && force && is_immutable_error(&e) {
                    return Ok((id, obj, Plan::Recreate));
                }
                let reason = match &e {
                    kube::Error::Api(s) => s.reason.clone(),
                    _ => "Unknown".to_string(),
                };
                return Err(SsaError::DryRun {
                    subject: id.to_string(),
                    reason,
                    message: api_message(&e),
                });
            }
        };
        let merge = annotation_or_label(&obj, SSA_ANNOTATION)
            .is_some_and(|v| v.eq_ignore_ascii_case("merge"));
        let cleanup = existing.as_ref().filter(|_| !merge).and_then(|live| {
            super::cleanup::cleanup_patch(live, &opts.cleanup, &self.field_manager)
        });
        let plan = match &existing {
            None => Plan::Apply { created: true },
            Some(_) if cleanup.is_some() => Plan::Cleanup(cleanup.unwrap_or_default()),
            Some(live) if has_drifted(live, &dry_run) => Plan::Apply { created: false },
            Some(_) => Plan::Unchanged,
        };
        Ok((id, obj, plan))
    }

    async fn execute(
        &self,
        id: ObjMetadata,
        obj: Value,
        plan: Plan,
    ) -> Result<(ObjMetadata, Action), SsaError> {
        let api = self.api_for(&id).await?;
        let action = match plan {
            Plan::Skip => return Ok((id, Action::Skipped)),
            Plan::Unchanged => return Ok((id, Action::Unchanged)),
            Plan::Apply { created } => {
                if created {
                    Action::Created
                } else {
                    Action::Configured
                }
            }
            Plan::Cleanup(patch) => {
                api.patch(&id.name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                    .map_err(|e| SsaError::Apply {
                        subject: id.to_string(),
                        message: format!("managed fields cleanup failed: {}", api_message(&e)),
                    })?;
                Action::Configured
            }
            Plan::Recreate => {
                api.delete(&id.name, &DeleteParams::background())
                    .await
                    .map_err(|e| SsaError::Delete {
                        subject: id.to_string(),
                        message: format!(
                            "immutable field detected, failed to delete object: {}",
                            api_message(&e)
                        ),
                    })?;
                self.wait_for_termination(std::slice::from_ref(&id), Duration::from_secs(60))
                    .await?;
                Action::Created
            }
        };
        let params = PatchParams::apply(&self.field_manager).force();
        api.patch(&id.name, &params, &Patch::Apply(&obj))
            .await
            .map_err(|e| SsaError::Apply {
                subject: id.to_string(),
                message: api_message(&e),
            })?;
        Ok((id, action))
    }
}

fn is_immutable_error(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => {
            (s.code == 422 || s.reason == "Invalid")
                && (s.message.contains("immutable") || s.message.contains("may not change"))
        }
        _ => false,
    }
}

/// Whether the dry-run result differs from the live object in labels, annotations or
/// anything outside metadata and status.
pub(crate) fn has_drifted(live: &Value, dry_run: &Value) -> bool {
    if str_at(dry_run, &["metadata", "resourceVersion"]).is_empty() {
        return true;
    }
    for field in ["labels", "annotations"] {
        let get = |v: &Value| v.get("metadata").and_then(|m| m.get(field)).cloned();
        let empty = |v: Option<Value>| v.filter(|x| x.as_object().is_some_and(|m| !m.is_empty()));
        if empty(get(live)) != empty(get(dry_run)) {
            return true;
        }
    }
    strip(live) != strip(dry_run)
}

fn strip(obj: &Value) -> Value {
    let mut copy = obj.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drift_ignores_metadata_noise_and_status() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "resourceVersion": "5", "managedFields": [1], "labels": {"x": "1"}},
            "data": {"k": "v"}, "status": {"s": 1}});
        let mut dry = live.clone();
        dry["metadata"]["managedFields"] = json!([2]);
        dry["status"] = json!({"s": 2});
        assert!(!has_drifted(&live, &dry));
        let mut changed = dry.clone();
        changed["data"]["k"] = json!("w");
        assert!(has_drifted(&live, &changed));
        let mut relabelled = dry.clone();
        relabelled["metadata"]["labels"]["x"] = json!("2");
        assert!(has_drifted(&live, &relabelled));
        let mut new = dry;
        new["metadata"]["resourceVersion"] = json!("");
        assert!(has_drifted(&live, &new));
    }
}
