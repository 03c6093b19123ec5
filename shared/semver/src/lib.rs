//! Masterminds-compatible semantic version constraints, as used by Flux.
