//! Values files merged as Flux's HelmChart `valuesFiles` does: each file is parsed as a
//! YAML map and merged over the previous ones with Helm's map merge (nested maps merge,
//! everything else is replaced). The chart's own `values.yaml` takes part only when it
//! is listed.

use serde_json::{Map, Value};

use crate::Error;

/// Deep-merges `overlay` into `base` (Helm's `MergeMaps`).
pub fn merge_maps(base: &mut Map<String, Value>, overlay: Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge_maps(existing, incoming)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The outcome of merging values files.
#[derive(Clone, Debug, PartialEq)]
pub struct MergedValues {
    /// The merged values.
    pub values: Map<String, Value>,
    /// The files that were found and merged, in order (Flux's `observedValuesFiles`).
    pub merged_files: Vec<String>,
}

/// Merges `files` in order, reading each through `read` (`None` = missing). A missing
/// file is an error unless `ignore_missing`.
pub fn merge_files(
    files: &[&str],
    ignore_missing: bool,
    mut read: impl FnMut(&str) -> Result<Option<Vec<u8>>, Error>,
) -> Result<MergedValues, Error> {
    let mut values = Map::new();
    let mut merged_files = Vec::new();
    for &file in files {
        let Some(bytes) = read(file)? else {
            if ignore_missing {
                continue;
            }
            return Err(Error::Values {
                file: file.to_string(),
                reason: "no values file found at path".into(),
            });
        };
        let parsed: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Object(Map::new())
        } else {
            serde_saphyr::from_slice(&bytes).map_err(|e| Error::Values {
                file: file.to_string(),
                reason: format!(
                    "unmarshaling values failed: {}",
                    crate::chart::first_line(&e.to_string())
                ),
            })?
        };
        match parsed {
            Value::Object(map) => merge_maps(&mut values, map),
            Value::Null => {}
            _ => {
                return Err(Error::Values {
                    file: file.to_string(),
                    reason: "not a YAML map".into(),
                });
            }
        }
        merged_files.push(file.to_string());
    }
    Ok(MergedValues {
        values,
        merged_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_nested_maps_and_replaces_lists() {
        let files = [
            (
                "a.yaml",
                "replicas: 1\nimage: {repo: x, tag: '1'}\nlist: [1, 2]\n",
            ),
            ("b.yaml", "image: {tag: '2'}\nlist: [3]\nextra: true\n"),
        ];
        let merged = merge_files(&["a.yaml", "missing.yaml", "b.yaml"], true, |f| {
            Ok(files
                .iter()
                .find(|(n, _)| *n == f)
                .map(|(_, c)| c.as_bytes().to_vec()))
        })
        .unwrap();
        assert_eq!(
            Value::Object(merged.values),
            json!({"replicas": 1, "image": {"repo": "x", "tag": "2"}, "list": [3], "extra": true})
        );
        assert_eq!(merged.merged_files, ["a.yaml", "b.yaml"]);
    }

    #[test]
    fn missing_and_invalid_files_are_named() {
        let err = merge_files(&["nope.yaml"], false, |_| Ok(None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "values file 'nope.yaml': no values file found at path"
        );
        let err =
            merge_files(&["list.yaml"], false, |_| Ok(Some(b"- a\n- b\n".to_vec()))).unwrap_err();
        assert!(err.to_string().contains("list.yaml"), "{err}");
        let err = merge_files(&["bad.yaml"], false, |_| Ok(Some(b"a: [\n".to_vec()))).unwrap_err();
        assert!(
            err.to_string().starts_with("values file 'bad.yaml'"),
            "{err}"
        );
    }
}
