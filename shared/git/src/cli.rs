//! The git CLI fallback, used only where gix lacks a feature: checking out
//! submodules (`spec.recurseSubmodules`, gitoxide#2387).
//!
//! Credentials reach git without touching the command line: basic auth and bearer
//! tokens through `GIT_CONFIG_*` environment entries (`http.extraHeader`), the CA and
//! client certificate through files in a private temporary directory, SSH through
//! `GIT_SSH_COMMAND` built like the gix path. Submodules are fetched with the same
//! credentials, as Flux does.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::commit::{AnnotatedTag, Commit};
use crate::error::{Error, Result};
use crate::options::{CheckoutOptions, Strategy, Transport};
use crate::redact::{redact_message, redact_url};

struct Git<'a> {
    opts: &'a CheckoutOptions,
    env: Vec<(String, String)>,
    deadline: Instant,
    _dir: tempfile::TempDir,
}

impl Git<'_> {
    fn run(&self, cwd: &Path, args: &[&str], what: &str) -> Result<String> {
        self.run_raw(cwd, args, what)
            .map(|out| String::from_utf8_lossy(&out).trim().to_string())
    }

    fn run_raw(&self, cwd: &Path, args: &[&str], what: &str) -> Result<Vec<u8>> {
        let mut cmd = Command::new("git");
        cmd.current_dir(cwd)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let output = run_with_deadline(cmd, self.deadline).map_err(|e| match e {
            RunError::Io(e) => Error::io("running the git CLI (is git installed?)", e),
            RunError::TimedOut => Error::Timeout {
                url: redact_url(&self.opts.url),
                timeout: self.opts.timeout,
            },
        })?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = redact_message(stderr.trim(), &self.opts.auth.secrets());
        let url = redact_url(&self.opts.url);
        let lower = message.to_ascii_lowercase();
        Err(
            if lower.contains("authentication") || lower.contains("permission denied") {
                Error::Authentication { url, message }
            } else if lower.contains("not found") || lower.contains("couldn't find remote ref") {
                Error::NotFound {
                    url,
                    what: what.to_string(),
                }
            } else if lower.contains("could not resolve") || lower.contains("connect") {
                Error::Network { url, message }
            } else {
                Error::Git { url, message }
            },
        )
    }
}

enum RunError {
    Io(std::io::Error),
    TimedOut,
}

/// Runs `cmd`, killing it when `deadline` passes. Output is drained on threads so a
/// chatty child cannot block on a full pipe.
fn run_with_deadline(mut cmd: Command, deadline: Instant) -> Result<Output, RunError> {
    let mut child = cmd.spawn().map_err(RunError::Io)?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        if let Some(status) = child.try_wait().map_err(RunError::Io)? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn setup(opts: &CheckoutOptions) -> Result<Git<'_>> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("creating a temporary directory", e))?;
    let mut config: Vec<(String, String)> = Vec::new();
    let auth = &opts.auth;
    let transport = Transport::from_url(&opts.url)?;
    if matches!(transport, Transport::Http | Transport::Https) {
        if let Some(user) = &auth.username {
            use base64::Engine;
            let raw = format!("{user}:{}", auth.password.as_deref().unwrap_or_default());
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
            config.push((
                "http.extraHeader".into(),
                format!("Authorization: Basic {encoded}"),
            ));
        } else if let Some(token) = &auth.bearer_token {
            config.push((
                "http.extraHeader".into(),
                format!("Authorization: Bearer {token}"),
            ));
        }
        if let Some(ca) = &auth.ca_cert {
            let path = dir.path().join("ca.crt");
            std::fs::write(&path, ca).map_err(|e| Error::io("writing ca.crt", e))?;
            config.push(("http.sslCAInfo".into(), path.display().to_string()));
        }
        if let (Some(cert), Some(key)) = (&auth.client_cert, &auth.client_key) {
            let c = dir.path().join("tls.crt");
            let k = dir.path().join("tls.key");
            std::fs::write(&c, cert).map_err(|e| Error::io("writing tls.crt", e))?;
            std::fs::write(&k, key).map_err(|e| Error::io("writing tls.key", e))?;
            config.push(("http.sslCert".into(), c.display().to_string()));
            config.push(("http.sslKey".into(), k.display().to_string()));
        }
        if let Some(proxy) = &auth.proxy {
            config.push(("http.proxy".into(), proxy.address.clone()));
        }
    }
    // Submodules over file:// are refused by default since git 2.38.1.
    if transport == Transport::File {
        config.push(("protocol.file.allow".into(), "always".into()));
    }
    let mut env = vec![("GIT_CONFIG_COUNT".to_string(), config.len().to_string())];
    for (i, (k, v)) in config.into_iter().enumerate() {
        env.push((format!("GIT_CONFIG_KEY_{i}"), k));
        env.push((format!("GIT_CONFIG_VALUE_{i}"), v));
    }
    if transport == Transport::Ssh {
        let session = crate::transport::ssh_command(dir.path(), auth, opts.timeout, false)?;
        env.push(("GIT_SSH_COMMAND".into(), session));
    }
    Ok(Git {
        opts,
        env,
        deadline: Instant::now() + opts.timeout,
        _dir: dir,
    })
}

