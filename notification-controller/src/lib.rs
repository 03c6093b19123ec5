//! notification-controller: receives events, sends alerts and serves webhook receivers.
//!
//! At this stage the binary connects to the cluster and serves the health and metrics
//! endpoints; the reconcilers arrive with their issues.

flux_runtime::idle_controller!("notification-controller");
