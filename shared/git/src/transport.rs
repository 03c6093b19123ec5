//! Connecting to a remote with gix: a throw-away bare repository, credentials, HTTP
//! client configuration (CA, client certificate, proxy, bearer token) and the `ssh`
//! command with the Secret's key and known_hosts.
//!
//! gix speaks SSH by launching the `ssh` program. The identity and known_hosts are
//! written to 0600 files in a private temporary directory that is removed when the
//! [`Session`] drops; a passphrase is handed to ssh through an askpass script that
//! reads it from a 0600 file, so it never appears on a command line.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use gix::protocol::transport::client::blocking_io::http;
use gix::remote::Direction;

use crate::error::{Error, Result};
use crate::options::{AuthOptions, Transport};
use crate::redact::{redact_message, redact_url};

/// A temporary bare repository plus everything needed to talk to one remote.
pub(crate) struct Session {
    pub repo: gix::Repository,
    pub url: String,
    pub redacted_url: String,
    pub transport: Transport,
    auth: AuthOptions,
    timeout: Duration,
    deadline: Instant,
    interrupt: Arc<AtomicBool>,
    dir: tempfile::TempDir,
}

const SSH_LOG: &str = "ssh.log";

fn write_private(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    f.write_all(data)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// Builds the `core.sshCommand` value for the auth options, writing key material to `dir`.
/// With `log`, ssh writes its messages to `ssh.log` in `dir` (gix does not capture
/// the program's stderr, and "Host key verification failed" is only said there).
pub(crate) fn ssh_command(
    dir: &Path,
    auth: &AuthOptions,
    timeout: Duration,
    log: bool,
) -> Result<String> {
    let mut cmd = String::new();
    let mut args = vec![
        "-o StrictHostKeyChecking=yes".to_string(),
        "-o IdentitiesOnly=yes".to_string(),
        "-o GlobalKnownHostsFile=/dev/null".to_string(),
        "-F /dev/null".to_string(),
        format!("-o ConnectTimeout={}", timeout.as_secs().max(1)),
    ];
    if log {
        args.push(format!("-E {}", shell_quote(&dir.join(SSH_LOG))));
    }
    if let Some(known_hosts) = &auth.known_hosts {
        let path = dir.join("known_hosts");
        write_private(&path, known_hosts, 0o600)?;
        args.push(format!("-o UserKnownHostsFile={}", shell_quote(&path)));
    }
    if let Some(identity) = &auth.identity {
        let path = dir.join("identity");
        let mut key = identity.clone();
        // ssh rejects a key file without a final newline.
        if !key.ends_with(b"\n") {
            key.push(b'\n');
        }
        write_private(&path, &key, 0o600)?;
        args.push(format!("-i {}", shell_quote(&path)));
    }
    match auth.password.as_deref().filter(|_| auth.identity.is_some()) {
        Some(passphrase) => {
            let pass = dir.join("passphrase");
            write_private(&pass, passphrase.as_bytes(), 0o600)?;
            let askpass = dir.join("askpass.sh");
            write_private(
                &askpass,
                format!("#!/bin/sh\ncat {}\n", shell_quote(&pass)).as_bytes(),
                0o700,
            )?;
            cmd.push_str(&format!(
                "SSH_ASKPASS={} SSH_ASKPASS_REQUIRE=force DISPLAY=none ",
                shell_quote(&askpass)
            ));
        }
        None => args.push("-o BatchMode=yes".to_string()),
    }
    cmd.push_str("ssh ");
    cmd.push_str(&args.join(" "));
    Ok(cmd)
}

impl Session {
    /// Creates the session: a bare repository in a private temporary directory.
    pub fn new(url: &str, auth: &AuthOptions, timeout: Duration) -> Result<Self> {
        let transport = Transport::from_url(url)?;
        let redacted_url = redact_url(url);
        gix::Url::try_from(url).map_err(|e| Error::InvalidUrl {
            url: redacted_url.clone(),
            reason: e.to_string(),
        })?;
        if transport != Transport::File {
            auth.validate(transport)?;
        }
        let dir = tempfile::Builder::new()
            .prefix("flux-git-")
            .tempdir()
            .map_err(|e| Error::io("creating a temporary directory", e))?;
        let mut overrides = vec!["protocol.version=2".to_string()];
        if transport == Transport::Ssh {
            overrides.push(format!(
                "core.sshCommand={}",
                ssh_command(dir.path(), auth, timeout, true)?
            ));
        }
        let repo = gix::ThreadSafeRepository::init_opts(
            dir.path().join("repo.git"),
            gix::create::Kind::Bare,
            gix::create::Options::default(),
            gix::open::Options::isolated().config_overrides(overrides),
        )
        .map_err(|e| Error::Git {
            url: redacted_url.clone(),
            message: format!("initializing a repository: {e}"),
        })?
        .to_thread_local();
        Ok(Session {
            repo,
            url: url.to_string(),
            redacted_url,
            transport,
            auth: auth.clone(),
            timeout,
            deadline: Instant::now() + timeout,
            interrupt: Arc::new(AtomicBool::new(false)),
            dir,
        })
    }

    /// The flag that aborts an ongoing transfer when the timeout fires.
    pub fn interrupt(&self) -> &AtomicBool {
        &self.interrupt
    }

    /// Starts the watchdog that sets the interrupt flag when the session's deadline
    /// (creation + timeout, shared by all its operations) passes; the returned guard
    /// stops it.
    pub fn start_timer(&self) -> TimerGuard {
        let (tx, rx) = mpsc::channel::<()>();
        let flag = self.interrupt.clone();
        let timeout = self.deadline.saturating_duration_since(Instant::now());
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                flag.store(true, Ordering::SeqCst);
            }
        });
        TimerGuard { _stop: tx }
    }

    pub fn timed_out(&self) -> bool {
        self.interrupt.load(Ordering::SeqCst)
    }

    /// A remote for `refspecs` that fetches no extra tags.
    pub fn remote(&self, refspecs: &[String]) -> Result<gix::Remote<'_>> {
        let remote = self
            .repo
            .remote_at(self.url.as_str())
            .map_err(|e| self.git_error("configuring the remote", &e))?;
        remote
            .with_refspecs(refspecs.iter().map(String::as_str), Direction::Fetch)
            .map_err(|e| Error::InvalidReference(format!("{refspecs:?}: {e}")))
            .map(|r| r.with_fetch_tags(gix::remote::fetch::Tags::None))
    }

    /// Connects `remote`, installing credentials and HTTP options.
    pub fn connect<'r, 'repo>(
        &self,
        remote: &'r gix::Remote<'repo>,
    ) -> Result<
        gix::remote::Connection<
            'r,
            'static,
            'repo,
            Box<dyn gix::protocol::transport::client::blocking_io::Transport + Send>,
        >,
    > {
        let mut conn = remote
            .connect(Direction::Fetch)
            .map_err(|e| self.classify(&e, "the repository"))?;
        let account = match (&self.auth.username, &self.auth.password) {
            (Some(u), p) if self.transport == Transport::Https => {
                Some(gix::sec::identity::Account {
                    username: u.clone(),
                    password: p.clone().unwrap_or_default(),
                    oauth_refresh_token: None,
                })
            }
            _ => None,
        };
        // Never fall back to credential helpers or prompts of the host.
        conn.set_credentials(move |action| match (action, &account) {
            (gix::credentials::helper::Action::Get(ctx), Some(identity)) => {
                Ok(Some(gix::credentials::protocol::Outcome {
                    identity: identity.clone(),
                    next: ctx.into(),
                }))
            }
            _ => Ok(None),
        });
        if matches!(self.transport, Transport::Http | Transport::Https) {
            conn.set_transport_options(Box::new(self.http_options()?));
        }
        Ok(conn)
    }

    fn http_options(&self) -> Result<http::Options> {
        let mut opts = http::Options::default();
        // gix refuses to answer a challenge with credentials over plain http; Flux
        // allows basic auth over http, so the header is sent up front instead.
        if let (Transport::Http, Some(user)) = (self.transport, &self.auth.username) {
            use base64::Engine;
            let raw = format!(
                "{user}:{}",
                self.auth.password.as_deref().unwrap_or_default()
            );
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
            opts.extra_headers
                .push(format!("Authorization: Basic {encoded}"));
        }
        if let Some(token) = &self.auth.bearer_token {
            opts.extra_headers
                .push(format!("Authorization: Bearer {token}"));
        }
        opts.connect_timeout = Some(self.timeout);
        let mut certs = Vec::new();
        if let Some(ca) = &self.auth.ca_cert {
            certs = reqwest::Certificate::from_pem_bundle(ca)
                .map_err(|e| Error::InvalidAuth(format!("'ca.crt' is not a PEM bundle: {e}")))?;
        }
        let identity = match (&self.auth.client_cert, &self.auth.client_key) {
            (Some(cert), Some(key)) => {
                let mut pem = cert.clone();
                pem.push(b'\n');
                pem.extend_from_slice(key);
                Some(reqwest::Identity::from_pem(&pem).map_err(|e| {
                    Error::InvalidAuth(format!("'tls.crt'/'tls.key' are not a PEM pair: {e}"))
                })?)
            }
            _ => None,
        };
        let proxy = match &self.auth.proxy {
            Some(p) => {
                let mut proxy = reqwest::Proxy::all(p.address.as_str()).map_err(|e| {
                    Error::InvalidAuth(format!(
                        "invalid proxy address '{}': {e}",
                        redact_url(&p.address)
                    ))
                })?;
                if let Some(user) = &p.username {
                    proxy = proxy.basic_auth(user, p.password.as_deref().unwrap_or_default());
                }
                Some(proxy)
            }
            None => None,
        };
        let timeout = self.timeout;
        let configure: Box<http::reqwest::ConfigureClientFn> = Box::new(move |mut builder| {
            builder = builder.timeout(timeout);
            if !certs.is_empty() {
                builder = builder.tls_certs_merge(certs.clone());
            }
            if let Some(identity) = identity.clone() {
                builder = builder.identity(identity);
            }
            if let Some(proxy) = proxy.clone() {
                builder = builder.proxy(proxy);
            }
            Ok(builder)
        });
        let backend = http::reqwest::Options {
            configure_client: Some(configure),
            configure_request: None,
        };
        opts.backend = Some(Arc::new(Mutex::new(backend)));
        Ok(opts)
    }

    /// A redacted message for any gix error.
    pub fn message(&self, err: &gix::Error) -> String {
        let mut parts: Vec<String> = Vec::new();
        for e in err.iter_errors() {
            let s = e.to_string();
            if !parts.iter().any(|p| p.contains(&s)) {
                parts.push(s);
            }
        }
        if parts.is_empty() {
            parts.push(err.to_string());
        }
        if let Ok(log) = std::fs::read_to_string(self.dir.path().join(SSH_LOG)) {
            let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
            if !lines.is_empty() {
                let tail = &lines[lines.len().saturating_sub(3)..];
                parts.push(format!("ssh: {}", tail.join("; ")));
            }
        }
        redact_message(&parts.join(": "), &self.auth.secrets())
    }

    pub fn git_error(&self, what: &str, err: &gix::Error) -> Error {
        Error::Git {
            url: self.redacted_url.clone(),
            message: format!("{what}: {}", self.message(err)),
        }
    }

    /// Maps a transport error to an [`Error`]; `what` names the ref for not-found errors.
    pub fn classify(&self, err: &gix::Error, what: &str) -> Error {
        if self.timed_out() {
            return Error::Timeout {
                url: self.redacted_url.clone(),
                timeout: self.timeout,
            };
        }
        let message = self.message(err);
        let lower = message.to_ascii_lowercase();
        let url = self.redacted_url.clone();
        use gix::error::Class;
        let class = err.dominant_class();
        let auth_markers = [
            "authentication",
            "unauthorized",
            "permission denied",
            "host key verification failed",
            "credentials",
            "could not read username",
        ];
        if matches!(
            class,
            Some(Class::Unauthenticated | Class::PermissionDenied)
        ) || flux_artifact::status::has_status_code(&lower, "403")
            || auth_markers.iter().any(|m| lower.contains(m))
        {
            return Error::Authentication { url, message };
        }
        let not_found_markers = [
            "not found",
            "does not appear to be a git repository",
            "does not exist",
            "no such file or directory",
        ];
        if matches!(class, Some(Class::NotFound))
            || flux_artifact::status::has_status_code(&lower, "404")
            || not_found_markers.iter().any(|m| lower.contains(m))
        {
            return Error::NotFound {
                url,
                what: what.to_string(),
            };
        }
        let network_markers = [
            "connect",
            "resolve",
            "dns",
            "timed out",
            "connection",
            "tls",
            "certificate",
            "broken pipe",
            "unexpected eof",
        ];
        if err.can_retry_lenient() || network_markers.iter().any(|m| lower.contains(m)) {
            return Error::Network { url, message };
        }
        Error::Git { url, message }
    }
}