/// Clones with the git CLI, checking out submodules recursively.
pub(crate) fn checkout(opts: &CheckoutOptions, strategy: &Strategy, dest: &Path) -> Result<Commit> {
    let git = setup(opts)?;
    let (rev, reference, full, what) = match strategy {
        Strategy::Branch(b) => (
            format!("refs/heads/{b}"),
            format!("refs/heads/{b}"),
            false,
            format!("branch '{b}'"),
        ),
        Strategy::Tag(t) => (
            format!("refs/tags/{t}"),
            format!("refs/tags/{t}"),
            false,
            format!("tag '{t}'"),
        ),
        Strategy::Name(n) => (n.clone(), n.clone(), true, format!("ref '{n}'")),
        Strategy::SemVer(c) => {
            let out = git.run(dest, &["ls-remote", "--tags", &opts.url], "tags")?;
            let names = out
                .lines()
                .filter_map(|l| l.split('\t').nth(1))
                .filter_map(|r| r.strip_prefix("refs/tags/"))
                .filter(|n| !n.ends_with("^{}"));
            let (tag, _) =
                flux_semver::latest_matching(names, c).ok_or_else(|| Error::NotFound {
                    url: redact_url(&opts.url),
                    what: format!("tag matching semver '{c}'"),
                })?;
            (
                format!("refs/tags/{tag}"),
                format!("refs/tags/{tag}"),
                false,
                format!("tag '{tag}'"),
            )
        }
        Strategy::Commit { sha, branch } => (
            branch
                .as_ref()
                .map(|b| format!("refs/heads/{b}"))
                .unwrap_or_else(|| "+refs/heads/*:refs/remotes/origin/*".into()),
            branch
                .as_ref()
                .map(|b| format!("refs/heads/{b}"))
                .unwrap_or_default(),
            false,
            format!("commit '{sha}'"),
        ),
    };
    git.run(dest, &["init", "--quiet"], &what)?;
    let mut fetch = vec!["fetch", "--quiet", "--no-tags"];
    let shallow = opts.shallow && !matches!(strategy, Strategy::Commit { .. });
    if shallow {
        fetch.push("--depth=1");
    }
    fetch.extend([opts.url.as_str(), rev.as_str()]);
    git.run(dest, &fetch, &what)?;
    let checkout_rev = match strategy {
        Strategy::Commit { sha, .. } => sha.clone(),
        _ => "FETCH_HEAD".to_string(),
    };
    git.run(
        dest,
        &["checkout", "--quiet", "--detach", &checkout_rev],
        &what,
    )?;
    let mut update = vec!["submodule", "update", "--init", "--recursive", "--quiet"];
    if shallow {
        update.push("--depth=1");
    }
    git.run(dest, &update, "submodules")?;

    let hash = git.run(dest, &["rev-parse", "HEAD"], &what)?;
    let raw = git.run_raw(dest, &["cat-file", "commit", &hash], &what)?;
    let mut commit = Commit::from_raw(&hash, &reference, full, &raw);
    if reference.starts_with("refs/tags/")
        && let Ok(tag_id) = git.run(dest, &["rev-parse", "FETCH_HEAD"], &what)
        && tag_id != hash
        && let Ok(raw) = git.run_raw(dest, &["cat-file", "tag", &tag_id], &what)
    {
        commit.referencing_tag = Some(AnnotatedTag::from_raw(&tag_id, &raw));
    }
    remove_git_dirs(dest)?;
    let sparse = crate::worktree::normalize_sparse(&opts.sparse_checkout);
    crate::worktree::prune_to_sparse(dest, &sparse)?;
    for dir in &sparse {
        if std::fs::symlink_metadata(dest.join(dir)).is_err() {
            return Err(Error::NotFound {
                url: redact_url(&opts.url),
                what: format!("sparse checkout directory '{dir}' in commit '{hash}'"),
            });
        }
    }
    Ok(commit)
}

/// Removes `.git` directories and submodule `.git` files, so the result looks like
/// the gix path's: only the tree.
fn remove_git_dirs(dir: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
        let path = entry.path();
        let ty = entry
            .file_type()
            .map_err(|e| Error::io(format!("inspecting {}", path.display()), e))?;
        if entry.file_name() == ".git" {
            let res = if ty.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            res.map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
        } else if ty.is_dir() {
            remove_git_dirs(&path)?;
        }
    }
    Ok(())
}
