//! The ETag index of a bucket and Flux's revision over it.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Object key → ETag (quotes stripped, as minio-go reports them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EtagIndex {
    entries: BTreeMap<String, String>,
}

impl EtagIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces an object.
    pub fn insert(&mut self, key: impl Into<String>, etag: impl Into<String>) {
        let etag = etag.into();
        self.entries
            .insert(key.into(), etag.trim_matches('"').to_string());
    }

    /// The objects, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many objects are indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no object is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `sha256:<hex>` over the sorted `"<key> <etag>\n"` lines (Flux's `index.Digest`).
    pub fn revision(&self) -> String {
        let mut hasher = Sha256::new();
        for (key, etag) in &self.entries {
            hasher.update(key.as_bytes());
            hasher.update(b" ");
            hasher.update(etag.as_bytes());
            hasher.update(b"\n");
        }
        format!("sha256:{}", hex::encode(hasher.finalize()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_is_the_digest_of_sorted_key_etag_lines() {
        let mut index = EtagIndex::new();
        index.insert("b.yaml", "\"etag-b\"");
        index.insert("a.yaml", "etag-a");
        let expected = hex::encode(Sha256::digest(b"a.yaml etag-a\nb.yaml etag-b\n"));
        assert_eq!(index.revision(), format!("sha256:{expected}"));
        let before = index.revision();
        index.insert("b.yaml", "etag-b2");
        assert_ne!(index.revision(), before);
        // The empty index has the digest of nothing.
        assert_eq!(
            EtagIndex::new().revision(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
