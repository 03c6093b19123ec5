//! Flux's source ignore rules (fluxcd/pkg `sourceignore`).
//!
//! What gets excluded from an artifact, lowest priority first:
//! 1. always: [`EXCLUDE_VCS`] (`.git/`, `.gitignore`, `.gitmodules`, `.gitattributes`);
//! 2. only when there are no other patterns at all: [`EXCLUDE_EXT`], [`EXCLUDE_CI`],
//!    [`EXCLUDE_EXTRA`];
//! 3. `.sourceignore` files found anywhere in the tree, each scoped to its directory;
//! 4. `spec.ignore`, scoped to the root.
//!
//! The last matching pattern decides, so `spec.ignore` wins over everything.

mod glob;
mod pattern;

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path};

pub use pattern::{MatchResult, Matcher, Pattern};

use crate::error::{Error, Result};
use crate::storage::ArchiveFilter;

/// Name of the per-directory ignore file.
pub const IGNORE_FILE: &str = ".sourceignore";
/// Version control files, always excluded.
pub const EXCLUDE_VCS: &str = ".git/,.gitignore,.gitmodules,.gitattributes";
/// File types excluded by default.
pub const EXCLUDE_EXT: &str = "*.jpg,*.jpeg,*.gif,*.png,*.wmv,*.flv,*.tar.gz,*.zip";
/// CI configuration excluded by default.
pub const EXCLUDE_CI: &str = ".github/,.circleci/,.travis.yml,.gitlab-ci.yml,appveyor.yml,.drone.yml,cloudbuild.yaml,codeship-services.yml,codeship-steps.yml";
/// Tool configuration excluded by default.
pub const EXCLUDE_EXTRA: &str = "**/.goreleaser.yml,**/.sops.yaml,**/.flux.yaml";

/// Patterns from [`EXCLUDE_VCS`], scoped to `domain`.
pub fn vcs_patterns(domain: &[String]) -> Vec<Pattern> {
    EXCLUDE_VCS
        .split(',')
        .map(|p| Pattern::parse(p, domain))
        .collect()
}

/// The default exclusions ([`EXCLUDE_EXT`], [`EXCLUDE_CI`], [`EXCLUDE_EXTRA`]), scoped to `domain`.
pub fn default_patterns(domain: &[String]) -> Vec<Pattern> {
    [EXCLUDE_EXT, EXCLUDE_CI, EXCLUDE_EXTRA]
        .iter()
        .flat_map(|list| list.split(','))
        .map(|p| Pattern::parse(p, domain))
        .collect()
}

/// Parses ignore file content: one pattern per line, skipping blank lines and lines that
/// start with `#`.
pub fn read_patterns(text: &str, domain: &[String]) -> Vec<Pattern> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| Pattern::parse(l, domain))
        .collect()
}

/// Largest ignore file read; the rest is ignored. Flux's line scanner stops at the first
/// line over 64 KiB, so a symlink to `/dev/zero` cannot exhaust memory there either.
pub const MAX_IGNORE_FILE_SIZE: u64 = 1 << 20;

/// Reads the ignore file at `path`; a missing file, or anything that is not a regular file
/// (after following symlinks), gives no patterns.
pub fn read_ignore_file(path: &Path, domain: &[String]) -> Result<Vec<Pattern>> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("failed to read ignore file", path, e)),
    };
    let is_file = file
        .metadata()
        .map_err(|e| Error::io("failed to stat ignore file", path, e))?
        .is_file();
    if !is_file {
        return Ok(Vec::new());
    }
    let mut bytes = Vec::new();
    file.take(MAX_IGNORE_FILE_SIZE)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("failed to read ignore file", path, e))?;
    Ok(read_patterns(&String::from_utf8_lossy(&bytes), domain))
}

/// Loads `.sourceignore` patterns from `dir` and, depth first in name order, from every
/// subdirectory except `.git`, each scoped to its own directory. `domain` is `dir`'s
/// position relative to the archived root (empty for the root itself).
pub fn load_ignore_patterns(dir: &Path, domain: &[String]) -> Result<Vec<Pattern>> {
    let mut patterns = read_ignore_file(&dir.join(IGNORE_FILE), domain)?;
    let mut entries = fs::read_dir(dir)
        .map_err(|e| Error::io("failed to read directory", dir, e))?
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| Error::io("failed to read directory", dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let file_type = entry
            .file_type()
            .map_err(|e| Error::io("failed to stat", entry.path(), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if file_type.is_dir() && name != ".git" {
            let mut sub = domain.to_vec();
            sub.push(name);
            patterns.extend(load_ignore_patterns(&entry.path(), &sub)?);
        }
    }
    Ok(patterns)
}

/// The archive filter Flux builds for a source (`storage.SourceIgnoreFilter`).
#[derive(Clone, Debug)]
pub struct SourceIgnoreFilter {
    matcher: Matcher,
}

impl SourceIgnoreFilter {
    /// Builds the filter from user patterns (`.sourceignore` files, then `spec.ignore`).
    ///
    /// With no user patterns at all the default exclusions apply; otherwise only the VCS
    /// exclusions sit below the user patterns.
    pub fn new(patterns: Vec<Pattern>) -> Self {
        let mut all = vcs_patterns(&[]);
        if patterns.is_empty() {
            all.extend(default_patterns(&[]));
        }
        all.extend(patterns);
        SourceIgnoreFilter {
            matcher: Matcher::new(all),
        }
    }

    /// The GitRepository/OCIRepository filter for a checked-out `dir`: its `.sourceignore`
    /// files plus `spec.ignore`.
    pub fn load(dir: &Path, spec_ignore: Option<&str>) -> Result<Self> {
        let mut patterns = load_ignore_patterns(dir, &[])?;
        if let Some(text) = spec_ignore {
            patterns.extend(read_patterns(text, &[]));
        }
        Ok(Self::new(patterns))
    }

    /// Whether the path (relative to the archived root) is excluded.
    pub fn is_excluded(&self, rel_path: &Path, is_dir: bool) -> bool {
        let elements: Vec<std::borrow::Cow<'_, str>> = rel_path
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy()),
                _ => None,
            })
            .collect();
        let elements: Vec<&str> = elements.iter().map(|c| c.as_ref()).collect();
        self.matcher.is_excluded(&elements, is_dir)
    }
}

impl ArchiveFilter for SourceIgnoreFilter {
    fn is_excluded(&self, rel_path: &Path, is_dir: bool) -> bool {
        SourceIgnoreFilter::is_excluded(self, rel_path, is_dir)
    }
}

#[cfg(test)]
mod tests;
