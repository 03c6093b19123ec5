//! Garbage collection: deleting objects that left the desired set.

use kube::api::DeleteParams;
use serde_json::Value;

use super::{ResourceManager, api_message};
use crate::SsaError;
use crate::changeset::{Action, ChangeSet};
use crate::object::{ObjMetadata, annotation_or_label};

use flux_api::constants::{PRUNE_ANNOTATION, RECONCILE_ANNOTATION, SSA_ANNOTATION};

/// Settings of [`ResourceManager::delete_all`].
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// Labels the live object must carry to be deleted (the owner labels of the applier);
    /// objects taken over by someone else are left alone.
    pub owner_labels: Vec<(String, String)>,
}

/// Whether a live object opted out of garbage collection.
pub fn prune_disabled(live: &Value) -> bool {
    let is = |key: &str, value: &str| {
        annotation_or_label(live, key).is_some_and(|v| v.eq_ignore_ascii_case(value))
    };
    is(PRUNE_ANNOTATION, "disabled")
        || is(RECONCILE_ANNOTATION, "disabled")
        || is(SSA_ANNOTATION, "ignore")
}

impl ResourceManager {
    /// Deletes the objects with background propagation, skipping those that are gone,
    /// opted out (`prune: disabled`, `reconcile: disabled`, `ssa: Ignore`) or owned by
    /// someone else. Kinds the API server no longer serves are skipped too.
    pub async fn delete_all(
        &self,
        objects: &[ObjMetadata],
        opts: &DeleteOptions,
    ) -> Result<ChangeSet, SsaError> {
        let mut changes = ChangeSet::default();
        let mut errors = Vec::new();
        for id in objects {
            let live = match self.get(id).await {
                Ok(Some(live)) => live,
                Ok(None) | Err(SsaError::UnknownKind { .. }) => continue,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let owned = opts.owner_labels.iter().all(|(k, v)| {
                live.pointer("/metadata/labels")
                    .and_then(|l| l.get(k))
                    .and_then(Value::as_str)
                    == Some(v.as_str())
            });
            if prune_disabled(&live) || !owned {
                changes.add(id.clone(), Action::Skipped);
                continue;
            }
            let api = self.api_for(id).await?;
            match api.delete(&id.name, &DeleteParams::background()).await {
                Ok(_) => changes.add(id.clone(), Action::Deleted),
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => errors.push(
                    SsaError::Delete {
                        subject: id.to_string(),
                        message: api_message(&e),
                    }
                    .to_string(),
                ),
            }
        }
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(SsaError::Api {
                subject: "garbage collection".to_string(),
                message: errors.join("; "),
            })
        }
    }
}
