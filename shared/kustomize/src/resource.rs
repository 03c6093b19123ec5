//! Resources, their ids (group/version/kind/name/namespace) and the history of
//! ids a resource had during the build (used to match patches and fix name references).

use serde_json::{Map, Value};

/// Group, version and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Gvk {
    /// API group, empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` into group and version.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    /// True when `selector`'s non-empty fields all equal ours.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// kustomize's stable sort string: `group_version_kind` with `~G`/`~V`/`~K` for empties.
    pub fn stable_sort_string(&self) -> String {
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "{}_{}_{}",
            or(&self.group, "~G"),
            or(&self.version, "~V"),
            or(&self.kind, "~K")
        )
    }

    /// Whether this kind is certainly cluster-scoped.
    pub fn is_cluster_scoped(&self) -> bool {
        is_cluster_scoped(&self.group, &self.version, &self.kind)
    }
}

/// Whether kustomize knows (group, version, kind) as cluster-scoped: the table
/// precomputed from the Kubernetes 1.21 OpenAPI data kustomize v5.8 bundles
/// (so newer versions, like `flowcontrol.apiserver.k8s.io/v1`, count as namespaced).
pub fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    matches!(
        (group, version, kind),
        (
            "admissionregistration.k8s.io",
            "v1",
            "MutatingWebhookConfiguration"
        ) | (
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingWebhookConfiguration"
        ) | (
            "admissionregistration.k8s.io",
            "v1beta1",
            "MutatingWebhookConfiguration"
        ) | (
            "admissionregistration.k8s.io",
            "v1beta1",
            "ValidatingWebhookConfiguration"
        ) | ("apiextensions.k8s.io", "v1", "CustomResourceDefinition")
            | (
                "apiextensions.k8s.io",
                "v1beta1",
                "CustomResourceDefinition"
            )
            | ("apiregistration.k8s.io", "v1", "APIService")
            | ("apiregistration.k8s.io", "v1beta1", "APIService")
            | ("certificates.k8s.io", "v1", "CertificateSigningRequest")
            | (
                "certificates.k8s.io",
                "v1beta1",
                "CertificateSigningRequest"
            )
            | ("flowcontrol.apiserver.k8s.io", "v1beta1", "FlowSchema")
            | (
                "flowcontrol.apiserver.k8s.io",
                "v1beta1",
                "PriorityLevelConfiguration"
            )
            | ("networking.k8s.io", "v1", "IngressClass")
            | ("networking.k8s.io", "v1beta1", "IngressClass")
            | ("node.k8s.io", "v1", "RuntimeClass")
            | ("node.k8s.io", "v1beta1", "RuntimeClass")
            | ("policy", "v1beta1", "PodSecurityPolicy")
            | ("rbac.authorization.k8s.io", "v1", "ClusterRole")
            | ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding")
            | ("rbac.authorization.k8s.io", "v1beta1", "ClusterRole")
            | ("rbac.authorization.k8s.io", "v1beta1", "ClusterRoleBinding")
            | ("scheduling.k8s.io", "v1", "PriorityClass")
            | ("scheduling.k8s.io", "v1beta1", "PriorityClass")
            | ("storage.k8s.io", "v1", "CSIDriver")
            | ("storage.k8s.io", "v1", "CSINode")
            | ("storage.k8s.io", "v1", "StorageClass")
            | ("storage.k8s.io", "v1", "VolumeAttachment")
            | ("storage.k8s.io", "v1beta1", "CSIDriver")
            | ("storage.k8s.io", "v1beta1", "CSINode")
            | ("storage.k8s.io", "v1beta1", "StorageClass")
            | ("storage.k8s.io", "v1beta1", "VolumeAttachment")
            | ("", "v1", "ComponentStatus")
            | ("", "v1", "Namespace")
            | ("", "v1", "Node")
            | ("", "v1", "NodeProxyOptions")
            | ("", "v1", "PersistentVolume")
    )
}

/// A resource id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// metadata.name
    pub name: String,
    /// metadata.namespace
    pub namespace: String,
}

