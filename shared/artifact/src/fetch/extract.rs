//! Safe extraction of artifact tarballs (fluxcd/pkg `tar.Untar`, as used by `http/fetch`).
//!
//! Entries must be plain relative paths (no absolute paths, no `..`, no backslashes).
//! Regular files and directories are written; symlinks are skipped as the Flux fetcher
//! does (`WithSkipSymlinks`); hard links and device/fifo entries are rejected. Nothing is
//! ever written through a symlink that already exists under the destination. The sum of
//! entry sizes and the number of entries are capped.

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::bufread::MultiGzDecoder;

use crate::error::{Error, Result};

/// Flux's default extraction cap (`tar.DefaultMaxUntarSize`, 100 MiB).
pub const DEFAULT_MAX_UNTAR_SIZE: u64 = 100 << 20;
/// Default cap on the number of entries; Flux has none, this guards against inode bombs.
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;

/// Caps applied while extracting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtractLimits {
    /// Maximum sum of entry sizes in bytes; `None` for unlimited (what Flux's controllers
    /// pass with `tar.UnlimitedUntarSize`).
    pub max_untar_size: Option<u64>,
    /// Maximum number of entries; `None` for unlimited.
    pub max_entries: Option<u64>,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        ExtractLimits {
            max_untar_size: Some(DEFAULT_MAX_UNTAR_SIZE),
            max_entries: Some(DEFAULT_MAX_ENTRIES),
        }
    }
}

/// What an extraction wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtractSummary {
    /// Regular files written.
    pub files: u64,
    /// Directory entries processed.
    pub dirs: u64,
    /// Symlink entries skipped.
    pub skipped_symlinks: u64,
    /// Bytes of file content written.
    pub bytes: u64,
}

/// Extracts the gzip'd tarball read from `reader` into `dest`, creating `dest` if needed.
pub fn untar(reader: impl Read, dest: &Path, limits: &ExtractLimits) -> Result<ExtractSummary> {
    match fs::symlink_metadata(dest) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::io(
                "extraction target must be a directory",
                dest,
                io::Error::from(io::ErrorKind::NotADirectory),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o750)
                .create(dest)
                .map_err(|e| Error::io("failed to create directory", dest, e))?;
        }
        Err(e) => return Err(Error::io("failed to stat", dest, e)),
    }

    let mut buffered = BufReader::new(reader);
    let magic = buffered.fill_buf().map_err(Error::Archive)?;
    if !magic.starts_with(&[0x1f, 0x8b]) {
        return Err(Error::Archive(io::Error::new(
            io::ErrorKind::InvalidData,
            "requires gzip-compressed body",
        )));
    }
    let mut archive = tar::Archive::new(MultiGzDecoder::new(buffered));
    let mut extractor = Extractor {
        dest,
        made_dirs: HashSet::new(),
        summary: ExtractSummary::default(),
        now: SystemTime::now(),
    };
    let (mut processed, mut count) = (0u64, 0u64);
    for entry in archive.entries().map_err(Error::Archive)? {
        let mut entry = entry.map_err(Error::Archive)?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        count += 1;
        if let Some(limit) = limits.max_entries.filter(|l| count > *l) {
            return Err(Error::TooManyEntries { entry: name, limit });
        }
        processed = processed.saturating_add(entry.size());
        if let Some(limit) = limits.max_untar_size.filter(|l| processed > *l) {
            return Err(Error::ArchiveTooLarge { entry: name, limit });
        }
        let rel = safe_rel_path(&name)?;
        extractor.extract(&mut entry, &name, &rel)?;
    }
    Ok(extractor.summary)
}

/// Turns an entry name into a relative path, refusing anything that could leave `dest`.
fn safe_rel_path(name: &str) -> Result<PathBuf> {
    if name.is_empty() {
        return Err(Error::entry(name, "empty name"));
    }
    if name.contains('\\') {
        return Err(Error::entry(name, "backslash in name"));
    }
    let mut rel = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => rel.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(Error::entry(name, "path contains '..'")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(Error::entry(name, "absolute path"));
            }
        }
    }
    Ok(rel)
}

struct Extractor<'a> {
    dest: &'a Path,
    made_dirs: HashSet<PathBuf>,
    summary: ExtractSummary,
    now: SystemTime,
}

impl Extractor<'_> {
    fn extract<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        name: &str,
        rel: &Path,
    ) -> Result<()> {
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o600) & 0o777;
        match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if rel.as_os_str().is_empty() {
                    return Err(Error::entry(name, "regular file entry names the root"));
                }
                let mtime = header.mtime().unwrap_or(0);
                let size = entry.size();
                self.write_file(entry, name, rel, (mode, mtime, size))
            }
            tar::EntryType::Directory => {
                self.ensure_dir(name, rel, mode | 0o700)?;
                self.summary.dirs += 1;
                Ok(())
            }
            tar::EntryType::Symlink => {
                self.summary.skipped_symlinks += 1;
                Ok(())
            }
            // Global PAX headers (e.g. from `git archive`) carry no file.
            tar::EntryType::XGlobalHeader => Ok(()),
            tar::EntryType::Link => Err(Error::entry(name, "hard links are not allowed")),
            other => Err(Error::entry(
                name,
                format!("unsupported file type {other:?}"),
            )),
        }
    }

    /// Creates `rel` below `dest` one element at a time, refusing to pass through anything
    /// that is not a real directory.
    fn ensure_dir(&mut self, name: &str, rel: &Path, mode: u32) -> Result<()> {
        let mut path = self.dest.to_path_buf();
        for part in rel.iter() {
            path.push(part);
            if self.made_dirs.contains(&path) {
                continue;
            }
            match fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(Error::entry(name, "path goes through a symlink"));
                }
                Ok(_) => return Err(Error::entry(name, "path goes through a file")),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::DirBuilder::new()
                        .mode(mode)
                        .create(&path)
                        .map_err(|source| Error::Extract {
                            entry: name.to_string(),
                            source,
                        })?;
                }
                Err(source) => {
                    return Err(Error::Extract {
                        entry: name.to_string(),
                        source,
                    });
                }
            }
            self.made_dirs.insert(path.clone());
        }
        Ok(())
    }

    fn write_file(
        &mut self,
        entry: &mut impl Read,
        name: &str,
        rel: &Path,
        (mode, mtime, size): (u32, u64, u64),
    ) -> Result<()> {
        if let Some(parent) = rel.parent() {
            self.ensure_dir(name, parent, 0o750)?;
        }
        let target = self.dest.join(rel);
        match fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::entry(name, "refusing to write through a symlink"));
            }
            Ok(m) if m.is_dir() => {
                return Err(Error::entry(name, "a directory exists at this path"));
            }
            _ => {}
        }
        let io_err = |source| Error::Extract {
            entry: name.to_string(),
            source,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode | 0o600)
            .open(&target)
            .map_err(io_err)?;
        let written = io::copy(entry, &mut file).map_err(io_err)?;
        if written != size {
            return Err(Error::entry(
                name,
                format!("only wrote {written} bytes, expected {size}"),
            ));
        }
        if mtime > 0 {
            let stamp = (UNIX_EPOCH + Duration::from_secs(mtime)).min(self.now);
            file.set_modified(stamp).map_err(io_err)?;
        }
        self.summary.files += 1;
        self.summary.bytes += written;
        Ok(())
    }
}
