//! Masterminds-compatible semantic version constraints, as used by Flux.
//!
//! Flux resolves `spec.ref.semver` of a GitRepository (and semver refs of other
//! sources) with github.com/Masterminds/semver/v3. This crate reproduces its lenient
//! version parsing ([`Version::parse`]), its constraint language
//! ([`Constraint::parse`], [`Constraint::matches`]), its ordering, and its prerelease
//! rule: a prerelease version only matches a constraint group that itself names a
//! prerelease.
//!
//! [`latest_matching`] picks the highest version among tag names the way Flux selects
//! a GitRepository `ref.semver` tag, keeping the tag string as it was (so `v1.2.3`
//! stays `v1.2.3` in revisions).

mod constraint;
mod version;

pub use constraint::{Constraint, MAX_CONSTRAINT_GROUPS, MAX_CONSTRAINT_LEN};
pub use version::{MAX_VERSION_LEN, Version};

/// Errors from parsing versions and constraints.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The string is not a semantic version.
    #[error("invalid semantic version '{version}': {reason}")]
    InvalidVersion {
        /// The rejected input.
        version: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The string is not a Masterminds semver constraint.
    #[error("improper semver constraint: '{constraint}'")]
    InvalidConstraint {
        /// The rejected input.
        constraint: String,
    },
}

/// Returns the highest version among `candidates` that satisfies `constraint`, with
/// the candidate string it was parsed from. Candidates are parsed with
/// [`Version::parse_tag`] (Flux ignores tags such as `v1.2` that lack a patch part);
/// strings that are not versions are skipped.
///
/// When two candidates parse to equal versions (`v1.0.0` and `1.0.0`, or differing
/// only in build metadata) the one that comes later in `candidates` wins, which with
/// sorted tag lists matches Flux picking the last of its sorted matches.
pub fn latest_matching<I, S>(candidates: I, constraint: &Constraint) -> Option<(String, Version)>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut best: Option<(String, Version)> = None;
    for candidate in candidates {
        let candidate = candidate.as_ref();
        let Ok(version) = Version::parse_tag(candidate) else {
            continue;
        };
        if !constraint.matches(&version) {
            continue;
        }
        if best.as_ref().is_none_or(|(_, b)| &version >= b) {
            best = Some((candidate.to_string(), version));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_matching_keeps_tag_string_and_skips_prereleases() {
        let tags = ["v1.0.0", "v1.1.0", "v2.0.0-rc.1", "latest", "v0.9"];
        let c = Constraint::parse(">=1.0.0").unwrap();
        let (tag, v) = latest_matching(tags, &c).unwrap();
        assert_eq!(tag, "v1.1.0");
        assert_eq!(v.to_string(), "1.1.0");

        let c = Constraint::parse(">=1.0.0-0").unwrap();
        assert_eq!(latest_matching(tags, &c).unwrap().0, "v2.0.0-rc.1");

        // "v0.9" has no patch part, so Flux does not consider it.
        let c = Constraint::parse("~0.9").unwrap();
        assert!(latest_matching(tags, &c).is_none());
        let c = Constraint::parse("<1").unwrap();
        assert!(latest_matching(tags, &c).is_none());

        let c = Constraint::parse(">=3").unwrap();
        assert!(latest_matching(tags, &c).is_none());
    }

    #[test]
    fn errors_name_the_input() {
        let err = Constraint::parse(">= bar").unwrap_err();
        assert_eq!(err.to_string(), "improper semver constraint: '>= bar'");
        let err = Version::parse("1.2.beta").unwrap_err();
        assert!(err.to_string().contains("'1.2.beta'"), "{err}");
    }
}
