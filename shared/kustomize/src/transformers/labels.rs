//! commonLabels and labels.

use crate::error::{Result, build_err};
use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use serde_json::{Map, Value};

/// Sets every pair in the maps at `specs` (creating maps where allowed).
pub fn apply_pairs(
    resources: &mut [Resource],
    pairs: &Map<String, Value>,
    specs: &[FieldSpec],
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        let id = r.cur_id();
        for fs in specs {
            fieldspec::apply(&mut r.obj, fs, &gvk, &mut |v| {
                if v.is_null() {
                    *v = Value::Object(Map::new());
                }
                match v {
                    Value::Object(m) => {
                        for (k, val) in pairs {
                            m.insert(k.clone(), val.clone());
                        }
                        Ok(())
                    }
                    other => Err(build_err!(
                        "{id}: expected a map at '{}' to add labels or annotations, found {other}",
                        fs.path
                    )),
                }
            })?;
        }
    }
    Ok(())
}
