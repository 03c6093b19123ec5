//! Patches: strategic merge, JSON 6902, and target selection.

pub mod json6902;
pub mod schema;
mod schema_table;
pub mod selector;
pub mod strategic_merge;
