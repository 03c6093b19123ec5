//! image-reflector-controller (scans registries, picks tags by policy) and
//! image-automation-controller (commits tag bumps to Git), one binary each.
//!
//! At this stage both binaries connect to the cluster and serve the health and metrics
//! endpoints; the reconcilers arrive with their issues.

pub mod automation;
pub mod reflector;
