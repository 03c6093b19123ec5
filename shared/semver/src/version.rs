//! Lenient semantic versions with Masterminds/semver v3 parsing and ordering.
//!
//! Masterminds' `NewVersion` accepts a leading `v`, omitted minor and patch numbers (`v1.2`,
//! `1`) and leading zeros in the numeric parts; it rejects a fourth numeric part and
//! prerelease identifiers that are numeric with a leading zero (`alpha.01`).

use std::cmp::Ordering;
use std::fmt;

use crate::Error;

/// Longest version string accepted, as in Masterminds (`MaxVersionLen`).
pub const MAX_VERSION_LEN: usize = 256;

/// A parsed semantic version. Build metadata is kept but ignored by comparisons.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

impl Version {
    /// Parses a version leniently, as Masterminds' `NewVersion` does: `v1.2` is `1.2.0`.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidVersion {
            version: input.to_string(),
            reason: reason.to_string(),
        };
        if input.len() > MAX_VERSION_LEN {
            return Err(invalid("longer than 256 bytes"));
        }
        let body = input.strip_prefix('v').unwrap_or(input);
        let (core_and_pre, metadata) = match body.split_once('+') {
            Some((c, m)) => (c, Some(m)),
            None => (body, None),
        };
        let (core, pre) = match core_and_pre.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (core_and_pre, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3 {
            return Err(invalid("more than three numeric parts"));
        }
        let mut nums = [0u64; 3];
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("numeric parts must be digits"));
            }
            nums[i] = part
                .parse()
                .map_err(|_| invalid("numeric part out of range"))?;
        }
        let pre = match pre {
            Some(p) => {
                validate_identifiers(p, true).map_err(&invalid)?;
                p.to_string()
            }
            None => String::new(),
        };
        let metadata = match metadata {
            Some(m) => {
                validate_identifiers(m, false).map_err(&invalid)?;
                m.to_string()
            }
            None => String::new(),
        };
        Ok(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre,
            metadata,
            original: input.to_string(),
        })
    }

    /// Parses a tag as Flux's `version.ParseVersion` does when selecting tags: the
    /// string must have at least three dot-separated parts (`v1.2.3`, `2025.02.03-rc.1`;
    /// not `v1.2`), and is then parsed leniently.
    pub fn parse_tag(input: &str) -> Result<Self, Error> {
        if input.splitn(3, '.').count() != 3 {
            return Err(Error::InvalidVersion {
                version: input.to_string(),
                reason: "a tag version needs major, minor and patch".into(),
            });
        }
        Version::parse(input)
    }

    /// Builds a version from its parts (used for constraint bounds).
    pub(crate) fn from_parts(major: u64, minor: u64, patch: u64, pre: &str) -> Self {
        let mut v = Version {
            major,
            minor,
            patch,
            pre: pre.to_string(),
            metadata: String::new(),
            original: String::new(),
        };
        v.original = v.to_string();
        v
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor number (0 when omitted).
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch number (0 when omitted).
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The prerelease without its leading `-`, empty for a release.
    pub fn prerelease(&self) -> &str {
        &self.pre
    }

    /// The build metadata without its leading `+`.
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// The string this version was parsed from (e.g. `v1.2`).
    pub fn original(&self) -> &str {
        &self.original
    }
}

/// Checks dot-separated identifiers of `[0-9A-Za-z-]`; prerelease numeric
/// identifiers must not start with 0.
fn validate_identifiers(s: &str, prerelease: bool) -> Result<(), &'static str> {
    for ident in s.split('.') {
        if ident.is_empty() {
            return Err("empty prerelease or metadata identifier");
        }
        if !ident
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("invalid character in prerelease or metadata");
        }
        if prerelease
            && ident.len() > 1
            && ident.starts_with('0')
            && ident.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("numeric prerelease identifier starts with 0");
        }
    }
    Ok(())
}

/// Compares prerelease strings; an empty prerelease (a release) is greater.
pub(crate) fn compare_prerelease(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Greater;
    }
    if b.is_empty() {
        return Ordering::Less;
    }
    let mut ai = a.split('.');
    let mut bi = b.split('.');
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = compare_pre_part(x, y);
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

fn compare_pre_part(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(x), Some(y)) => x.cmp(&y),
        // Numeric identifiers have lower precedence than alphanumeric ones.
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| compare_prerelease(&self.pre, &other.pre))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Equality ignores build metadata and the original spelling, as Masterminds' `Equal`.
impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::str::FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Version::parse(s)
    }
}

