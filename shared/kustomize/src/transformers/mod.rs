//! The built-in transformers, each working on the resource list of a build.

pub mod annotations;
pub mod images;
pub mod labels;
pub mod name_reference;
pub mod namespace;
pub mod prefix_suffix;
pub mod replicas;
