//! Artifact storage on the local filesystem (fluxcd/pkg `artifact/storage`).
//!
//! Files live at `<base>/<kind-lowercase>/<namespace>/<name>/<file>`. Every write goes to a
//! temp file in the same directory (named with [`TEMP_PREFIX`]), is synced, and is renamed
//! over the final name, so a reader or a restarted controller never sees a half-written
//! artifact. Writers of one object serialise on a per-object lock file ([`LOCK_FILE`]).
//! Temp files left by a crash are removed by [`Storage::new`]; the server never serves them.
//!
//! All methods do blocking filesystem I/O (and may wait on the object lock): call them from
//! `tokio::task::spawn_blocking` in async reconcilers.

mod archive;
mod gc;

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::NamedTempFile;

pub use archive::ArchiveFilter;

use crate::artifact::{Artifact, now};
use crate::digest::{Algorithm, Digest, DigestWriter};
use crate::error::{Error, Result};

/// Prefix shared by every file the storage writes for its own use; such files are never
/// served and never counted as artifacts.
pub const INTERNAL_PREFIX: &str = ".flux-";
/// Prefix of in-progress temp files.
pub const TEMP_PREFIX: &str = ".flux-tmp-";
/// Name of the per-object lock file.
pub const LOCK_FILE: &str = ".flux-lock";

/// Retention policy for [`Storage::garbage_collect`]
/// (`--artifact-retention-records`, `--artifact-retention-ttl`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// How many files (the current one included) may remain after a collection.
    pub records: usize,
    /// Files older than this are collected regardless of `records` (never the current one).
    pub ttl: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            records: 2,
            ttl: Duration::from_secs(60),
        }
    }
}

/// Local artifact storage rooted at `--storage-path`.
#[derive(Clone, Debug)]
pub struct Storage {
    base_path: PathBuf,
    advertised_addr: String,
    algorithm: Algorithm,
}

impl Storage {
    /// Opens (creating if needed) the storage at `base_path`, advertised to clients at
    /// `advertised_addr` (`--storage-adv-addr`, see [`advertised_address`]).
    ///
    /// Temp files left behind by a previous process are deleted.
    pub fn new(base_path: impl Into<PathBuf>, advertised_addr: impl Into<String>) -> Result<Self> {
        let base_path = base_path.into();
        create_dir_all(&base_path)?;
        let storage = Storage {
            base_path,
            advertised_addr: advertised_addr.into(),
            algorithm: Algorithm::default(),
        };
        storage.remove_stale_temp_files()?;
        Ok(storage)
    }

    /// Uses `algorithm` for new digests (`--artifact-digest-algo`).
    pub fn with_digest_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The storage root.
    pub fn base_path(&self) -> &Path {
        &self.base_path
    }

    /// The advertised host (or URL prefix) used in artifact URLs.
    pub fn advertised_addr(&self) -> &str {
        &self.advertised_addr
    }

    /// A new artifact for an object; its path and URL are set, its digest is not.
    pub fn artifact_for(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        revision: &str,
        file_name: &str,
    ) -> Result<Artifact> {
        let mut artifact = Artifact {
            path: artifact_path(kind, namespace, name, file_name)?,
            revision: revision.to_string(),
            last_update_time: now(),
            ..Artifact::default()
        };
        self.set_artifact_url(&mut artifact);
        Ok(artifact)
    }

    /// Sets `artifact.url` from its path and the advertised address, as Flux does after a
    /// restart with a different `--storage-adv-addr`.
    pub fn set_artifact_url(&self, artifact: &mut Artifact) {
        if !artifact.path.is_empty() {
            artifact.url = self.url_for(&artifact.path);
        }
    }

    fn url_for(&self, path: &str) -> String {
        let path = path.trim_start_matches('/');
        let addr = &self.advertised_addr;
        if addr.starts_with("http://") || addr.starts_with("https://") {
            format!("{}/{path}", addr.trim_end_matches('/'))
        } else {
            format!("http://{addr}/{path}")
        }
    }

    /// The file an artifact is stored at; rejects paths that could leave the storage root.
    pub fn local_path(&self, artifact: &Artifact) -> Result<PathBuf> {
        let mut path = self.base_path.clone();
        let mut parts = 0;
        for part in artifact.path.split('/').filter(|p| !p.is_empty()) {
            validate_component(part, &artifact.path)?;
            path.push(part);
            parts += 1;
        }
        if parts == 0 {
            return Err(Error::InvalidPath {
                path: artifact.path.clone(),
                reason: "empty path",
            });
        }
        Ok(path)
    }

