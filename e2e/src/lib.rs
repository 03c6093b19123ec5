//! End-to-end scenarios for flux-rs (under `tests/`, one file per scenario) and the
//! `local-cluster` command, which runs the same control plane the tests use.

pub mod demo;
pub mod inprocess;
pub mod local_cluster;
pub mod wait;
