//! File access for a build: finding kustomization files, reading referenced
//! files, and Flux's restrictions (no remote bases, nothing outside the root).

use crate::error::{KustomizeError, Result};
use std::path::{Component, Path, PathBuf};

/// How far referenced files may be from the kustomization that names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// Files must be in or below the directory of the kustomization that refers to them.
    #[default]
    RootOnly,
    /// Any readable file.
    None,
}

/// The file names kustomize recognises, in its order.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// True for references kustomize would fetch over the network.
pub fn is_remote(reference: &str) -> bool {
    let r = reference.trim();
    r.contains("://")
        || r.starts_with("git@")
        || r.starts_with("github.com/")
        || r.starts_with("gitlab.com/")
        || r.starts_with("bitbucket.org/")
        || r.contains("?ref=")
}

/// Finds the kustomization file in `dir`.
pub fn find_kustomization(dir: &Path) -> Result<Option<PathBuf>> {
    let mut found = Vec::new();
    for name in KUSTOMIZATION_FILE_NAMES {
        let p = dir.join(name);
        if p.is_file() {
            found.push(p);
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(KustomizeError::Kustomization {
            file: dir.display().to_string(),
            message: "found multiple kustomization files".into(),
        }),
    }
}

/// Lexically joins and normalises `rel` onto `base` (no symlink resolution).
pub fn join_clean(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves `rel` against `dir`, applying the restrictor to files.
pub fn resolve_file(dir: &Path, rel: &str, restrictor: LoadRestrictor) -> Result<PathBuf> {
    if is_remote(rel) {
        return Err(KustomizeError::Unsupported(format!(
            "remote resource '{rel}' is not supported: Flux builds only local files"
        )));
    }
    let path = join_clean(dir, rel);
    if restrictor == LoadRestrictor::RootOnly {
        let real = path.canonicalize().map_err(|e| KustomizeError::Io {
            path: path.clone(),
            source: e,
        })?;
        let root = dir.canonicalize().map_err(|e| KustomizeError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        if !real.starts_with(&root) {
            return Err(KustomizeError::Restricted {
                path: real.display().to_string(),
                root: root.display().to_string(),
            });
        }
    }
    Ok(path)
}

/// Reads a referenced file as text.
pub fn read_file(dir: &Path, rel: &str, restrictor: LoadRestrictor) -> Result<(PathBuf, String)> {
    let path = resolve_file(dir, rel, restrictor)?;
    let meta = std::fs::metadata(&path).map_err(|e| KustomizeError::Io {
        path: path.clone(),
        source: e,
    })?;
    if meta.len() > crate::yaml::MAX_FILE_BYTES as u64 {
        return Err(KustomizeError::Build(format!(
            "{}: file is larger than {} bytes",
            path.display(),
            crate::yaml::MAX_FILE_BYTES
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| KustomizeError::Io {
        path: path.clone(),
        source: e,
    })?;
    Ok((path, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lexically() {
        assert_eq!(join_clean(Path::new("a/b"), "../../c"), PathBuf::from("c"));
        assert_eq!(join_clean(Path::new("a"), "../../c"), PathBuf::from("../c"));
        assert_eq!(join_clean(Path::new("/a"), "../../c"), PathBuf::from("/c"));
    }

    #[test]
    fn refuses_remote_and_escaping_paths() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("app");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(dir.path().join("secret.yaml"), "a: b").unwrap();
        assert!(matches!(
            read_file(&sub, "../secret.yaml", LoadRestrictor::RootOnly),
            Err(KustomizeError::Restricted { .. })
        ));
        assert!(read_file(&sub, "../secret.yaml", LoadRestrictor::None).is_ok());
        assert!(matches!(
            read_file(&sub, "https://example.com/x.yaml", LoadRestrictor::None),
            Err(KustomizeError::Unsupported(_))
        ));
    }
}
