//! `oci://` URLs and references.

use crate::Error;

/// A repository: `oci://<registry>/<repository>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OciUrl {
    /// `host[:port]`.
    pub registry: String,
    /// The repository path.
    pub repository: String,
}

impl OciUrl {
    /// Parses a Flux OCI URL; it must not carry a tag or digest (those go in `spec.ref`).
    pub fn parse(url: &str) -> Result<OciUrl, Error> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let rest = url
            .strip_prefix("oci://")
            .ok_or_else(|| invalid("URL must start with oci://"))?;
        let (registry, repository) = rest
            .split_once('/')
            .ok_or_else(|| invalid("URL must name a repository: oci://<host>/<repository>"))?;
        let repository = repository.trim_end_matches('/');
        if registry.is_empty() || repository.is_empty() {
            return Err(invalid("URL must name a registry and a repository"));
        }
        if url.chars().any(char::is_whitespace) {
            return Err(invalid("URL contains whitespace"));
        }
        if repository.contains('@')
            || repository
                .rsplit('/')
                .next()
                .is_some_and(|l| l.contains(':'))
        {
            return Err(invalid(
                "URL must not contain a tag or digest; use spec.ref",
            ));
        }
        if repository
            .chars()
            .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c)))
        {
            return Err(invalid(
                "repository names are lower-case letters, digits, '.', '_', '-' and '/'",
            ));
        }
        Ok(OciUrl {
            registry: registry.to_string(),
            repository: repository.to_string(),
        })
    }

    /// `oci://<registry>/<repository>`.
    pub fn to_url(&self) -> String {
        format!("oci://{}/{}", self.registry, self.repository)
    }

    pub(crate) fn with_tag(&self, tag: &str) -> oci_client::Reference {
        oci_client::Reference::with_tag(
            self.registry.clone(),
            self.repository.clone(),
            tag.to_string(),
        )
    }

    pub(crate) fn with_digest(&self, digest: &str) -> oci_client::Reference {
        oci_client::Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            digest.to_string(),
        )
    }
}

/// What to pull, after Flux's precedence: digest > semver > tag > `latest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OciRef {
    /// A manifest digest `sha256:<hex>`.
    Digest(String),
    /// The highest tag in a Masterminds range, optionally among tags matching a regex.
    Semver {
        /// The range.
        range: String,
        /// The `semverFilter` regex.
        filter: Option<String>,
    },
    /// A tag.
    Tag(String),
}

impl OciRef {
    /// From `spec.ref` fields.
    pub fn from_spec(
        digest: Option<&str>,
        semver: Option<&str>,
        semver_filter: Option<&str>,
        tag: Option<&str>,
    ) -> OciRef {
        let set = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let Some(d) = set(digest) {
            OciRef::Digest(d)
        } else if let Some(range) = set(semver) {
            OciRef::Semver {
                range,
                filter: set(semver_filter),
            }
        } else {
            OciRef::Tag(set(tag).unwrap_or_else(|| "latest".to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = OciUrl::parse("oci://127.0.0.1:5000/org/app").unwrap();
        assert_eq!(u.registry, "127.0.0.1:5000");
        assert_eq!(u.repository, "org/app");
        for bad in [
            "https://x/y",
            "oci://host",
            "oci://host/app:v1",
            "oci://host/app@sha256:abc",
            "oci://host/App",
        ] {
            assert!(OciUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ref_precedence() {
        assert_eq!(
            OciRef::from_spec(Some("sha256:a"), Some("1.x"), None, Some("v1")),
            OciRef::Digest("sha256:a".into())
        );
        assert_eq!(
            OciRef::from_spec(None, Some("1.x"), Some("^v"), Some("v1")),
            OciRef::Semver {
                range: "1.x".into(),
                filter: Some("^v".into())
            }
        );
        assert_eq!(
            OciRef::from_spec(None, None, None, None),
            OciRef::Tag("latest".into())
        );
    }
}
