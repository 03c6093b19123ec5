//! Rust types of every Flux API kind, shared constants, and CRD generation.
