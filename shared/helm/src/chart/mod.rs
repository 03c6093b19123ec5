//! Charts: metadata (Chart.yaml), default values, templates, files and
//! subcharts, loaded from a directory the way Helm's loader does it.

pub mod deps;
pub mod helmignore;
pub mod load;
pub mod schema;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::template::value::{Map, Value};

/// An `import-values` entry: `"name"` (from `exports.name`) or `{child, parent}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ImportValue {
    /// Import `exports.<name>` of the child into the parent's root.
    Name(String),
    /// Import child path into parent path.
    Map {
        /// Path in the child's values.
        child: String,
        /// Path in the parent's values.
        parent: String,
    },
}

/// A dependency entry of Chart.yaml (or requirements.yaml).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// Chart name.
    #[serde(default)]
    pub name: String,
    /// Version constraint.
    #[serde(default)]
    pub version: Option<String>,
    /// Repository URL.
    #[serde(default)]
    pub repository: Option<String>,
    /// Comma-separated value paths enabling the dependency.
    #[serde(default)]
    pub condition: Option<String>,
    /// Tags enabling the dependency.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Values to import into the parent.
    #[serde(default, rename = "import-values")]
    pub import_values: Option<Vec<ImportValue>>,
    /// Alias (the name the subchart is known by).
    #[serde(default)]
    pub alias: Option<String>,
    /// Set while processing conditions.
    #[serde(skip)]
    pub enabled: bool,
}

/// A maintainer entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Maintainer {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// Chart.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// `apiVersion` (v1 or v2).
    #[serde(default)]
    pub api_version: Option<String>,
    /// Chart name.
    #[serde(default)]
    pub name: Option<String>,
    /// Chart version (SemVer).
    #[serde(default)]
    pub version: Option<String>,
    /// Supported Kubernetes versions constraint.
    #[serde(default)]
    pub kube_version: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `application` or `library`.
    #[serde(default, rename = "type")]
    pub chart_type: Option<String>,
    /// Keywords.
    #[serde(default)]
    pub keywords: Option<Vec<String>>,
    /// Home page.
    #[serde(default)]
    pub home: Option<String>,
    /// Source URLs.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    /// Dependencies.
    #[serde(default)]
    pub dependencies: Option<Vec<Dependency>>,
    /// Maintainers.
    #[serde(default)]
    pub maintainers: Option<Vec<Maintainer>>,
    /// Icon URL.
    #[serde(default)]
    pub icon: Option<String>,
    /// App version.
    #[serde(default)]
    pub app_version: Option<String>,
    /// Deprecated flag.
    #[serde(default)]
    pub deprecated: Option<bool>,
    /// Annotations.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Legacy condition.
    #[serde(default)]
    pub condition: Option<String>,
    /// Legacy tags.
    #[serde(default)]
    pub tags: Option<String>,
}

/// Only the dependencies of requirements.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Requirements {
    /// Dependencies.
    #[serde(default)]
    pub dependencies: Option<Vec<Dependency>>,
}

/// A loaded chart.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// Chart.yaml.
    pub metadata: Metadata,
    /// values.yaml (a map; numbers are float64 as in Helm).
    pub values: Map,
    /// values.schema.json.
    pub schema: Option<serde_json::Value>,
    /// `templates/...` files: (name relative to chart root, text).
    pub templates: Vec<(String, std::sync::Arc<str>)>,
    /// All other files (including `crds/`); shared, not copied, by the
    /// chart's copies (aliases) and its `.Files` object.
    pub files: std::sync::Arc<BTreeMap<String, Vec<u8>>>,
    /// Subcharts.
    pub dependencies: Vec<Chart>,
    /// The path of this chart in the tree (`parent/charts/name`).
    pub full_path: String,
}

