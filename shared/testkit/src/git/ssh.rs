//! SSH git server: a private OpenSSH `sshd` on a loopback port accepting one generated key.
//!
//! Needs Debian's `openssh-server` (`/usr/sbin/sshd`) and `ssh-keygen`. Clients log in as the
//! user running the tests and reach repositories by absolute path
//! (`ssh://<user>@127.0.0.1:<port>/<abs>/<name>.git`), as `git-upload-pack` sees them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::io::AsyncReadExt;

use super::repo::TestRepo;
use crate::TestkitError;
use crate::process::{Supervisor, free_ports};

const SSHD: &str = "/usr/sbin/sshd";
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `sshd` serving the bare repositories created with
/// [`create_repo`](SshGitServer::create_repo). Stops on drop and with the test process.
pub struct SshGitServer {
    // First, so sshd stops before its directory is removed.
    supervisor: Supervisor,
    dir: TempDir,
    port: u16,
    user: String,
    identity: String,
    identity_pub: String,
    known_hosts: String,
}

impl std::fmt::Debug for SshGitServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshGitServer")
            .field("port", &self.port)
            .field("user", &self.user)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl SshGitServer {
    /// Generates host and client ed25519 keys and starts `sshd -D -e` on a free port.
    pub async fn start() -> Result<SshGitServer, TestkitError> {
        if !Path::new(SSHD).is_file() {
            return Err(TestkitError::ComponentStart {
                component: "sshd".into(),
                reason: format!(
                    "{SSHD} not found; install Debian's openssh-server (apt-get install -y openssh-server)"
                ),
                log: PathBuf::new(),
                tail: String::new(),
            });
        }
        // sshd's privilege-separation directory.
        let privsep = Path::new("/run/sshd");
        if !privsep.is_dir() {
            std::fs::create_dir_all(privsep)
                .map_err(TestkitError::io("creating /run/sshd (sshd's privsep dir)"))?;
        }
        let dir = tempfile::Builder::new()
            .prefix("flux-testkit-git-ssh-")
            .tempdir()
            .map_err(TestkitError::io("creating the ssh server's temp dir"))?;
        let d = dir.path();
        for sub in ["repos", "work"] {
            std::fs::create_dir_all(d.join(sub)).map_err(TestkitError::io(format!(
                "creating {sub} in {}",
                d.display()
            )))?;
        }
        keygen(&d.join("host_ed25519"), "flux-testkit-host")?;
        keygen(&d.join("identity"), "flux-testkit-client")?;
        let read = |name: &str| {
            std::fs::read_to_string(d.join(name)).map_err(TestkitError::io(format!(
                "reading {}",
                d.join(name).display()
            )))
        };
        let identity = read("identity")?;
        let identity_pub = read("identity.pub")?;
        let host_pub = read("host_ed25519.pub")?;
        std::fs::write(d.join("authorized_keys"), &identity_pub)
            .map_err(TestkitError::io("writing authorized_keys"))?;

        let user = current_user()?;
        let port = free_ports(1)?
            .first()
            .copied()
            .ok_or_else(|| TestkitError::Internal("no free port for sshd".into()))?;
        let host_key: Vec<&str> = host_pub.split_whitespace().take(2).collect();
        let known_hosts = format!("[127.0.0.1]:{port} {}\n", host_key.join(" "));
        std::fs::write(d.join("known_hosts"), &known_hosts)
            .map_err(TestkitError::io("writing known_hosts"))?;

        let config = d.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}
ListenAddress 127.0.0.1
HostKey {host}
PidFile {pid}
AuthorizedKeysFile {auth}
AllowUsers {user}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
LogLevel VERBOSE
",
                host = d.join("host_ed25519").display(),
                pid = d.join("sshd.pid").display(),
                auth = d.join("authorized_keys").display(),
            ),
        )
        .map_err(TestkitError::io("writing sshd_config"))?;

        let mut supervisor = Supervisor::new(d.join("pids"), &[d])?;
        let mut cmd = Command::new(SSHD);
        cmd.arg("-D").arg("-e").arg("-f").arg(&config);
        supervisor.spawn("sshd", cmd, d.join("sshd.log"))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            supervisor.check_alive()?;
            if banner(port).await {
                break;
            }
            if Instant::now() >= deadline {
                return Err(supervisor.start_error(
                    "sshd",
                    format!(
                        "no SSH banner on port {port} after {}s",
                        READY_TIMEOUT.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(SshGitServer {
            supervisor,
            dir,
            port,
            user,
            identity,
            identity_pub,
            known_hosts,
        })
    }

    /// Creates the bare repository `<name>.git` with default branch `main`.
    pub async fn create_repo(&self, name: &str) -> Result<TestRepo, TestkitError> {
        TestRepo::create(
            &self.dir.path().join("repos"),
            &self.dir.path().join("work"),
            name,
            self.repo_url(name),
        )
        .await
    }

    /// Clone URL of repository `name`: `ssh://<user>@127.0.0.1:<port>/<abs path>/<name>.git`.
    pub fn repo_url(&self, name: &str) -> String {
        format!(
            "ssh://{}@127.0.0.1:{}{}/{name}.git",
            self.user,
            self.port,
            self.dir.path().join("repos").display()
        )
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The login user (the user running the tests).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The authorised client private key (OpenSSH format), Flux's `identity` Secret key.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The client public key, Flux's `identity.pub`.
    pub fn identity_pub(&self) -> &str {
        &self.identity_pub
    }

    /// `[127.0.0.1]:<port> ssh-ed25519 AAAA…`, Flux's `known_hosts`.
    pub fn known_hosts(&self) -> &str {
        &self.known_hosts
    }

    /// The client private key on disk (mode 0600), for `ssh -i`.
    pub fn identity_path(&self) -> PathBuf {
        self.dir.path().join("identity")
    }

    /// The known_hosts file on disk, for `-o UserKnownHostsFile=`.
    pub fn known_hosts_path(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// sshd's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("sshd.log")
    }

    /// A `GIT_SSH_COMMAND` value that authenticates with [`identity_path`](Self::identity_path)
    /// and checks the host key strictly against [`known_hosts_path`](Self::known_hosts_path).
    pub fn git_ssh_command(&self) -> String {
        format!(
            "ssh -i {} -o IdentitiesOnly=yes -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
            self.identity_path().display(),
            self.known_hosts_path().display()
        )
    }

    /// Stops sshd now (also done on drop).
    pub fn stop(mut self) {
        self.supervisor.shutdown();
    }
}

fn keygen(path: &Path, comment: &str) -> Result<(), TestkitError> {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .output()
        .map_err(TestkitError::io("running ssh-keygen (openssh-client)"))?;
    if !out.status.success() {
        return Err(TestkitError::Io {
            context: format!("ssh-keygen -f {}", path.display()),
            source: std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
        });
    }
    Ok(())
}

fn current_user() -> Result<String, TestkitError> {
    let out = Command::new("id")
        .arg("-un")
        .output()
        .map_err(TestkitError::io("running id -un"))?;
    let user = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || user.is_empty() {
        return Err(TestkitError::Io {
            context: "finding the current user (id -un)".into(),
            source: std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
        });
    }
    Ok(user)
}

/// Whether an SSH server answers on `port` with its version banner.
async fn banner(port: u16) -> bool {
    let Ok(Ok(mut conn)) = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(("127.0.0.1", port)),
    )
    .await
    else {
        return false;
    };
    let mut buf = [0u8; 8];
    matches!(
        tokio::time::timeout(Duration::from_secs(2), conn.read_exact(&mut buf)).await,
        Ok(Ok(_)) if &buf[..4] == b"SSH-"
    )
}
