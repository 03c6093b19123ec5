//! Key/value sources of generators: env files, literals and files.

use crate::error::{KustomizeError, Result, build_err};
use crate::loader::{self, LoadRestrictor};
use std::path::Path;

fn strip_quotes(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

fn read_bytes(dir: &Path, rel: &str, restrictor: LoadRestrictor) -> Result<Vec<u8>> {
    let path = loader::resolve_file(dir, rel, restrictor)?;
    if path.is_dir() {
        return Err(build_err!("{}: is a directory, not a file", path.display()));
    }
    std::fs::read(&path).map_err(|e| KustomizeError::Io { path, source: e })
}

/// Loads pairs in kustomize's order: env files, literals, then files.
pub fn load_pairs(
    dir: &Path,
    restrictor: LoadRestrictor,
    envs: &[String],
    literals: &[String],
    files: &[String],
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for env in envs {
        let bytes = read_bytes(dir, env, restrictor)?;
        // kustomize's env files: lines trimmed on the left, `#` comments,
        // `KEY=VALUE` split at the first `=`, a bare `KEY` means "".
        for (n, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let raw = if n == 0 {
                raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)
            } else {
                raw
            };
            let line = std::str::from_utf8(raw)
                .map_err(|_| build_err!("{env}: line {n} has invalid utf8 bytes"))?
                .trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            if k.is_empty() {
                continue;
            }
            out.push((k.to_string(), v.as_bytes().to_vec()));
        }
    }
    for lit in literals {
        let Some((k, v)) = lit.split_once('=') else {
            return Err(build_err!(
                "invalid literal source '{lit}', expected key=value"
            ));
        };
        if k.is_empty() {
            return Err(build_err!(
                "invalid literal source '{lit}', expected key=value"
            ));
        }
        out.push((k.to_string(), strip_quotes(v).as_bytes().to_vec()));
    }
    for f in files {
        let (key, path) = match f.split_once('=') {
            Some((k, p)) => {
                if k.is_empty() || p.is_empty() {
                    return Err(build_err!("invalid file source '{f}'"));
                }
                (k.to_string(), p.to_string())
            }
            None => {
                let base = Path::new(f)
                    .file_name()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                (base, f.clone())
            }
        };
        out.push((key, read_bytes(dir, &path, restrictor)?));
    }
    Ok(out)
}
