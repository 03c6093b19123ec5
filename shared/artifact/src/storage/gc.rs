//! Garbage collection of an object's older artifact files (fluxcd/pkg `storage/gc.go`).
//!
//! Flux's rules, which count the current artifact among the retained records:
//! 1. every file other than the current one whose mtime is older than the TTL goes;
//! 2. then the oldest of the remaining files (never the current one) go until at most
//!    `records` files are left.
//!
//! Symlinks, directories, the lock file and in-progress temp files are not artifacts.

use std::fs;
use std::path::PathBuf;
use std::time::SystemTime;

use super::{INTERNAL_PREFIX, ObjectLock, Retention, Storage};
use crate::artifact::Artifact;
use crate::error::{Error, Result};

/// Flux stops looking after this many files in one object directory.
pub const GARBAGE_COUNT_LIMIT: usize = 1000;

impl Storage {
    /// Removes the artifact's older siblings according to `retention` and returns the
    /// removed files.
    pub fn garbage_collect(
        &self,
        artifact: &Artifact,
        retention: Retention,
    ) -> Result<Vec<PathBuf>> {
        let current = self.local_path(artifact)?;
        let Some(dir) = current.parent() else {
            return Ok(Vec::new());
        };
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let _lock = ObjectLock::acquire(dir)?;

        let mut files = Vec::new();
        let entries = fs::read_dir(dir).map_err(|e| Error::io("failed to read", dir, e))?;
        for entry in entries {
            if files.len() >= GARBAGE_COUNT_LIMIT {
                break;
            }
            let entry = entry.map_err(|e| Error::io("failed to read", dir, e))?;
            let path = entry.path();
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(INTERNAL_PREFIX)
            {
                continue;
            }
            let meta =
                fs::symlink_metadata(&path).map_err(|e| Error::io("failed to stat", &path, e))?;
            if !meta.is_file() {
                continue;
            }
            let mtime = meta
                .modified()
                .map_err(|e| Error::io("failed to read mtime of", &path, e))?;
            files.push((mtime, path));
        }

        let garbage = select_garbage(files, &current, retention, SystemTime::now());
        let mut removed = Vec::with_capacity(garbage.len());
        for path in garbage {
            fs::remove_file(&path).map_err(|e| Error::io("failed to remove", &path, e))?;
            removed.push(path);
        }
        Ok(removed)
    }
}

/// The pure selection step: which of `files` (mtime, path) to delete.
fn select_garbage(
    mut files: Vec<(SystemTime, PathBuf)>,
    current: &std::path::Path,
    retention: Retention,
    now: SystemTime,
) -> Vec<PathBuf> {
    files.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    // A file stamped in the future has age zero.
    let expired = |mtime: SystemTime| now.duration_since(mtime).unwrap_or_default() > retention.ttl;
    let mut garbage = Vec::new();
    let mut kept = Vec::new();
    for (mtime, path) in files {
        if path != current && expired(mtime) {
            garbage.push(path);
        } else {
            kept.push(path);
        }
    }
    let mut remaining = kept.len();
    for path in kept {
        if remaining <= retention.records {
            break;
        }
        if path != current {
            garbage.push(path);
            remaining -= 1;
        }
    }
    garbage
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::Duration;

    fn at(secs_ago: u64, now: SystemTime, name: &str) -> (SystemTime, PathBuf) {
        (now - Duration::from_secs(secs_ago), PathBuf::from(name))
    }

    #[test]
    fn keeps_the_newest_records_including_current() {
        let now = SystemTime::now();
        let files = vec![
            at(4, now, "a"),
            at(3, now, "b"),
            at(2, now, "c"),
            at(1, now, "d"),
        ];
        let retention = Retention {
            records: 2,
            ttl: Duration::from_secs(3600),
        };
        let garbage = select_garbage(files, Path::new("d"), retention, now);
        assert_eq!(garbage, vec![PathBuf::from("a"), PathBuf::from("b")]);
    }

    #[test]
    fn never_removes_current_even_when_oldest_or_expired() {
        let now = SystemTime::now();
        let files = vec![at(500, now, "cur"), at(3, now, "b"), at(2, now, "c")];
        let retention = Retention {
            records: 1,
            ttl: Duration::from_secs(60),
        };
        let garbage = select_garbage(files, Path::new("cur"), retention, now);
        assert_eq!(garbage, vec![PathBuf::from("b"), PathBuf::from("c")]);
    }

    #[test]
    fn expired_files_go_even_within_records() {
        let now = SystemTime::now();
        let files = vec![at(120, now, "old"), at(1, now, "cur")];
        let garbage = select_garbage(files, Path::new("cur"), Retention::default(), now);
        assert_eq!(garbage, vec![PathBuf::from("old")]);
    }

    #[test]
    fn young_files_within_records_stay() {
        let now = SystemTime::now();
        let files = vec![at(10, now, "prev"), at(1, now, "cur")];
        let garbage = select_garbage(files, Path::new("cur"), Retention::default(), now);
        assert!(garbage.is_empty());
    }
}
