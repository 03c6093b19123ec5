//! helm-controller: renders HelmReleases and applies them.
//!
//! At this stage the binary connects to the cluster and serves the health and metrics
//! endpoints; the reconcilers arrive with their issues.

flux_runtime::idle_controller!("helm-controller");
