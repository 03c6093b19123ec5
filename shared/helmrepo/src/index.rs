//! The Helm repository index (`index.yaml`), parsed for chart selection only.
//!
//! Helm loads the whole index into full chart metadata; an index of tens of thousands of
//! versions then costs hundreds of MiB. Here the YAML is parsed from a reader by serde
//! into entries that keep only `name`, `version`, `urls` and `digest`; every other field
//! is skipped as it streams by, so memory follows the number of versions. The reader is
//! also capped (Flux's `--helm-index-max-size`), and serde-saphyr's budget bounds alias
//! expansion.

use std::collections::BTreeMap;
use std::io::Read;

use flux_semver::{Constraint, Version};
use serde::{Deserialize, Deserializer};

use crate::Error;

/// One chart version in an index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ChartVersion {
    /// The chart name.
    #[serde(default, deserialize_with = "string_like")]
    pub name: String,
    /// The chart version as written.
    #[serde(default, deserialize_with = "string_like")]
    pub version: String,
    /// Where the archive can be downloaded, absolute or relative to the repository URL.
    #[serde(default)]
    pub urls: Vec<String>,
    /// The archive's SHA-256 (hex), when the index records it.
    #[serde(default)]
    pub digest: Option<String>,
}

/// A parsed index: chart name → versions, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    /// `apiVersion` of the index.
    pub api_version: String,
    /// Versions per chart name, sorted newest first (Helm's `SortEntries`).
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIndex {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    entries: Option<BTreeMap<String, Option<Vec<Option<ChartVersion>>>>>,
}

fn string_like<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Str(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(match Option::<Scalar>::deserialize(d)? {
        None => String::new(),
        Some(Scalar::Str(s)) => s,
        Some(Scalar::Int(i)) => i.to_string(),
        Some(Scalar::Float(f)) => f.to_string(),
        Some(Scalar::Bool(b)) => b.to_string(),
    })
}

impl Index {
    /// Parses an index from `reader`, reading at most `max_size` bytes.
    pub fn from_reader(reader: impl Read, max_size: u64) -> Result<Index, Error> {
        let mut options = serde_saphyr::Options::default();
        let mut budget = options.budget.clone().unwrap_or_default();
        let max = usize::try_from(max_size).unwrap_or(usize::MAX);
        budget.max_reader_input_bytes = Some(max);
        // Every node or event takes at least a couple of input bytes, so the input cap
        // bounds them; the defaults (250k nodes) are too small for real indexes. Alias
        // expansion keeps its own default limits.
        budget.max_nodes = budget.max_nodes.max(max / 2);
        budget.max_events = budget.max_events.max(max);
        budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(max);
        options.budget = Some(budget);
        let raw: RawIndex = serde_saphyr::from_reader_with_options(reader, options)
            .map_err(|e| Error::InvalidIndex(first_line(&e.to_string())))?;
        let api_version = raw
            .api_version
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::InvalidIndex("no API version specified".into()))?;
        let mut entries = BTreeMap::new();
        for (name, versions) in raw.entries.unwrap_or_default() {
            let mut versions: Vec<ChartVersion> = versions
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .filter(|v| !v.version.is_empty())
                .map(|mut v| {
                    if v.name.is_empty() {
                        v.name.clone_from(&name);
                    }
                    v
                })
                .collect();
            sort_newest_first(&mut versions);
            entries.insert(name, versions);
        }
        Ok(Index {
            api_version,
            entries,
        })
    }

    /// Parses an index held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Index, Error> {
        Index::from_reader(bytes, bytes.len() as u64 + 1)
    }

    /// The number of chart versions in the index.
    pub fn len(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    /// Whether the index lists no versions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The version of `name` Helm's `IndexFile.Get` picks: an exact match of `version`
    /// first, else the newest version satisfying the constraint (`*` when empty).
    pub fn get(&self, name: &str, version: &str) -> Result<&ChartVersion, Error> {
        let versions = self
            .entries
            .get(name)
            .ok_or_else(|| Error::ChartNotFound(name.to_string()))?;
        select_version(versions, name, version)
    }
}

