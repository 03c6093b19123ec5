//! Splitting rendered files into manifests, separating hooks, and sorting
//! by Helm's install order (releaseutil's SortManifests and kind sorter).

use crate::error::HelmError;
use crate::template::value::Value;
use crate::yaml::load::parse_manifest_head;

/// Kinds in the order Helm installs them.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

/// One rendered manifest (a YAML document) and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// Template path, e.g. `chart/templates/deployment.yaml`.
    pub source: String,
    /// The document text.
    pub content: String,
    /// `kind` of the object.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// Hook events (empty for regular manifests).
    pub hook_events: Vec<String>,
}

impl Manifest {
    /// Is this a test hook?
    pub fn is_test_hook(&self) -> bool {
        self.hook_events
            .iter()
            .any(|e| e == "test" || e == "test-success")
    }
}

/// Helm 4's `SplitManifests`: documents keep trailing whitespace, lose leading.
pub fn split_manifests(text: &str) -> Vec<String> {
    split_on_separators(text.trim_start())
        .into_iter()
        .filter(|d| !d.is_empty())
        .map(|d| d.trim_start().to_string())
        .collect()
}

/// Go's `\s`.
fn is_go_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

/// The next match of Helm's separator `(?:^|\s*\n)---\s*` at or after
/// `from`, leftmost first: a run of spaces ending in a newline right before
/// `---` (the run starts the match), or `---` at the very start.
fn next_separator(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let after_dashes = |at: usize| {
        let mut end = at + 3;
        while b.get(end).is_some_and(|&c| is_go_space(c)) {
            end += 1;
        }
        end
    };
    if from == 0 && b.starts_with(b"---") {
        return Some((0, after_dashes(0)));
    }
    let mut p = from;
    while p < b.len() {
        if !is_go_space(b[p]) {
            p += 1;
            continue;
        }
        // Every start inside this run of spaces shares its end, so the run
        // matches from its first byte or not at all.
        let mut q = p;
        while q < b.len() && is_go_space(b[q]) {
            q += 1;
        }
        if b[q - 1] == b'\n' && b[q..].starts_with(b"---") {
            return Some((p, after_dashes(q)));
        }
        p = q;
    }
    None
}

/// `regexp.Split(text, -1)` with Helm's separator.
fn split_on_separators(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut last = 0;
    while let Some((start, end)) = next_separator(b, last) {
        parts.push(&text[last..start]);
        last = end;
    }
    parts.push(&text[last..]);
    parts
}

