//! SSH through gix and the `ssh` program: a throw-away `sshd` on a local port serves
//! the fixture repository; the identity and known_hosts come from `AuthOptions` as
//! they would from a Secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flux_git::{AuthOptions, CheckoutOptions, ErrorKind, GitReference, checkout, remote_head};
use support::Fixture;

fn keygen(path: &Path) {
    keygen_with(path, "");
}

fn keygen_with(path: &Path, passphrase: &str) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Sshd {
    child: Child,
    port: u16,
    host_pub: String,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn start_sshd(dir: &Path, authorized: &str) -> Sshd {
    std::fs::create_dir_all("/run/sshd").ok();
    let host_key = dir.join("host_key");
    keygen(&host_key);
    std::fs::write(dir.join("authorized_keys"), authorized).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPermitRootLogin prohibit-password\nPidFile {}\n",
            host_key.display(),
            dir.join("authorized_keys").display(),
            dir.join("sshd.pid").display()
        ),
    )
    .unwrap();
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sshd starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let host_pub = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
    Sshd {
        child,
        port,
        host_pub,
    }
}

#[test]
fn ssh_checkout_with_identity_and_known_hosts() {
    let fx = Fixture::new();
    let keys = fx.dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    keygen(&keys.join("client"));
    keygen(&keys.join("stranger"));
    keygen_with(&keys.join("locked"), "open sesame");
    let authorized = format!(
        "{}{}",
        std::fs::read_to_string(keys.join("client.pub")).unwrap(),
        std::fs::read_to_string(keys.join("locked.pub")).unwrap()
    );
    let sshd = start_sshd(&keys, &authorized);

    let repo = fx.dir.path().join("remote.git");
    let url = format!("ssh://{}@127.0.0.1:{}{}", user(), sshd.port, repo.display());
    let known_hosts = format!("[127.0.0.1]:{} {}", sshd.port, sshd.host_pub);
    let auth = AuthOptions {
        identity: Some(std::fs::read(keys.join("client")).unwrap()),
        known_hosts: Some(known_hosts.clone().into_bytes()),
        ..Default::default()
    };

    let mut opts = CheckoutOptions::new(url.clone(), GitReference::default());
    opts.auth = auth.clone();
    let dest = fx.dest("ssh");
    let c = checkout(&opts, &dest).unwrap();
    assert_eq!(c.revision(), format!("master@sha1:{}", fx.c2));
    assert!(dest.join("apps/two.yaml").exists());
    assert_eq!(
        remote_head(&url, &GitReference::default(), &auth).unwrap(),
        Some(format!("master@sha1:{}", fx.c2))
    );

    // A key the server does not know is an authentication failure.
    let mut wrong = opts.clone();
    wrong.auth.identity = Some(std::fs::read(keys.join("stranger")).unwrap());
    let err = checkout(&wrong, &fx.dest("wrong-key")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");

    // A host key that does not match known_hosts is refused.
    let mut spoofed = opts.clone();
    let other_host = std::fs::read_to_string(keys.join("stranger.pub")).unwrap();
    spoofed.auth.known_hosts = Some(format!("[127.0.0.1]:{} {other_host}", sshd.port).into_bytes());
    let err = checkout(&spoofed, &fx.dest("spoofed")).unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(
        err.to_string().contains("Host key verification failed"),
        "{err}"
    );

    // A passphrase-protected key works with the Secret's `password`, and the
    // passphrase never shows up in errors.
    let mut locked = opts.clone();
    locked.auth.identity = Some(std::fs::read(keys.join("locked")).unwrap());
    locked.auth.password = Some("open sesame".into());
    let c = checkout(&locked, &fx.dest("locked")).unwrap();
    assert_eq!(c.hash, fx.c2);
    locked.auth.password = Some("wrong passphrase".into());
    let err = checkout(&locked, &fx.dest("locked-wrong")).unwrap_err();
    assert!(!format!("{err:?}").contains("wrong passphrase"), "{err:?}");
}
