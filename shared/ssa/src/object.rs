//! Identity of unstructured objects, formatted as Flux formats them.

use std::fmt;

use serde_json::Value;

use crate::SsaError;

/// The identity of an object: namespace, name, group, version and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjMetadata {
    /// Namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// API group; empty for the core group.
    pub group: String,
    /// API version without the group, e.g. `v1`.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl ObjMetadata {
    /// The identity of an unstructured object; fails when apiVersion, kind or name is missing.
    pub fn from_value(obj: &Value) -> Result<ObjMetadata, SsaError> {
        let api_version = str_at(obj, &["apiVersion"]);
        let kind = str_at(obj, &["kind"]);
        let name = str_at(obj, &["metadata", "name"]);
        let namespace = str_at(obj, &["metadata", "namespace"]);
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(SsaError::InvalidObject(format!(
                "object '{kind}/{name}' (apiVersion '{api_version}') needs apiVersion, kind and metadata.name"
            )));
        }
        let (group, version) = split_api_version(api_version);
        Ok(ObjMetadata {
            namespace: namespace.to_string(),
            name: name.to_string(),
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        })
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The identity without the version, used to compare inventories.
    pub fn key(&self) -> (String, String, String, String) {
        (
            self.namespace.clone(),
            self.name.clone(),
            self.group.clone(),
            self.kind.clone(),
        )
    }
}

/// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects (Flux's `FmtObjMetadata`).
impl fmt::Display for ObjMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Splits `group/version` into its parts; `v1` is the core group.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// `Kind/namespace/name` of an unstructured object, tolerating missing fields.
pub fn subject(obj: &Value) -> String {
    let kind = str_at(obj, &["kind"]);
    let name = str_at(obj, &["metadata", "name"]);
    match str_at(obj, &["metadata", "namespace"]) {
        "" => format!("{kind}/{name}"),
        ns => format!("{kind}/{ns}/{name}"),
    }
}

/// The string at a path of keys, or "".
pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = obj;
    for key in path {
        match cur.get(key) {
            Some(v) => cur = v,
            None => return "",
        }
    }
    cur.as_str().unwrap_or_default()
}

/// The value of an annotation or, as Flux also accepts, a label with that key.
pub fn annotation_or_label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    ["annotations", "labels"].iter().find_map(|field| {
        obj.get("metadata")
            .and_then(|m| m.get(*field))
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_and_subject() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "podinfo", "namespace": "apps"}});
        let id = ObjMetadata::from_value(&obj).unwrap();
        assert_eq!(id.to_string(), "Deployment/apps/podinfo");
        assert_eq!(id.api_version(), "apps/v1");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
        let id = ObjMetadata::from_value(&ns).unwrap();
        assert_eq!((id.group.as_str(), id.version.as_str()), ("", "v1"));
        assert_eq!(id.to_string(), "Namespace/apps");
    }

    #[test]
    fn missing_name_is_an_error_naming_the_kind() {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}});
        let err = ObjMetadata::from_value(&obj).unwrap_err().to_string();
        assert!(err.contains("ConfigMap/"), "{err}");
    }
}
