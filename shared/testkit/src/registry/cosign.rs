//! The real `cosign` CLI (built from `github.com/sigstore/cosign/v2` by
//! `e2e/scripts/build-testbins.sh` and linked next to the control-plane binaries), so that
//! verification tests check signatures cosign itself made rather than our own imitation.
//!
//! Keys come from `cosign generate-key-pair`; signing is `cosign sign --key` without a
//! transparency-log upload, against an [`OciRegistry`] with its basic auth passed through
//! a private `DOCKER_CONFIG`.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use super::OciRegistry;
use crate::TestkitError;

/// The cosign binary: next to the control-plane binaries.
pub fn cosign_binary() -> Result<PathBuf, TestkitError> {
    crate::testbin("cosign")
}

/// A cosign key pair (`cosign.key`, encrypted with a password, and `cosign.pub`) in a
/// temporary directory.
pub struct CosignKeyPair {
    bin: PathBuf,
    dir: TempDir,
    password: String,
}

impl std::fmt::Debug for CosignKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosignKeyPair")
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl CosignKeyPair {
    /// Runs `cosign generate-key-pair` with `COSIGN_PASSWORD=password`.
    pub fn generate(password: &str) -> Result<CosignKeyPair, TestkitError> {
        let bin = cosign_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("flux-testkit-cosign-")
            .tempdir()
            .map_err(TestkitError::io("creating the cosign key dir"))?;
        let pair = CosignKeyPair {
            bin,
            dir,
            password: password.to_string(),
        };
        let mut cmd = pair.command();
        cmd.arg("generate-key-pair");
        run(cmd, "cosign generate-key-pair")?;
        Ok(pair)
    }

    /// The public key, PEM (what goes in a `*.pub` key of a verification Secret).
    pub fn public_key_pem(&self) -> Result<String, TestkitError> {
        let path = self.dir.path().join("cosign.pub");
        std::fs::read_to_string(&path).map_err(TestkitError::io(format!(
            "reading {} written by cosign",
            path.display()
        )))
    }

    /// The encrypted private key file.
    pub fn private_key_path(&self) -> PathBuf {
        self.dir.path().join("cosign.key")
    }

    /// Signs `repository@digest` in `registry` with `cosign sign --key`, storing the
    /// signature in the registry as cosign v2 does by default (the `sha256-<hex>.sig` tag).
    pub fn sign(
        &self,
        registry: &OciRegistry,
        repository: &str,
        digest: &str,
    ) -> Result<(), TestkitError> {
        self.sign_with(registry, repository, digest, &[])
    }

    /// Signs with `cosign sign --key --new-bundle-format`: a Sigstore bundle stored as an
    /// OCI referrer of the manifest (the default from cosign v3).
    pub fn sign_bundle(
        &self,
        registry: &OciRegistry,
        repository: &str,
        digest: &str,
    ) -> Result<(), TestkitError> {
        self.sign_with(registry, repository, digest, &["--new-bundle-format"])
    }

    fn sign_with(
        &self,
        registry: &OciRegistry,
        repository: &str,
        digest: &str,
        flags: &[&str],
    ) -> Result<(), TestkitError> {
        let docker_config = self.dir.path().join("docker");
        write_docker_config(&docker_config, registry)?;
        let reference = format!("{}/{repository}@{digest}", registry.host());
        let mut cmd = self.command();
        if let Some(ca) = registry.ca_pem() {
            // Go reads extra roots from SSL_CERT_FILE.
            let path = self.dir.path().join("registry-ca.pem");
            std::fs::write(&path, ca)
                .map_err(TestkitError::io(format!("writing {}", path.display())))?;
            cmd.env("SSL_CERT_FILE", path);
        }
        cmd.env("DOCKER_CONFIG", &docker_config)
            .arg("sign")
            .arg("--key")
            .arg(self.private_key_path())
            .args(["--tlog-upload=false", "--allow-http-registry", "--yes"])
            .args(flags)
            .arg(&reference);
        run(cmd, &format!("cosign sign {reference}")).map(|_| ())
    }

    /// `cosign` run in the key directory, with the password and a private home so no
    /// user configuration or TUF cache leaks in.
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(self.dir.path())
            .env("COSIGN_PASSWORD", &self.password)
            .env("HOME", self.dir.path())
            .env("TUF_ROOT", self.dir.path().join("tuf"));
        cmd
    }
}

fn write_docker_config(dir: &Path, registry: &OciRegistry) -> Result<(), TestkitError> {
    std::fs::create_dir_all(dir)
        .map_err(TestkitError::io(format!("creating {}", dir.display())))?;
    let path = dir.join("config.json");
    std::fs::write(&path, registry.docker_config_json())
        .map_err(TestkitError::io(format!("writing {}", path.display())))
}

/// Runs `cmd`, failing with its stderr when it exits non-zero. Returns stdout.
fn run(mut cmd: Command, what: &str) -> Result<String, TestkitError> {
    let output = cmd
        .output()
        .map_err(TestkitError::io(format!("running {what}")))?;
    if !output.status.success() {
        return Err(TestkitError::Io {
            context: format!("{what} exited with {}", output.status),
            source: std::io::Error::other(String::from_utf8_lossy(&output.stderr).into_owned()),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
