//! Locating (and if needed building) the control-plane binaries.
//!
//! `FLUX_RS_TESTBINS` names a directory holding them; otherwise `e2e/scripts/build-testbins.sh`
//! builds whatever is missing into a version-keyed cache and prints that directory. There is no
//! silent skip: missing binaries are built or reported as an error.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::{TestkitError, repo_root};

/// The binaries a control plane needs.
pub const BINARIES: [&str; 5] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
];

/// Environment variable naming a directory that holds [`BINARIES`].
pub const TESTBINS_ENV: &str = "FLUX_RS_TESTBINS";

static LOCATED: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The directory holding the control-plane binaries, building them first if needed.
pub fn testbins_dir() -> Result<PathBuf, TestkitError> {
    let mut located = LOCATED
        .lock()
        .map_err(|_| TestkitError::Testbins("a previous lookup panicked".into()))?;
    if let Some(dir) = located.as_ref() {
        return Ok(dir.clone());
    }
    let dir = match std::env::var_os(TESTBINS_ENV) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            check_complete(&dir).map_err(|missing| {
                TestkitError::Testbins(format!(
                    "{TESTBINS_ENV}={} lacks {missing}; unset it to build them with e2e/scripts/build-testbins.sh",
                    dir.display()
                ))
            })?;
            dir
        }
        None => build()?,
    };
    *located = Some(dir.clone());
    Ok(dir)
}

/// A test binary that `e2e/scripts/build-testbins.sh` links next to the control-plane
/// binaries (the registry, cosign), or an error saying how to get it.
pub fn testbin(name: &str) -> Result<PathBuf, TestkitError> {
    let bin = testbins_dir()?.join(name);
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(TestkitError::Testbins(format!(
            "{} is missing; run e2e/scripts/build-testbins.sh (or unset {TESTBINS_ENV})",
            bin.display()
        )))
    }
}

fn build() -> Result<PathBuf, TestkitError> {
    let script = repo_root().join("e2e/scripts/build-testbins.sh");
    let cache = std::env::var_os("FLUX_RS_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/flux-rs")))
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&cache)
        .map_err(TestkitError::io(format!("creating {}", cache.display())))?;
    // Serialise builds across processes (two test binaries, or local-cluster next to a test).
    let lock = cache.join("testbins.lock");
    let mut cmd = Command::new("flock");
    cmd.arg(&lock).arg("bash").arg(&script);
    let output = match cmd.stderr(Stdio::inherit()).output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Command::new("bash")
            .arg(&script)
            .stderr(Stdio::inherit())
            .output(),
        other => other,
    }
    .map_err(TestkitError::io(format!("running {}", script.display())))?;
    if !output.status.success() {
        return Err(TestkitError::Testbins(format!(
            "{} failed with {} (its output is above); it needs Go with access to the module proxy",
            script.display(),
            output.status
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let dir = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| PathBuf::from(l.trim()))
        .ok_or_else(|| {
            TestkitError::Testbins(format!(
                "{} printed no directory on stdout",
                script.display()
            ))
        })?;
    check_complete(&dir).map_err(|missing| {
        TestkitError::Testbins(format!(
            "{} finished but {} lacks {missing}",
            script.display(),
            dir.display()
        ))
    })?;
    Ok(dir)
}

/// `Err(list of missing binaries)` unless every binary is present in `dir`.
fn check_complete(dir: &Path) -> Result<(), String> {
    let missing: Vec<&str> = BINARIES
        .iter()
        .copied()
        .filter(|b| !dir.join(b).is_file())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing.join(", "))
    }
}