impl Chart {
    /// The chart's name.
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or("")
    }

    /// Is this a library chart?
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type.as_deref() == Some("library")
    }

    /// The `.Chart` object templates see (Go field names, zero values for unset fields).
    pub fn metadata_value(&self) -> Value {
        let m = &self.metadata;
        let s = |o: &Option<String>| Value::from(o.clone().unwrap_or_default());
        let l = |o: &Option<Vec<String>>| match o {
            Some(v) => Value::from(
                v.iter()
                    .map(|x| Value::from(x.as_str()))
                    .collect::<Vec<_>>(),
            ),
            None => Value::from(Vec::new()),
        };
        let mut out = Map::new();
        out.insert("Name".into(), s(&m.name));
        out.insert("Home".into(), s(&m.home));
        out.insert("Sources".into(), l(&m.sources));
        out.insert("Version".into(), s(&m.version));
        out.insert("Description".into(), s(&m.description));
        out.insert("Keywords".into(), l(&m.keywords));
        out.insert("Icon".into(), s(&m.icon));
        out.insert("APIVersion".into(), s(&m.api_version));
        out.insert("Condition".into(), s(&m.condition));
        out.insert("Tags".into(), s(&m.tags));
        out.insert("AppVersion".into(), s(&m.app_version));
        out.insert(
            "Deprecated".into(),
            Value::Bool(m.deprecated.unwrap_or(false)),
        );
        out.insert("KubeVersion".into(), s(&m.kube_version));
        out.insert("Type".into(), s(&m.chart_type));
        out.insert(
            "Annotations".into(),
            match &m.annotations {
                Some(a) => Value::from(
                    a.iter()
                        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                        .collect::<Map>(),
                ),
                None => Value::Nil,
            },
        );
        out.insert(
            "Maintainers".into(),
            match &m.maintainers {
                Some(ms) => Value::from(
                    ms.iter()
                        .map(|x| {
                            let mut mm = Map::new();
                            mm.insert("Name".into(), s(&x.name));
                            mm.insert("Email".into(), s(&x.email));
                            mm.insert("URL".into(), s(&x.url));
                            Value::from(mm)
                        })
                        .collect::<Vec<_>>(),
                ),
                None => Value::from(Vec::new()),
            },
        );
        out.insert("IsRoot".into(), Value::Bool(!self.full_path.contains('/')));
        let deps = self.metadata.dependencies.as_deref().unwrap_or_default();
        out.insert(
            "Dependencies".into(),
            Value::from(
                deps.iter()
                    .map(|d| {
                        let mut mm = Map::new();
                        mm.insert("Name".into(), Value::from(d.name.as_str()));
                        mm.insert("Version".into(), s(&d.version));
                        mm.insert("Repository".into(), s(&d.repository));
                        mm.insert("Condition".into(), s(&d.condition));
                        mm.insert("Alias".into(), s(&d.alias));
                        mm.insert("Enabled".into(), Value::Bool(d.enabled));
                        let tags = d.tags.as_deref().unwrap_or_default();
                        mm.insert(
                            "Tags".into(),
                            Value::from(
                                tags.iter()
                                    .map(|t| Value::from(t.as_str()))
                                    .collect::<Vec<_>>(),
                            ),
                        );
                        let imports = d.import_values.as_deref().unwrap_or_default();
                        let imports: Vec<Value> = imports
                            .iter()
                            .map(|iv| {
                                let (child, parent) = match iv {
                                    ImportValue::Name(n) => {
                                        (format!("exports.{n}"), ".".to_string())
                                    }
                                    ImportValue::Map { child, parent } => {
                                        (child.clone(), parent.clone())
                                    }
                                };
                                let mut m = Map::new();
                                m.insert("child".into(), Value::from(child));
                                m.insert("parent".into(), Value::from(parent));
                                Value::from(m)
                            })
                            .collect();
                        mm.insert("ImportValues".into(), Value::from(imports));
                        Value::from(mm)
                    })
                    .collect::<Vec<_>>(),
            ),
        );
        Value::from(out)
    }
}
