//! A bare repository with a work clone, driven through the git CLI.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

use crate::TestkitError;

/// A bare repository served by a fixture, with a private work clone used to create commits.
///
/// Changes are committed in the work clone and pushed to the bare repository through the file
/// system, so they do not depend on the server's authentication.
#[derive(Debug)]
pub struct TestRepo {
    name: String,
    bare: PathBuf,
    work: PathBuf,
    url: String,
}

impl TestRepo {
    /// Creates `<root>/<name>.git` (default branch `main`) and its work clone under `work_root`.
    pub(crate) async fn create(
        root: &Path,
        work_root: &Path,
        name: &str,
        url: String,
    ) -> Result<TestRepo, TestkitError> {
        if name.is_empty() || name.contains("..") || name.starts_with('/') {
            return Err(TestkitError::Git {
                args: format!("init {name}"),
                message: "repository names must be non-empty relative paths without '..'".into(),
            });
        }
        let bare = root.join(format!("{name}.git"));
        let work = work_root.join(name);
        git(
            root,
            &["init", "--quiet", "--bare", "--initial-branch=main"],
            Some(&bare),
        )
        .await?;
        // Pushes over HTTP, and fetches of a single commit or with filters (as Flux's
        // `spec.ref.commit` and shallow clones do), must all work against the fixture.
        for (key, value) in [
            ("http.receivepack", "true"),
            ("uploadpack.allowReachableSHA1InWant", "true"),
            ("uploadpack.allowFilter", "true"),
        ] {
            git(&bare, &["config", key, value], None).await?;
        }
        tokio::fs::create_dir_all(&work)
            .await
            .map_err(TestkitError::io(format!("creating {}", work.display())))?;
        git(&work, &["init", "--quiet", "--initial-branch=main"], None).await?;
        let bare_str = bare.to_string_lossy().into_owned();
        git(&work, &["remote", "add", "origin", &bare_str], None).await?;
        Ok(TestRepo {
            name: name.to_owned(),
            bare,
            work,
            url,
        })
    }

    /// The repository's name, as given to `create_repo`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL clients clone from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Path of the bare repository on disk.
    pub fn bare_path(&self) -> &Path {
        &self.bare
    }

    /// Writes `files` (path relative to the repository root, contents), commits them on the
    /// current branch, pushes, and returns the commit SHA. Unchanged contents still produce a
    /// new (empty) commit, so every call moves the branch.
    pub async fn commit_files(
        &self,
        files: &[(&str, &str)],
        message: &str,
    ) -> Result<String, TestkitError> {
        for (path, contents) in files {
            let target = self.work_path(path)?;
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(TestkitError::io(format!("creating {}", parent.display())))?;
            }
            tokio::fs::write(&target, contents)
                .await
                .map_err(TestkitError::io(format!("writing {}", target.display())))?;
        }
        git(&self.work, &["add", "--all"], None).await?;
        self.commit_and_push(message).await
    }

    /// Deletes `path` (a file or directory), commits on the current branch, pushes, and returns
    /// the commit SHA.
    pub async fn delete_file(&self, path: &str, message: &str) -> Result<String, TestkitError> {
        self.work_path(path)?;
        git(&self.work, &["rm", "-r", "--quiet", "--", path], None).await?;
        self.commit_and_push(message).await
    }

    /// Creates the lightweight tag `name` at the current commit and pushes it; returns the SHA.
    pub async fn tag(&self, name: &str) -> Result<String, TestkitError> {
        git(&self.work, &["tag", name], None).await?;
        git(
            &self.work,
            &["push", "--quiet", "origin", &format!("refs/tags/{name}")],
            None,
        )
        .await?;
        self.head().await
    }

    /// Creates the annotated tag `name` at the current commit and pushes it; returns the SHA of
    /// the tagged commit.
    pub async fn annotated_tag(&self, name: &str, message: &str) -> Result<String, TestkitError> {
        git(&self.work, &["tag", "-a", name, "-m", message], None).await?;
        git(
            &self.work,
            &["push", "--quiet", "origin", &format!("refs/tags/{name}")],
            None,
        )
        .await?;
        self.head().await
    }

    /// Creates branch `name` at the current commit, pushes it and switches to it: later commits
    /// go to `name` until [`checkout`](Self::checkout) switches back.
    pub async fn branch(&self, name: &str) -> Result<String, TestkitError> {
        git(&self.work, &["checkout", "--quiet", "-b", name], None).await?;
        git(
            &self.work,
            &[
                "push",
                "--quiet",
                "origin",
                &format!("HEAD:refs/heads/{name}"),
            ],
            None,
        )
        .await?;
        self.head().await
    }

    /// Switches the work clone to the existing branch `name`.
    pub async fn checkout(&self, name: &str) -> Result<(), TestkitError> {
        git(&self.work, &["checkout", "--quiet", name], None).await?;
        Ok(())
    }

    /// SHA of the current commit of the work clone's branch.
    pub async fn head(&self) -> Result<String, TestkitError> {
        let out = git(&self.work, &["rev-parse", "HEAD"], None).await?;
        Ok(out.trim().to_owned())
    }

    /// Name of the work clone's current branch.
    pub async fn current_branch(&self) -> Result<String, TestkitError> {
        let out = git(&self.work, &["symbolic-ref", "--short", "HEAD"], None).await?;
        Ok(out.trim().to_owned())
    }

    async fn commit_and_push(&self, message: &str) -> Result<String, TestkitError> {
        git(
            &self.work,
            &["commit", "--quiet", "--allow-empty", "-m", message],
            None,
        )
        .await?;
        let branch = self.current_branch().await?;
        git(
            &self.work,
            &[
                "push",
                "--quiet",
                "origin",
                &format!("HEAD:refs/heads/{branch}"),
            ],
            None,
        )
        .await?;
        self.head().await
    }

    fn work_path(&self, path: &str) -> Result<PathBuf, TestkitError> {
        let rel = Path::new(path);
        if path.is_empty()
            || rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(TestkitError::Git {
                args: format!("(path {path:?})"),
                message: "paths must be relative to the repository root, without '..'".into(),
            });
        }
        Ok(self.work.join(rel))
    }
}

/// Runs git in `dir` with an isolated configuration and a fixed identity; returns stdout.
/// `extra` is appended as a path argument.
pub(crate) async fn git(
    dir: &Path,
    args: &[&str],
    extra: Option<&Path>,
) -> Result<String, TestkitError> {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(args);
    if let Some(p) = extra {
        cmd.arg(p);
    }
    isolate(&mut cmd);
    let shown = || {
        let mut s = args.join(" ");
        if let Some(p) = extra {
            s.push(' ');
            s.push_str(&p.to_string_lossy());
        }
        s
    };
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(TestkitError::io(format!("running git {}", shown())))?;
    if !out.status.success() {
        return Err(TestkitError::Git {
            args: shown(),
            message: format!(
                "{} in {}: {}",
                out.status,
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Keeps the developer's git configuration out and fixes author and committer.
pub(crate) fn isolate(cmd: &mut Command) {
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Flux Testkit")
        .env("GIT_AUTHOR_EMAIL", "testkit@flux-rs.invalid")
        .env("GIT_COMMITTER_NAME", "Flux Testkit")
        .env("GIT_COMMITTER_EMAIL", "testkit@flux-rs.invalid");
}