/// Prints the normalized form (`1.2.0-beta.5`), without the `v` prefix.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Masterminds version_test.go TestNewVersion.
    #[test]
    fn parse_table() {
        let cases = [
            ("1.2.3", false),
            ("1.2.3-alpha.01", true),
            ("1.2.3+test.01", false),
            ("1.2.3-alpha.-1", false),
            ("v1.2.3", false),
            ("1.0", false),
            ("v1.0", false),
            ("1", false),
            ("v1", false),
            ("1.2.beta", true),
            ("v1.2.beta", true),
            ("foo", true),
            ("1.2-5", false),
            ("v1.2-5", false),
            ("1.2-beta.5", false),
            ("v1.2-beta.5", false),
            ("\n1.2", true),
            ("\nv1.2", true),
            ("1.2.0-x.Y.0+metadata", false),
            ("v1.2.0-x.Y.0+metadata", false),
            ("1.2.0-x.Y.0+metadata-width-hypen", false),
            ("v1.2.0-x.Y.0+metadata-width-hypen", false),
            ("1.2.3-rc1-with-hypen", false),
            ("v1.2.3-rc1-with-hypen", false),
            ("1.2.3.4", true),
            ("v1.2.3.4", true),
            ("1.2.2147483648", false),
            ("1.2147483648.3", false),
            ("2147483648.3.0", false),
            ("12.3.4.1234", true),
            ("12.23.4.1234", true),
            ("12.3.34.1234", true),
            ("20221209-update-renovatejson-v4", false),
            ("", true),
            ("1.2.3-", true),
            ("1.2.3+", true),
            ("1.2.3-foo☃", true),
        ];
        for (input, err) in cases {
            assert_eq!(Version::parse(input).is_err(), err, "{input:?}");
        }
    }

    #[test]
    fn tag_versions_need_three_parts() {
        assert!(Version::parse_tag("v1.2").is_err());
        assert!(Version::parse_tag("1").is_err());
        assert_eq!(Version::parse_tag("v1.2.3").unwrap().to_string(), "1.2.3");
        assert_eq!(
            Version::parse_tag("2025.02.03-rc.1").unwrap().to_string(),
            "2025.2.3-rc.1"
        );
        // Dots in the prerelease count, as in Flux's strings.SplitN check.
        assert_eq!(
            Version::parse_tag("1.2-rc.1").unwrap().to_string(),
            "1.2.0-rc.1"
        );
    }

    // Masterminds TestCoerceString and TestOriginal.
    #[test]
    fn display_and_original() {
        let cases = [
            ("1.2.3", "1.2.3"),
            ("v1.2.3", "1.2.3"),
            ("1.0", "1.0.0"),
            ("v1.0", "1.0.0"),
            ("1", "1.0.0"),
            ("v1", "1.0.0"),
            ("1.2-5", "1.2.0-5"),
            ("v1.2-5", "1.2.0-5"),
            ("1.2-beta.5", "1.2.0-beta.5"),
            ("v1.2-beta.5", "1.2.0-beta.5"),
            ("1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"),
            ("v1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"),
            ("1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"),
            ("v1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"),
        ];
        for (input, expected) in cases {
            let v = Version::parse(input).unwrap();
            assert_eq!(v.to_string(), expected);
            assert_eq!(v.original(), input);
        }
        let v = Version::parse("1.2.3-beta.1+build.123").unwrap();
        assert_eq!(
            (
                v.major(),
                v.minor(),
                v.patch(),
                v.prerelease(),
                v.metadata()
            ),
            (1, 2, 3, "beta.1", "build.123")
        );
    }

    // Masterminds TestCompare, TestGreaterThan, TestEqual.
    #[test]
    fn compare_table() {
        use Ordering::*;
        let cases = [
            ("1.2.3", "1.5.1", Less),
            ("2.2.3", "1.5.1", Greater),
            ("2.2.3", "2.2.2", Greater),
            ("3.2-beta", "3.2-beta", Equal),
            ("1.3", "1.1.4", Greater),
            ("4.2", "4.2-beta", Greater),
            ("4.2-beta", "4.2", Less),
            ("4.2-alpha", "4.2-beta", Less),
            ("4.2-alpha", "4.2-alpha", Equal),
            ("4.2-beta.2", "4.2-beta.1", Greater),
            ("4.2-beta2", "4.2-beta1", Greater),
            ("4.2-beta", "4.2-beta.2", Less),
            ("4.2-beta", "4.2-beta.foo", Less),
            ("4.2-beta.2", "4.2-beta", Greater),
            ("4.2-beta.foo", "4.2-beta", Greater),
            ("1.2+bar", "1.2+baz", Equal),
            ("1.0.0-beta.4", "1.0.0-beta.-2", Less),
            ("1.0.0-beta.-2", "1.0.0-beta.-3", Less),
            ("1.0.0-beta.-3", "1.0.0-beta.5", Greater),
            ("3.2.0-beta.1", "3.2.0-beta.5", Less),
            ("3.2-beta.4", "3.2-beta.2", Greater),
            ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.103", Less),
            ("7.43.0-SNAPSHOT.FOO", "7.43.0-SNAPSHOT.103", Greater),
            ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.BAR", Less),
            ("3.2-beta+foo", "3.2-beta+bar", Equal),
        ];
        for (a, b, expected) in cases {
            let (va, vb) = (Version::parse(a).unwrap(), Version::parse(b).unwrap());
            assert_eq!(va.cmp(&vb), expected, "{a} vs {b}");
            assert_eq!(va == vb, expected == Equal, "{a} == {b}");
        }
    }
}
