//! One module per command; nouns of `create`, `build`, `diff` and `bootstrap` get their own
//! files inside the verb's folder.

pub mod bootstrap;
pub mod build;
pub mod check;
pub mod completion;
pub mod create;
pub mod delete;
pub mod diff;
pub mod events;
pub mod export;
pub mod get;
pub mod helm;
pub mod install;
pub mod kustomize;
pub mod logs;
pub mod reconcile;
pub mod suspend;
pub mod target;
pub mod trace;
pub mod tree;
pub mod uninstall;
pub mod version;
pub mod wait;
