//! Writing a commit's tree into a directory, optionally only some directories.
//!
//! gix has no sparse checkout, and the controller always checks out into an empty
//! directory, so the tree is written here directly: only blobs under the
//! `sparseCheckout` directories (and the directories leading to them) are written.
//! As with go-git's sparse checkout, files at the root are not written when a sparse
//! list is given. Submodule entries become empty directories, as in `git clone`
//! without `--recurse-submodules`.

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;

use crate::error::{Error, Result};

/// Normalized sparse-checkout directories: no leading `./`, no trailing `/`.
pub(crate) fn normalize_sparse(dirs: &[String]) -> Vec<String> {
    dirs.iter()
        .map(|d| {
            let d = d.trim();
            let d = d.strip_prefix("./").unwrap_or(d);
            d.trim_matches('/').to_string()
        })
        .filter(|d| !d.is_empty() && d != ".")
        .collect()
}

enum Include {
    /// Write this entry and everything below it.
    All,
    /// A directory on the way to a sparse directory: descend, but write only what matches.
    Descend,
    /// Skip.
    No,
}

fn include(path: &str, is_dir: bool, sparse: &[String]) -> Include {
    if sparse.is_empty() {
        return Include::All;
    }
    for dir in sparse {
        if path == dir || path.starts_with(&format!("{dir}/")) {
            return Include::All;
        }
        if is_dir && dir.starts_with(&format!("{path}/")) {
            return Include::Descend;
        }
    }
    Include::No
}

/// A tree entry name that is safe to create inside the destination.
fn safe_name(name: &[u8]) -> Option<&str> {
    let name = name.to_str().ok()?;
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.eq_ignore_ascii_case(".git")
        || name.contains(['/', '\\', '\0']);
    (!bad).then_some(name)
}

/// Writes `tree_id` of `repo` into `dest`, which must exist.
pub(crate) fn write_tree(
    repo: &gix::Repository,
    tree_id: gix::ObjectId,
    dest: &Path,
    sparse: &[String],
) -> Result<()> {
    write_dir(repo, tree_id, dest, "", sparse, false)
}

fn write_dir(
    repo: &gix::Repository,
    tree_id: gix::ObjectId,
    dir: &Path,
    prefix: &str,
    sparse: &[String],
    all: bool,
) -> Result<()> {
    let tree = repo
        .find_tree(tree_id)
        .map_err(|e| git_err(format!("reading tree {tree_id}: {e}")))?;
    for entry in tree.iter() {
        let entry = entry.map_err(|e| git_err(format!("decoding tree {tree_id}: {e}")))?;
        let entry = entry.inner;
        let Some(name) = safe_name(entry.filename) else {
            return Err(git_err(format!(
                "tree {tree_id} has an unsafe entry name {:?}",
                entry.filename
            )));
        };
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.mode.kind();
        let decision = if all {
            Include::All
        } else {
            include(&rel, kind == EntryKind::Tree, sparse)
        };
        if matches!(decision, Include::No) {
            continue;
        }
        let path = dir.join(name);
        let id = entry.oid.to_owned();
        match kind {
            EntryKind::Tree => {
                create_dir(&path)?;
                write_dir(
                    repo,
                    id,
                    &path,
                    &rel,
                    sparse,
                    matches!(decision, Include::All),
                )?;
            }
            EntryKind::Blob | EntryKind::BlobExecutable => {
                let blob = repo
                    .find_blob(id)
                    .map_err(|e| git_err(format!("reading blob {id} for '{rel}': {e}")))?;
                write_file(&path, &blob.data, kind == EntryKind::BlobExecutable)?;
            }
            EntryKind::Link => {
                let blob = repo
                    .find_blob(id)
                    .map_err(|e| git_err(format!("reading link {id} for '{rel}': {e}")))?;
                let target = PathBuf::from(
                    blob.data
                        .to_str()
                        .map_err(|_| git_err(format!("symlink '{rel}' is not UTF-8")))?,
                );
                std::os::unix::fs::symlink(&target, &path)
                    .map_err(|e| Error::io(format!("creating symlink {}", path.display()), e))?;
            }
            EntryKind::Commit => create_dir(&path)?,
        }
    }
    Ok(())
}

/// Removes everything under `dest` that a sparse checkout of `sparse` would not have
/// written (used after a git CLI checkout, which writes the full tree).
pub(crate) fn prune_to_sparse(dest: &Path, sparse: &[String]) -> Result<()> {
    if sparse.is_empty() {
        return Ok(());
    }
    prune_dir(dest, "", sparse)
}

fn prune_dir(dir: &Path, prefix: &str, sparse: &[String]) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let is_dir = entry
            .file_type()
            .map_err(|e| Error::io(format!("inspecting {}", path.display()), e))?
            .is_dir();
        match include(&rel, is_dir, sparse) {
            Include::All => {}
            Include::Descend => prune_dir(&path, &rel, sparse)?,
            Include::No => {
                let res = if is_dir {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                res.map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
            }
        }
    }
    Ok(())
}

fn git_err(message: String) -> Error {
    Error::Git {
        url: String::from("<local>"),
        message,
    }
}

fn create_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path)
        .map_err(|e| Error::io(format!("creating directory {}", path.display()), e))
}

fn write_file(path: &Path, data: &[u8], executable: bool) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    std::io::Write::write_all(&mut f, data)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_selection() {
        let sparse = normalize_sparse(&["./deploy/prod/".into(), "apps".into()]);
        assert_eq!(sparse, ["deploy/prod", "apps"]);
        assert!(matches!(include("apps", true, &sparse), Include::All));
        assert!(matches!(
            include("apps/x.yaml", false, &sparse),
            Include::All
        ));
        assert!(matches!(include("deploy", true, &sparse), Include::Descend));
        assert!(matches!(include("deploy/dev", true, &sparse), Include::No));
        assert!(matches!(include("README.md", false, &sparse), Include::No));
        assert!(matches!(include("appsx", true, &sparse), Include::No));
        assert!(matches!(include("x", false, &[]), Include::All));
    }

    #[test]
    fn unsafe_names_are_rejected() {
        for bad in [&b".."[..], b".", b".git", b".GIT", b"a/b", b""] {
            assert!(safe_name(bad).is_none(), "{bad:?}");
        }
        assert_eq!(safe_name(b"ok.yaml"), Some("ok.yaml"));
    }
}