impl ResId {
    /// The namespace used for equality: `default` for empty, a marker for cluster-scoped kinds.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            "_non_namespaceable_"
        } else if self.namespace.is_empty() || self.namespace == "default" {
            "default"
        } else {
            &self.namespace
        }
    }

    /// kustomize's `ResId.Equals`: same GVK, name and effective namespace.
    pub fn equals(&self, o: &ResId) -> bool {
        self.name == o.name
            && self.gvk == o.gvk
            && self.effective_namespace() == o.effective_namespace()
    }
}

impl std::fmt::Display for ResId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            or(&self.gvk.kind, "[noKind]"),
            or(&self.gvk.version, "[noVer]"),
            or(&self.gvk.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

/// How a generated resource combines with an existing one of the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// Must not exist yet.
    #[default]
    Create,
    /// Replaces the existing one.
    Replace,
    /// Merges into the existing one.
    Merge,
}

/// One object in the build, with the bookkeeping kustomize keeps on it.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The object itself.
    pub obj: Value,
    /// Ids this resource had before its current one, oldest first.
    pub prev_ids: Vec<ResId>,
    /// Generated objects that get a content-hash suffix at the end of the build.
    pub needs_hash: bool,
    /// Behavior for generated resources.
    pub behavior: Behavior,
    /// Name prefixes and suffixes applied so far (for name reference disambiguation).
    pub prefixes: Vec<String>,
    /// See `prefixes`.
    pub suffixes: Vec<String>,
    /// Vars (by name) whose objref matched this resource where they were declared.
    pub ref_var_names: Vec<String>,
    /// Where the resource came from.
    pub origin: Option<crate::origin::Origin>,
    /// Built-in transformers that changed it.
    pub transformations: Vec<crate::origin::Transformation>,
    /// Set for objects from `generators:`/`transformers:` config files that are not resources.
    pub is_local_config: bool,
}

impl Resource {
    /// Wraps an object.
    pub fn new(obj: Value) -> Resource {
        Resource {
            obj,
            prev_ids: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            ref_var_names: Vec::new(),
            origin: None,
            transformations: Vec::new(),
            is_local_config: false,
        }
    }

    /// apiVersion + kind.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(
            str_at(&self.obj, &["apiVersion"]),
            str_at(&self.obj, &["kind"]),
        )
    }

    /// metadata.name
    pub fn name(&self) -> &str {
        str_at(&self.obj, &["metadata", "name"])
    }

    /// metadata.namespace
    pub fn namespace(&self) -> &str {
        str_at(&self.obj, &["metadata", "namespace"])
    }

    /// The current id.
    pub fn cur_id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// The id the resource had when it was loaded.
    pub fn org_id(&self) -> ResId {
        self.prev_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.cur_id())
    }

    /// Current id followed by all previous ones.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = self.prev_ids.clone();
        ids.push(self.cur_id());
        ids
    }

    /// Records the current id in the history (call before changing name/namespace/kind).
    pub fn remember_id(&mut self) {
        let id = self.cur_id();
        self.prev_ids.push(id);
    }

    /// Sets metadata.name (records history).
    pub fn set_name(&mut self, name: &str) {
        if self.name() != name {
            self.remember_id();
            set_metadata_field(&mut self.obj, "name", Value::String(name.to_string()));
        }
    }

    /// The labels map, if any.
    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.obj.get("metadata")?.get("labels")?.as_object()
    }

    /// The annotations map, if any.
    pub fn annotations(&self) -> Option<&Map<String, Value>> {
        self.obj.get("metadata")?.get("annotations")?.as_object()
    }
}

fn set_metadata_field(obj: &mut Value, field: &str, v: Value) {
    if let Some(o) = obj.as_object_mut() {
        let md = o
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !md.is_object() {
            *md = Value::Object(Map::new());
        }
        if let Some(m) = md.as_object_mut() {
            m.insert(field.to_string(), v);
        }
    }
}

/// The string at a path of map keys, or "".
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_compare_by_effective_namespace() {
        let a = Resource::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
        );
        let mut b = a.clone();
        b.obj["metadata"]["namespace"] = json!("default");
        assert!(a.cur_id().equals(&b.cur_id()));
        b.set_name("y");
        assert_eq!(b.prev_ids.len(), 1);
        assert_eq!(b.org_id().name, "x");
        assert!(!a.cur_id().equals(&b.cur_id()));
    }
}
