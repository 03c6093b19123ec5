//! A Git work tree driven through the git CLI with credentials that never land on disk in the
//! repository config: HTTP auth goes in an `http.extraHeader`, SSH in `GIT_SSH_COMMAND`.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use tokio::process::Command;

use crate::error::{Result, usage};

/// How to authenticate to the remote.
#[derive(Debug, Clone, Default)]
pub enum GitAuth {
    /// No credentials.
    #[default]
    None,
    /// HTTP basic auth.
    Basic {
        /// User.
        username: String,
        /// Password or token.
        password: String,
    },
    /// HTTP bearer token.
    Bearer(String),
    /// SSH key with a known_hosts file.
    Ssh {
        /// Private key file.
        key: PathBuf,
        /// known_hosts file.
        known_hosts: PathBuf,
    },
}

/// A clone of the bootstrap repository.
#[derive(Debug)]
pub struct Repo {
    dir: PathBuf,
    auth: GitAuth,
    ca_file: Option<PathBuf>,
}

impl Repo {
    async fn git(&self, cwd: &Path, args: &[&str]) -> Result<String> {
        let mut cmd = Command::new("git");
        cmd.current_dir(cwd)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "/bin/false")
            .env("SSH_ASKPASS", "/bin/false")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        match &self.auth {
            GitAuth::Basic { username, password } => {
                let token = B64.encode(format!("{username}:{password}"));
                cmd.args([
                    "-c",
                    &format!("http.extraHeader=Authorization: Basic {token}"),
                ]);
            }
            GitAuth::Bearer(t) => {
                cmd.args(["-c", &format!("http.extraHeader=Authorization: Bearer {t}")]);
            }
            GitAuth::Ssh { key, known_hosts } => {
                cmd.env(
                    "GIT_SSH_COMMAND",
                    format!(
                        "ssh -i '{}' -o IdentitiesOnly=yes -o UserKnownHostsFile='{}' -o StrictHostKeyChecking=yes -o BatchMode=yes",
                        key.display(),
                        known_hosts.display()
                    ),
                );
            }
            GitAuth::None => {}
        }
        if let Some(ca) = &self.ca_file {
            cmd.args(["-c", &format!("http.sslCAInfo={}", ca.display())]);
        }
        cmd.args(args);
        let out = cmd
            .output()
            .await
            .map_err(|e| usage(format!("running git: {e}")))?;
        if !out.status.success() {
            let verb = args.iter().find(|a| !a.starts_with('-')).unwrap_or(&"");
            return Err(usage(format!(
                "git {verb} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Clones `url` into `dir` and checks out `branch` (created when the repository is empty
    /// or lacks it).
    pub async fn clone(
        url: &str,
        branch: &str,
        dir: &Path,
        auth: GitAuth,
        ca_file: Option<PathBuf>,
    ) -> Result<Repo> {
        let repo = Repo {
            dir: dir.to_path_buf(),
            auth,
            ca_file,
        };
        let parent = dir.parent().unwrap_or(dir);
        let target = dir.to_string_lossy().into_owned();
        repo.git(parent, &["clone", "--quiet", url, &target])
            .await?;
        let has_branch = repo
            .git(dir, &["ls-remote", "--heads", "origin", branch])
            .await?;
        if has_branch.is_empty() {
            repo.git(dir, &["checkout", "--quiet", "-B", branch])
                .await?;
        } else {
            repo.git(
                dir,
                &[
                    "checkout",
                    "--quiet",
                    "-B",
                    branch,
                    &format!("origin/{branch}"),
                ],
            )
            .await?;
        }
        Ok(repo)
    }

    /// The work tree.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stages `paths` and commits them; returns the new commit, or `None` if nothing changed.
    pub async fn commit(
        &self,
        paths: &[&str],
        message: &str,
        author_name: &str,
        author_email: &str,
    ) -> Result<Option<String>> {
        let mut add = vec!["add", "--"];
        add.extend_from_slice(paths);
        self.git(&self.dir, &add).await?;
        let status = self.git(&self.dir, &["status", "--porcelain"]).await?;
        if status.is_empty() {
            return Ok(None);
        }
        let name = format!("user.name={author_name}");
        let email = format!("user.email={author_email}");
        self.git(
            &self.dir,
            &[
                "-c", &name, "-c", &email, "commit", "--quiet", "-m", message,
            ],
        )
        .await?;
        Ok(Some(self.git(&self.dir, &["rev-parse", "HEAD"]).await?))
    }

    /// Pushes `branch` to origin.
    pub async fn push(&self, branch: &str) -> Result<()> {
        self.git(
            &self.dir,
            &[
                "push",
                "--quiet",
                "origin",
                &format!("HEAD:refs/heads/{branch}"),
            ],
        )
        .await
        .map(|_| ())
    }
}
