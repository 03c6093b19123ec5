//! End-to-end scenarios for flux-rs and the `local-cluster` command.
