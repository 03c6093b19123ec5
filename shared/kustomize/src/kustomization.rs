//! The kustomization file: parsing, legacy field fixes and Flux's refusals.

use crate::error::{KustomizeError, Result};
use serde_json::{Map, Value};

/// A parsed kustomization (or component).
#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    /// The kustomization file (set by the loader).
    pub file: std::path::PathBuf,
    /// `kind: Component`
    pub is_component: bool,
    /// resources + legacy bases
    pub resources: Vec<String>,
    /// components
    pub components: Vec<String>,
    /// crds
    pub crds: Vec<String>,
    /// configurations
    pub configurations: Vec<String>,
    /// generators (file paths or inline objects)
    pub generators: Vec<Value>,
    /// transformers (file paths or inline objects)
    pub transformers: Vec<Value>,
    /// namespace
    pub namespace: String,
    /// namePrefix
    pub name_prefix: String,
    /// nameSuffix
    pub name_suffix: String,
    /// commonLabels
    pub common_labels: Map<String, Value>,
    /// labels
    pub labels: Vec<Value>,
    /// commonAnnotations
    pub common_annotations: Map<String, Value>,
    /// images
    pub images: Vec<Value>,
    /// replicas
    pub replicas: Vec<Value>,
    /// configMapGenerator
    pub config_map_generator: Vec<Value>,
    /// secretGenerator
    pub secret_generator: Vec<Value>,
    /// generatorOptions
    pub generator_options: Option<Value>,
    /// patches
    pub patches: Vec<Value>,
    /// patchesStrategicMerge (paths or inline patches)
    pub patches_strategic_merge: Vec<Value>,
    /// patchesJson6902
    pub patches_json6902: Vec<Value>,
    /// replacements
    pub replacements: Vec<Value>,
    /// vars
    pub vars: Vec<Value>,
    /// sortOptions
    pub sort_options: Option<Value>,
    /// buildMetadata
    pub build_metadata: Vec<String>,
    /// openapi (`path` or `version`)
    pub openapi: Map<String, Value>,
}

const KNOWN: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "imageTags",
    "replicas",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replacements",
    "vars",
    "sortOptions",
    "buildMetadata",
    "openapi",
    "helmCharts",
    "helmChartInflationGenerator",
    "helmGlobals",
];

impl Kustomization {
    /// Parses kustomization text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Kustomization> {
        let err = |message: String| KustomizeError::Kustomization {
            file: file.to_string(),
            message,
        };
        if text.trim().is_empty() {
            return Err(err("kustomization file is empty".into()));
        }
        let v = crate::yaml::parse_one(text, file)?;
        let raw = match v {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err(err("expected a mapping".into())),
        };
        // Go's encoding/json matches field names case-insensitively.
        let mut m = Map::new();
        for (k, v) in raw {
            let known = KNOWN
                .iter()
                .find(|n| **n == k)
                .or_else(|| KNOWN.iter().find(|n| n.eq_ignore_ascii_case(&k)));
            match known {
                Some(n) => {
                    m.insert((*n).to_string(), v);
                }
                None => return Err(err(format!("unknown field \"{k}\""))),
            }
        }
        for refused in ["helmCharts", "helmChartInflationGenerator", "helmGlobals"] {
            if m.get(refused).is_some_and(|v| !v.is_null()) {
                return Err(KustomizeError::Unsupported(format!(
                    "{file}: '{refused}' is not supported: Flux builds kustomizations without Helm"
                )));
            }
        }
        let kind = m
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("Kustomization");
        let api = m.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let is_component = kind == "Component";
        if !is_component && kind != "Kustomization" {
            return Err(err(format!("unknown kind '{kind}'")));
        }
        if is_component && !api.is_empty() && api != "kustomize.config.k8s.io/v1alpha1" {
            return Err(err(format!(
                "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1, got '{api}'"
            )));
        }
        let strings = |key: &str| -> Result<Vec<String>> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| match x {
                        Value::String(s) => Ok(s.clone()),
                        other => Err(err(format!("{key}: expected a string, got {other}"))),
                    })
                    .collect(),
                Some(other) => Err(err(format!("{key}: expected a list, got {other}"))),
            }
        };
        let list = |key: &str| -> Result<Vec<Value>> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(a)) => Ok(a.clone()),
                Some(other) => Err(err(format!("{key}: expected a list, got {other}"))),
            }
        };
        let map = |key: &str| -> Result<Map<String, Value>> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(o)) => o
                    .iter()
                    .map(|(k, v)| match v {
                        Value::String(_) => Ok((k.clone(), v.clone())),
                        // kustomize decodes these maps as map[string]string.
                        other => Err(err(format!(
                            "{key}.{k}: cannot unmarshal {other} into a string"
                        ))),
                    })
                    .collect(),
                Some(other) => Err(err(format!("{key}: expected a map, got {other}"))),
            }
        };
        let string = |key: &str| -> Result<String> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => Ok(scalar_text(other)),
            }
        };
        let mut resources = strings("resources")?;
        resources.extend(strings("bases")?);
        let mut images = list("images")?;
        images.extend(list("imageTags")?);
        Ok(Kustomization {
            file: std::path::PathBuf::from(file),
            is_component,
            resources,
            components: strings("components")?,
            crds: strings("crds")?,
            configurations: strings("configurations")?,
            generators: list("generators")?,
            transformers: list("transformers")?,
            namespace: string("namespace")?,
            name_prefix: string("namePrefix")?,
            name_suffix: string("nameSuffix")?,
            common_labels: map("commonLabels")?,
            labels: list("labels")?,
            common_annotations: map("commonAnnotations")?,
            images,
            replicas: list("replicas")?,
            config_map_generator: list("configMapGenerator")?,
            secret_generator: list("secretGenerator")?,
            generator_options: m.get("generatorOptions").filter(|v| !v.is_null()).cloned(),
            patches: list("patches")?,
            patches_strategic_merge: list("patchesStrategicMerge")?,
            patches_json6902: list("patchesJson6902")?,
            replacements: list("replacements")?,
            vars: list("vars")?,
            sort_options: m.get("sortOptions").filter(|v| !v.is_null()).cloned(),
            build_metadata: strings("buildMetadata")?,
            openapi: map("openapi")?,
        })
    }
}

/// The text of a scalar as YAML would print it (strings unquoted).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_refuses_helm() {
        let k = Kustomization::parse(
            "resources: [a.yaml]\nbases: [../base]\nnamePrefix: p-\ncommonLabels: {app: x, n: \"1\"}\n",
            "k.yaml",
        )
        .unwrap();
        assert_eq!(k.resources, vec!["a.yaml", "../base"]);
        assert_eq!(k.common_labels["n"], "1");
        // kustomize decodes label maps as map[string]string: numbers are errors.
        assert!(Kustomization::parse("commonLabels: {n: 1}", "k.yaml").is_err());
        assert!(Kustomization::parse("", "k.yaml").is_err());
        assert!(Kustomization::parse("helmCharts: [{name: x}]", "k.yaml").is_err());
        assert!(Kustomization::parse("bogus: 1", "k.yaml").is_err());
    }
}