    /// Whether the artifact's file exists and is a regular file.
    pub fn exists(&self, artifact: &Artifact) -> bool {
        self.local_path(artifact)
            .and_then(|p| fs::symlink_metadata(&p).map_err(|e| Error::io("stat", p, e)))
            .is_ok_and(|m| m.is_file())
    }

    /// Checks that the stored file hashes to `artifact.digest`.
    pub fn verify(&self, artifact: &Artifact) -> Result<()> {
        let expected = artifact
            .digest
            .as_deref()
            .ok_or_else(|| Error::MissingDigest(artifact.path.clone()))?;
        let expected: Digest = expected.parse()?;
        let path = self.local_path(artifact)?;
        let file = File::open(&path).map_err(|e| Error::io("failed to open artifact", &path, e))?;
        let (actual, _) = Digest::from_reader(expected.algorithm(), BufReader::new(file))
            .map_err(|e| Error::io("failed to read artifact", &path, e))?;
        if actual != expected {
            return Err(Error::DigestMismatch {
                subject: path.display().to_string(),
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(())
    }

    /// Atomically stores everything `reader` yields as the artifact's file, then sets its
    /// digest, size and last update time. For artifacts that are not built from a
    /// directory: HelmRepository indexes, packaged charts, copied OCI layers.
    pub fn copy(&self, artifact: &mut Artifact, mut reader: impl Read) -> Result<()> {
        let target = self.local_path(artifact)?;
        let dir = parent(&target)?;
        let _lock = ObjectLock::acquire(dir)?;
        let tmp = self.temp_file(dir)?;
        let mut writer = DigestWriter::new(io::BufWriter::new(tmp), self.algorithm);
        io::copy(&mut reader, &mut writer)
            .map_err(|e| Error::io("failed to write artifact", &target, e))?;
        let (buffered, digest, size) = writer.finish();
        let tmp = buffered
            .into_inner()
            .map_err(|e| Error::io("failed to write artifact", &target, e.into_error()))?;
        persist(tmp, &target)?;
        set_written(artifact, digest, size);
        Ok(())
    }

    /// [`Storage::copy`] from a file.
    pub fn copy_from_path(&self, artifact: &mut Artifact, path: &Path) -> Result<()> {
        let file = File::open(path).map_err(|e| Error::io("failed to open", path, e))?;
        self.copy(artifact, file)
    }

    /// Points `<object dir>/<link_name>` at the artifact's file (e.g. `latest.tar.gz`,
    /// `index.yaml`) and returns the link's URL.
    pub fn symlink(&self, artifact: &Artifact, link_name: &str) -> Result<String> {
        validate_component(link_name, link_name)?;
        let target = self.local_path(artifact)?;
        let dir = parent(&target)?;
        let file_name = target
            .file_name()
            .ok_or_else(|| Error::InvalidPath {
                path: artifact.path.clone(),
                reason: "no file name",
            })?
            .to_owned();
        let _lock = ObjectLock::acquire(dir)?;
        let link = dir.join(link_name);
        let tmp_link = dir.join(format!("{TEMP_PREFIX}link-{link_name}"));
        remove_if_exists(&tmp_link)?;
        // A relative target keeps the link valid if the storage volume is mounted elsewhere.
        std::os::unix::fs::symlink(&file_name, &tmp_link)
            .map_err(|e| Error::io("failed to create symlink", &tmp_link, e))?;
        fs::rename(&tmp_link, &link)
            .map_err(|e| Error::io("failed to update symlink", &link, e))?;
        let rel_dir = artifact.path.rsplit_once('/').map_or("", |(d, _)| d);
        Ok(self.url_for(&format!("{rel_dir}/{link_name}")))
    }

    /// Removes everything stored for an object (its finalizer step). Returns the removed
    /// directory, if there was one.
    pub fn remove_all(&self, kind: &str, namespace: &str, name: &str) -> Result<Option<PathBuf>> {
        let dir = self.base_path.join(artifact_dir(kind, namespace, name)?);
        match fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("failed to stat", &dir, e)),
            Ok(_) => {}
        }
        let _lock = ObjectLock::acquire(&dir)?;
        fs::remove_dir_all(&dir).map_err(|e| Error::io("failed to remove", &dir, e))?;
        Ok(Some(dir))
    }

    fn temp_file(&self, dir: &Path) -> Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::io("failed to create temp file in", dir, e))
    }

    /// Deletes temp files under the storage root left by an interrupted write.
    fn remove_stale_temp_files(&self) -> Result<()> {
        fn walk(dir: &Path) -> Result<()> {
            let entries = fs::read_dir(dir).map_err(|e| Error::io("failed to read", dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io("failed to read", dir, e))?;
                let path = entry.path();
                let file_type = entry
                    .file_type()
                    .map_err(|e| Error::io("failed to stat", &path, e))?;
                if file_type.is_dir() {
                    walk(&path)?;
                } else if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                    tracing::info!(path = %path.display(), "removing stale artifact temp file");
                    remove_if_exists(&path)?;
                }
            }
            Ok(())
        }
        walk(&self.base_path)
    }
}