fn order(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

/// Stable sort by install order; unknown kinds last, alphabetically.
pub fn sort_by_kind(items: &mut [Manifest]) {
    items.sort_by(|a, b| match (order(&a.kind), order(&b.kind)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.kind.cmp(&b.kind),
    });
}

fn str_field(v: &Value, what: &str, file: &str) -> Result<String, HelmError> {
    match v {
        Value::Nil => Ok(String::new()),
        Value::Str(s) => Ok(s.to_string()),
        // sigs.k8s.io/yaml keeps a scalar's text when the target is a string.
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => Ok(crate::template::gofmt::format_v(v)),
        other => Err(HelmError::Manifest {
            file: file.into(),
            msg: format!(
                "error unmarshaling JSON: json: cannot unmarshal {} into Go struct field {what} of type string",
                other.kind_name()
            ),
        }),
    }
}

/// One rendered file split into documents and read: each manifest with
/// whether it is a hook (hooks with unknown events are dropped, as Helm does).
pub type SplitFile = Result<Vec<(Manifest, bool)>, HelmError>;

/// Split one rendered file and read each document's head (`SimpleHead`).
/// Independent per file, so it can run while other templates render.
pub fn split_file(path: &str, content: &str) -> SplitFile {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut out = Vec::new();
    if base.starts_with('_') || content.trim().is_empty() {
        return Ok(out);
    }
    for doc in split_manifests(content) {
        let head = parse_manifest_head(&doc).map_err(|e| HelmError::Manifest {
            file: path.into(),
            msg: format!("error converting YAML to JSON: {e}"),
        })?;
        match &head {
            Value::Nil | Value::Map(_) => {}
            other => {
                return Err(HelmError::Manifest {
                    file: path.into(),
                    msg: format!(
                        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type util.SimpleHead",
                        other.kind_name()
                    ),
                });
            }
        }
        let kind = str_field(&head.get("kind"), "kind", path)?;
        let meta = head.get("metadata");
        let name = str_field(&meta.get("name"), "metadata.name", path)?;
        let annotations = meta.get("annotations");
        let mut hook = None;
        if let Value::Map(_) = &annotations {
            for (k, v) in annotations.map_snapshot().unwrap_or_default() {
                let s = str_field(&v, "metadata.annotations", path)?;
                if k == "helm.sh/hook" {
                    hook = Some(s);
                }
            }
        }
        let mut m = Manifest {
            source: path.into(),
            content: doc,
            kind,
            name,
            hook_events: Vec::new(),
        };
        match hook {
            None => out.push((m, false)),
            Some(h) => {
                let events: Vec<String> = h.split(',').map(|e| e.trim().to_lowercase()).collect();
                if events.iter().all(|e| HOOK_EVENTS.contains(&e.as_str())) {
                    m.hook_events = events;
                    out.push((m, true));
                }
            }
        }
    }
    Ok(out)
}

/// Order split files into (hooks, manifests) like `SortManifests`: by path,
/// then stably by kind; the first failing file in path order is the error.
pub fn assemble(
    mut files: Vec<(String, SplitFile)>,
) -> Result<(Vec<Manifest>, Vec<Manifest>), HelmError> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (_, split) in files {
        for (m, is_hook) in split? {
            if is_hook {
                hooks.push(m);
            } else {
                generic.push(m);
            }
        }
    }
    sort_by_kind(&mut hooks);
    sort_by_kind(&mut generic);
    Ok((hooks, generic))
}

/// Sort rendered files (path → text) into (hooks, manifests) like `SortManifests`.
pub fn sort_manifests(
    files: Vec<(String, String)>,
) -> Result<(Vec<Manifest>, Vec<Manifest>), HelmError> {
    assemble(
        files
            .into_iter()
            .map(|(p, c)| {
                let split = split_file(&p, &c);
                (p, split)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_split_like_helms_regexp() {
        // Go's \s is ASCII; the Rust class is spelled out to match it.
        let re = regex::Regex::new(r"(?:^|[\t\n\x0c\r ]*\n)---[\t\n\x0c\r ]*").unwrap();
        let alphabet = [" ", "\n", "-", "a", "\t", "---", "\n---", "\r\n"];
        let mut cases: Vec<String> = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..6 {
            let mut next = Vec::new();
            for s in &level {
                for a in alphabet {
                    next.push(format!("{s}{a}"));
                }
            }
            cases.extend(next.iter().cloned());
            level = next;
        }
        for c in &cases {
            let want: Vec<&str> = re.split(c).collect();
            assert_eq!(split_on_separators(c), want, "{c:?}");
        }
    }

    #[test]
    fn splits_and_sorts() {
        let files = vec![
            (
                "c/templates/a.yaml".to_string(),
                "kind: Deployment\n---\nkind: Service\n---\n# only a comment\n".to_string(),
            ),
            (
                "c/templates/b.yaml".to_string(),
                "kind: Foo\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n".to_string(),
            ),
            ("c/templates/_h.tpl".to_string(), "kind: Secret".to_string()),
            (
                "c/templates/c.yaml".to_string(),
                "kind: Namespace\n".to_string(),
            ),
        ];
        let (hooks, m) = sort_manifests(files).unwrap();
        let kinds: Vec<&str> = m.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, vec!["Namespace", "Service", "Deployment", ""]);
        assert_eq!(hooks.len(), 1);
        let bad = vec![("c/templates/x.yaml".to_string(), "just text".to_string())];
        assert!(sort_manifests(bad).is_err());
    }
}
