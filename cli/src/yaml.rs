//! YAML in and out: multi-document parsing and Flux's `---`-prefixed export format.

use std::path::Path;

use serde_json::Value;

use crate::error::{Result, usage};

/// Prints objects as Flux's `export`/`--export` do: every document starts with `---`.
pub fn export_stream(docs: &[Value]) -> String {
    let mut out = String::new();
    for doc in docs {
        out.push_str("---\n");
        out.push_str(&flux_kustomize::to_yaml_stream(std::slice::from_ref(doc)));
    }
    out
}

/// Parses a multi-document YAML string; `what` names the source in errors.
pub fn parse(text: &str, what: &str) -> Result<Vec<Value>> {
    let docs = flux_kustomize::parse_documents(text, what)
        .map_err(|e| usage(format!("parsing {what}: {e}")))?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// Reads and parses a YAML file.
pub fn read_file(path: &Path) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("reading {}: {e}", path.display())))?;
    parse(&text, &path.display().to_string())
}