/// Picks a version from `versions` (newest first) as Helm does.
pub fn select_version<'a>(
    versions: &'a [ChartVersion],
    name: &str,
    version: &str,
) -> Result<&'a ChartVersion, Error> {
    let version = version.trim();
    if !version.is_empty()
        && let Some(exact) = versions.iter().find(|v| v.version == version)
    {
        return Ok(exact);
    }
    let constraint_text = if version.is_empty() { "*" } else { version };
    let constraint = Constraint::parse(constraint_text)
        .map_err(|_| Error::InvalidVersion(constraint_text.to_string()))?;
    versions
        .iter()
        .find(|v| Version::parse(&v.version).is_ok_and(|parsed| constraint.matches(&parsed)))
        .ok_or_else(|| Error::VersionNotFound {
            name: name.to_string(),
            version: constraint_text.to_string(),
        })
}

fn sort_newest_first(versions: &mut [ChartVersion]) {
    // Unparsable versions sort last, as in Helm's SortEntries.
    versions.sort_by(|a, b| {
        let (va, vb) = (
            Version::parse(&a.version).ok(),
            Version::parse(&b.version).ok(),
        );
        match (va, vb) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.version.cmp(&b.version),
        }
    });
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    if line.len() > 300 {
        let mut end = 300;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &line[..end])
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"
apiVersion: v1
entries:
  podinfo:
    - name: podinfo
      version: 6.0.0
      urls: [podinfo-6.0.0.tgz]
      digest: abc
      description: big text that is skipped
      maintainers: [{name: x}]
    - name: podinfo
      version: 6.1.2
      urls: [https://charts.example.com/podinfo-6.1.2.tgz]
    - name: podinfo
      version: 7.0.0-rc.1
      urls: [podinfo-7.0.0-rc.1.tgz]
    - name: podinfo
      version: 1.10
      urls: [old.tgz]
  other:
generated: "2024-01-01T00:00:00Z"
"#;

    #[test]
    fn parses_and_sorts_newest_first() {
        let index = Index::from_bytes(INDEX.as_bytes()).unwrap();
        assert_eq!(index.api_version, "v1");
        let versions: Vec<&str> = index.entries["podinfo"]
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert_eq!(versions, ["7.0.0-rc.1", "6.1.2", "6.0.0", "1.1"]);
        assert!(index.entries["other"].is_empty());
        assert_eq!(index.len(), 4);
    }

    #[test]
    fn selects_versions_like_helm() {
        let index = Index::from_bytes(INDEX.as_bytes()).unwrap();
        assert_eq!(index.get("podinfo", "").unwrap().version, "6.1.2");
        assert_eq!(index.get("podinfo", "*").unwrap().version, "6.1.2");
        assert_eq!(index.get("podinfo", "6.0.x").unwrap().version, "6.0.0");
        assert_eq!(index.get("podinfo", ">=6.0 <6.1").unwrap().version, "6.0.0");
        assert_eq!(index.get("podinfo", "~6.1").unwrap().version, "6.1.2");
        assert_eq!(index.get("podinfo", "^6").unwrap().version, "6.1.2");
        assert_eq!(
            index.get("podinfo", "<1 || 6.0.0").unwrap().version,
            "6.0.0"
        );
        assert_eq!(
            index.get("podinfo", ">=7.0.0-0").unwrap().version,
            "7.0.0-rc.1"
        );
        assert_eq!(
            index.get("podinfo", "6.0.0").unwrap().digest.as_deref(),
            Some("abc")
        );
        assert!(matches!(
            index.get("podinfo", ">=8"),
            Err(Error::VersionNotFound { .. })
        ));
        assert!(matches!(
            index.get("nope", "*"),
            Err(Error::ChartNotFound(_))
        ));
        assert!(matches!(
            index.get("podinfo", "not a range!"),
            Err(Error::InvalidVersion(_))
        ));
    }

    #[test]
    fn corrupt_indexes_are_errors_not_panics() {
        for bad in [
            "entries: [",
            "apiVersion: v1\nentries: 42\n",
            "just a string",
            "entries: {}\n",
            "\u{0}\u{1}binary",
        ] {
            let err = Index::from_bytes(bad.as_bytes()).unwrap_err();
            assert!(matches!(err, Error::InvalidIndex(_)), "{bad:?}: {err}");
        }
    }

    #[test]
    fn the_reader_is_capped() {
        let big = format!("apiVersion: v1\nentries: {{}}\n# {}\n", "x".repeat(10_000));
        let err = Index::from_reader(big.as_bytes(), 1000).unwrap_err();
        assert!(matches!(err, Error::InvalidIndex(_)), "{err}");
    }

    #[test]
    fn alias_bombs_are_rejected() {
        let mut doc = String::from("apiVersion: v1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        doc.push_str("entries: {}\n");
        assert!(Index::from_bytes(doc.as_bytes()).is_err());
    }
}
