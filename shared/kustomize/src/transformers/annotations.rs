//! commonAnnotations.

use crate::error::Result;
use crate::fieldspec::FieldSpec;
use crate::resource::Resource;
use serde_json::{Map, Value};

/// Adds the annotations at every annotation field.
pub fn apply(
    resources: &mut [Resource],
    pairs: &Map<String, Value>,
    specs: &[FieldSpec],
) -> Result<()> {
    super::labels::apply_pairs(resources, pairs, specs)
}
