//! The flux-rs command-line interface.
