//! Shared controller runtime: flags, logging, health and metrics server, shutdown, reconcile plumbing.
