//! Reproducible tar.gz archives of a directory (fluxcd/pkg `storage.Archive`).
//!
//! The walk visits entries in byte order of their names, like Go's `filepath.Walk`, and
//! starts with the root itself as a `.` directory entry. Only regular files and directories
//! are stored (symlinks and special files are skipped). Headers are normalised so the digest
//! depends on content alone: uid/gid 0, no user/group names, zero times, and modes 0750 for
//! directories, 0700 for executable files and 0600 for other files. As in Flux, an excluded
//! directory is not written but its children are still offered to the filter, so a later
//! `!pattern` can re-include them.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::{ObjectLock, Storage, parent, persist, set_written};
use crate::artifact::Artifact;
use crate::digest::DigestWriter;
use crate::error::{Error, Result};

/// Mode of directories inside an artifact archive.
pub const DEFAULT_DIR_MODE: u32 = 0o750;
/// Mode of non-executable files inside an artifact archive.
pub const DEFAULT_FILE_MODE: u32 = 0o600;
/// Mode of executable files inside an artifact archive.
pub const DEFAULT_EXE_FILE_MODE: u32 = 0o700;

/// Decides which paths to leave out of an archive.
pub trait ArchiveFilter {
    /// Whether `rel_path` (relative to the archived directory) is left out.
    fn is_excluded(&self, rel_path: &Path, is_dir: bool) -> bool;
}

impl<F: Fn(&Path, bool) -> bool> ArchiveFilter for F {
    fn is_excluded(&self, rel_path: &Path, is_dir: bool) -> bool {
        self(rel_path, is_dir)
    }
}

impl Storage {
    /// Atomically archives `dir` as the artifact's tar.gz, leaving out what `filter`
    /// excludes, then sets the artifact's digest, size and last update time.
    pub fn archive(
        &self,
        artifact: &mut Artifact,
        dir: &Path,
        filter: Option<&dyn ArchiveFilter>,
    ) -> Result<()> {
        if !fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
            return Err(Error::InvalidDir(dir.to_path_buf()));
        }
        let target = self.local_path(artifact)?;
        let object_dir = parent(&target)?;
        let _lock = ObjectLock::acquire(object_dir)?;
        let tmp = self.temp_file(object_dir)?;

        let digest_writer = DigestWriter::new(BufWriter::new(tmp), self.algorithm);
        let gz = GzEncoder::new(digest_writer, Compression::default());
        let mut builder = tar::Builder::new(gz);
        let mut walker = Walker {
            root: dir,
            filter,
            builder: &mut builder,
        };
        walker.append_dir(Path::new("."), dir)?;
        walker.walk(dir, PathBuf::new())?;

        let write_err = |e| Error::io("failed to write archive", &target, e);
        let gz = builder.into_inner().map_err(write_err)?;
        let digest_writer = gz.finish().map_err(write_err)?;
        let (buffered, digest, size) = digest_writer.finish();
        let tmp = buffered
            .into_inner()
            .map_err(|e| write_err(e.into_error()))?;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("failed to chmod", tmp.path(), e))?;
        persist(tmp, &target)?;
        set_written(artifact, digest, size);
        Ok(())
    }
}

struct Walker<'a, W: Write> {
    root: &'a Path,
    filter: Option<&'a dyn ArchiveFilter>,
    builder: &'a mut tar::Builder<W>,
}

impl<W: Write> Walker<'_, W> {
    fn walk(&mut self, abs: &Path, rel: PathBuf) -> Result<()> {
        let mut entries = fs::read_dir(abs)
            .map_err(|e| Error::io("failed to read directory", abs, e))?
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| Error::io("failed to read directory", abs, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let abs = entry.path();
            let rel = rel.join(entry.file_name());
            let meta =
                fs::symlink_metadata(&abs).map_err(|e| Error::io("failed to stat", &abs, e))?;
            let is_dir = meta.is_dir();
            if !(is_dir || meta.is_file()) {
                continue;
            }
            let excluded = self.filter.is_some_and(|f| f.is_excluded(&rel, is_dir));
            if is_dir {
                if !excluded {
                    self.append_dir(&rel, &abs)?;
                }
                self.walk(&abs, rel)?;
            } else if !excluded {
                self.append_file(&rel, &abs, &meta)?;
            }
        }
        Ok(())
    }

    fn append_dir(&mut self, rel: &Path, abs: &Path) -> Result<()> {
        let mut header = normalized_header(tar::EntryType::Directory, DEFAULT_DIR_MODE, 0);
        self.builder
            .append_data(&mut header, rel, io::empty())
            .map_err(|e| Error::io("failed to archive", abs, e))
    }

    fn append_file(&mut self, rel: &Path, abs: &Path, meta: &fs::Metadata) -> Result<()> {
        let mode = if meta.permissions().mode() & 0o111 != 0 {
            DEFAULT_EXE_FILE_MODE
        } else {
            DEFAULT_FILE_MODE
        };
        let size = meta.len();
        let mut header = normalized_header(tar::EntryType::Regular, mode, size);
        let file = File::open(abs).map_err(|e| Error::io("failed to open", abs, e))?;
        let reader = ExactReader {
            inner: file.take(size),
            remaining: size,
        };
        self.builder
            .append_data(&mut header, rel, reader)
            .map_err(|e| Error::io("failed to archive", self.root.join(rel), e))
    }
}

fn normalized_header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_size(size);
    header
}

/// Yields exactly `remaining` bytes or fails, so a file that shrinks while it is archived
/// cannot leave a header whose size disagrees with its data.
struct ExactReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while it was being archived",
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}
