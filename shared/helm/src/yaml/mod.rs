//! YAML decoding into template values and go-yaml v2 style encoding.

pub mod direct;
pub mod emit;
pub mod fast;
pub mod load;
pub mod plain_forms;
pub mod scalar;