/// Stops the timeout watchdog when dropped.
pub(crate) struct TimerGuard {
    _stop: mpsc::Sender<()>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_command_uses_private_files_and_strict_host_checking() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let auth = AuthOptions {
            identity: Some(b"KEY".to_vec()),
            known_hosts: Some(b"host ssh-ed25519 AAAA".to_vec()),
            ..Default::default()
        };
        let cmd = ssh_command(dir.path(), &auth, Duration::from_secs(30), false).unwrap();
        assert!(cmd.starts_with("ssh "), "{cmd}");
        for needle in [
            "-o StrictHostKeyChecking=yes",
            "-o IdentitiesOnly=yes",
            "-o BatchMode=yes",
            "-o UserKnownHostsFile='",
            "-i '",
        ] {
            assert!(cmd.contains(needle), "{cmd} lacks {needle}");
        }
        let key = dir.path().join("identity");
        assert_eq!(std::fs::read(&key).unwrap(), b"KEY\n");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let dir = tempfile::tempdir().unwrap();
        let auth = AuthOptions {
            password: Some("pass phrase".into()),
            ..auth
        };
        let cmd = ssh_command(dir.path(), &auth, Duration::from_secs(30), true).unwrap();
        assert!(cmd.contains("-E '"), "{cmd}");
        assert!(!cmd.contains("pass phrase"), "{cmd}");
        assert!(cmd.contains("SSH_ASKPASS_REQUIRE=force"), "{cmd}");
        assert!(!cmd.contains("BatchMode"), "{cmd}");
    }
}
