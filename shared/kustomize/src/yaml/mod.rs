//! YAML reading (serde-saphyr into `serde_json::Value`) and writing in kustomize's style.

mod emit;

pub use emit::to_yaml_stream;

use crate::error::{KustomizeError, Result};
use serde_json::Value;

/// Largest single file we are willing to parse (kustomize has no limit, but a
/// controller must not be taken down by one file).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

fn options() -> serde_saphyr::Options {
    options_with(serde_saphyr::DuplicateKeyPolicy::LastWins)
}

fn options_with(dup: serde_saphyr::DuplicateKeyPolicy) -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    // Real manifests (CRD bundles) exceed the parser's conservative defaults;
    // keep finite limits against alias bombs and runaway nesting.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 256;
    budget.max_nodes = 20_000_000;
    budget.max_events = 50_000_000;
    budget.max_documents = 1_000_000;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES;
    o.budget = Some(budget);
    // yaml.v3 as kustomize uses it: YAML 1.2 booleans, Go's base-0 integers
    // (`0644` is octal), out-of-range floats kept rather than rejected.
    o.strict_booleans = true;
    o.legacy_octal_numbers = true;
    o.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::AsString;
    o.duplicate_keys = dup;
    o
}

/// Parses a YAML (or JSON) stream into its non-empty documents. Duplicate keys
/// are allowed, the last one wins (as when kustomize decodes its own files).
pub fn parse_documents(text: &str, file: &str) -> Result<Vec<Value>> {
    parse_with(text, file, options())
}

/// Parses resource documents: duplicate keys are an error, as in kustomize.
pub fn parse_resources(text: &str, file: &str) -> Result<Vec<Value>> {
    parse_with(
        text,
        file,
        options_with(serde_saphyr::DuplicateKeyPolicy::Error),
    )
}

fn parse_with(text: &str, file: &str, options: serde_saphyr::Options) -> Result<Vec<Value>> {
    if text.len() > MAX_FILE_BYTES {
        return Err(KustomizeError::Yaml {
            file: file.to_string(),
            message: format!("file is larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    let docs: Vec<Value> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
            KustomizeError::Yaml {
                file: file.to_string(),
                message: e.to_string(),
            }
        })?;
    Ok(docs
        .into_iter()
        .filter(|d| !d.is_null())
        .map(|mut d| {
            normalize_numbers(&mut d);
            d
        })
        .collect())
}

/// kustomize round-trips objects through JSON (Go's `encoding/json`): a float
/// with an integral value below 1e21 is written without a fraction and read
/// back as an integer (`replicas: 1.0` becomes `1`).
fn normalize_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.2e18
            {
                *v = Value::Number((f as i64).into());
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize_numbers),
        Value::Object(m) => m.values_mut().for_each(normalize_numbers),
        _ => {}
    }
}

/// Parses exactly one YAML document (an empty input gives `null`).
pub fn parse_one(text: &str, file: &str) -> Result<Value> {
    let mut docs = parse_documents(text, file)?;
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0)),
        n => Err(KustomizeError::Yaml {
            file: file.to_string(),
            message: format!("expected one document, found {n}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_streams_and_skips_empty_documents() {
        let docs = parse_documents("a: 1\n---\n---\nb: yes\n", "x.yaml").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1]["b"], Value::String("yes".into()));
    }

    #[test]
    fn invalid_yaml_names_the_file() {
        let err = parse_documents("a: [1,\n", "bad.yaml").unwrap_err();
        assert!(err.to_string().contains("bad.yaml"), "{err}");
    }
}