/// `<kind-lowercase>/<namespace>/<name>`.
pub fn artifact_dir(kind: &str, namespace: &str, name: &str) -> Result<String> {
    let kind = kind.to_lowercase();
    for part in [kind.as_str(), namespace, name] {
        validate_component(part, part)?;
    }
    Ok(format!("{kind}/{namespace}/{name}"))
}

/// `<kind-lowercase>/<namespace>/<name>/<file_name>`.
pub fn artifact_path(kind: &str, namespace: &str, name: &str, file_name: &str) -> Result<String> {
    validate_component(file_name, file_name)?;
    Ok(format!(
        "{}/{file_name}",
        artifact_dir(kind, namespace, name)?
    ))
}

/// The address written into artifact URLs, from `--storage-addr` and `--storage-adv-addr`.
///
/// As Flux: the advertised address wins when set; otherwise the bind address is used with
/// an empty host replaced by `localhost` and `0.0.0.0` by `hostname` (the pod's `HOSTNAME`).
pub fn advertised_address(storage_addr: &str, adv_addr: &str, hostname: &str) -> Result<String> {
    if !adv_addr.is_empty() {
        return Ok(adv_addr.to_string());
    }
    let (host, port) = storage_addr
        .rsplit_once(':')
        .filter(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| Error::InvalidStorageAddress(storage_addr.to_string()))?;
    let host = match host {
        "" => "localhost",
        "0.0.0.0" => hostname,
        h => h,
    };
    Ok(format!("{host}:{port}"))
}

/// Rejects anything but one plain path element.
fn validate_component(part: &str, whole: &str) -> Result<()> {
    let reason = if part.is_empty() {
        Some("empty path element")
    } else if part == "." || part == ".." {
        Some("relative path element")
    } else if part.contains(['/', '\\', '\0']) {
        Some("path separator or NUL in element")
    } else if part.starts_with(INTERNAL_PREFIX) {
        Some("element uses the storage's internal prefix")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidPath {
            path: whole.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

fn parent(path: &Path) -> Result<&Path> {
    let dir = path.parent().ok_or_else(|| Error::InvalidPath {
        path: path.display().to_string(),
        reason: "no parent directory",
    })?;
    create_dir_all(dir)?;
    Ok(dir)
}

fn create_dir_all(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io("failed to create directory", dir, e))
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(Error::io("failed to remove", path, e))
        }
        _ => Ok(()),
    }
}

/// Syncs the temp file, renames it over `target` and syncs the directory, so that after a
/// crash `target` holds either the old or the new content, never a partial file.
fn persist(tmp: NamedTempFile, target: &Path) -> Result<()> {
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("failed to sync", tmp.path(), e))?;
    tmp.persist(target)
        .map_err(|e| Error::io("failed to rename temp file to", target, e.error))?;
    if let Some(dir) = target.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io("failed to sync directory", dir, e))?;
    }
    Ok(())
}

fn set_written(artifact: &mut Artifact, digest: Digest, size: u64) {
    artifact.digest = Some(digest.to_string());
    artifact.size = Some(i64::try_from(size).unwrap_or(i64::MAX));
    artifact.last_update_time = now();
}

/// Exclusive lock on one object's directory, held until dropped.
struct ObjectLock {
    _file: File,
}

impl ObjectLock {
    fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("failed to open lock file", &path, e))?;
        file.lock()
            .map_err(|e| Error::io("failed to acquire lock", &path, e))?;
        Ok(ObjectLock { _file: file })
    }
}

#[cfg(test)]
mod tests;
