//! Staged server-side apply for Flux appliers, after fluxcd/pkg `ssa`.
//!
//! - [`object`]: identity of an unstructured object (`Kind/namespace/name`, [`ObjMetadata`]);
//! - [`inventory`]: Flux's inventory entries (`<namespace>_<name>_<group>_<Kind>` + version)
//!   and the prune set (old inventory minus new);
//! - [`stage`]: apply order and stages (CRDs, Namespaces, ClusterRoles; `*Class` kinds; the rest);
//! - [`ResourceManager`]: dry-run validation of a whole set, drift detection, server-side
//!   apply with a field manager, forced recreation on immutable fields, deletion;
//! - [`health`]: kstatus rules (Current / InProgress / Failed) and [`ResourceManager::wait_for_set`].
//!
//! It talks to the cluster through the kube client only; no controller runtime.

pub mod changeset;
mod error;
pub mod health;
pub mod inventory;
mod manager;
pub mod object;
pub mod stage;

pub use changeset::{Action, ChangeSet, ChangeSetEntry};
pub use error::SsaError;
pub use health::{HealthStatus, ObjectHealth};
pub use manager::{ApplyOptions, DeleteOptions, ResourceManager, WaitOptions, cleanup};
pub use object::ObjMetadata;
