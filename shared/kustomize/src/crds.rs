//! The legacy `crds:` field: OpenAPI definitions whose
//! `x-kubernetes-object-ref-kind` properties add name references.

use crate::config::TransformerConfig;
use crate::error::Result;
use serde_json::Value;

fn walk(
    defs: &serde_json::Map<String, Value>,
    schema: &Value,
    path: &str,
    kind: &str,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > 20 {
        return;
    }
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let key = r.rsplit('/').next().unwrap_or(r);
            match defs.get(r).or_else(|| defs.get(key)) {
                Some(d) => d.get("Schema").unwrap_or(d),
                None => return,
            }
        }
        None => schema,
    };
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            if let Some(k) = p
                .get("x-kubernetes-object-ref-kind")
                .and_then(Value::as_str)
            {
                out.push((k.to_string(), child.clone()));
                let _ = kind;
            }
            walk(defs, p, &child, kind, out, depth + 1);
        }
    }
}

/// Reads a CRD definitions file and adds its name references to `config`.
pub fn merge_crd_config(config: &mut TransformerConfig, text: &str, file: &str) -> Result<()> {
    let v = crate::yaml::parse_one(text, file)?;
    let Some(defs) = v.as_object() else {
        return Ok(());
    };
    for (key, def) in defs {
        let schema = def.get("Schema").unwrap_or(def);
        let kind = key.rsplit('.').next().unwrap_or(key).to_string();
        let mut refs = Vec::new();
        walk(defs, schema, "", &kind, &mut refs, 0);
        for (target, path) in refs {
            let mut doc = serde_json::Map::new();
            doc.insert(
                "nameReference".into(),
                serde_json::json!([{"kind": target, "fieldSpecs": [{"path": path, "kind": kind}]}]),
            );
            config.merge_value(&Value::Object(doc));
        }
    }
    Ok(())
}
