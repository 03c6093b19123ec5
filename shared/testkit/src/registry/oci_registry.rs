//! A real OCI registry: CNCF distribution's `registry` binary (built from its Go module by
//! `e2e/scripts/build-testbins.sh`) on a loopback port, filesystem storage in a temp dir,
//! optionally behind htpasswd basic auth (bcrypt, the only format distribution accepts),
//! over plain HTTP or over HTTPS with a certificate from a throw-away CA.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::TestkitError;
use crate::process::{Supervisor, free_ports};

/// A running registry; killed on drop.
pub struct OciRegistry {
    host: String,
    credentials: Option<(String, String)>,
    ca_pem: Option<String>,
    supervisor: Supervisor,
    _dir: TempDir,
}

impl std::fmt::Debug for OciRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciRegistry")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The registry binary: next to the control-plane binaries (built on demand).
fn registry_binary() -> Result<PathBuf, TestkitError> {
    crate::testbin("registry")
}

impl OciRegistry {
    /// Starts a registry over plain HTTP; with `basic_auth`, pushes and pulls need those
    /// credentials.
    pub async fn start(basic_auth: Option<(&str, &str)>) -> Result<OciRegistry, TestkitError> {
        Self::start_with(basic_auth, false).await
    }

    /// Starts a registry over HTTPS with a certificate (for `127.0.0.1` and `localhost`)
    /// from a new CA ([`ca_pem`](Self::ca_pem)).
    pub async fn start_tls(basic_auth: Option<(&str, &str)>) -> Result<OciRegistry, TestkitError> {
        Self::start_with(basic_auth, true).await
    }

    async fn start_with(
        basic_auth: Option<(&str, &str)>,
        tls: bool,
    ) -> Result<OciRegistry, TestkitError> {
        let bin = registry_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("flux-testkit-registry-")
            .tempdir()
            .map_err(TestkitError::io("creating the registry dir"))?;
        let port = free_ports(1)?[0];
        let mut auth = String::new();
        if let Some((user, password)) = basic_auth {
            let hash = bcrypt::hash(password, 4).map_err(|e| TestkitError::Io {
                context: "hashing the registry password".into(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{user}:{hash}\n"))
                .map_err(TestkitError::io("writing the registry htpasswd"))?;
            auth = format!(
                "auth:\n  htpasswd:\n    realm: flux-testkit\n    path: {}\n",
                htpasswd.display()
            );
        }
        let mut http_tls = String::new();
        let mut ca_pem = None;
        if tls {
            let ca = crate::pki::TestCa::new("flux-testkit-registry-ca")?;
            let cert = ca.server_cert("flux-testkit-registry", &["127.0.0.1", "localhost"])?;
            let (cert_path, key_path) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
            std::fs::write(&cert_path, &cert.cert_pem)
                .map_err(TestkitError::io("writing the registry certificate"))?;
            std::fs::write(&key_path, &cert.key_pem)
                .map_err(TestkitError::io("writing the registry key"))?;
            http_tls = format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert_path.display(),
                key_path.display()
            );
            ca_pem = Some(ca.cert_pem().to_string());
        }
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: flux-testkit\n{http_tls}{auth}",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config)
            .map_err(TestkitError::io("writing the registry config"))?;
        let mut supervisor = Supervisor::new(dir.path().join("pids"), &[dir.path()])?;
        let mut cmd = Command::new(&bin);
        cmd.arg("serve").arg(&config_path);
        supervisor.spawn("registry", cmd, dir.path().join("registry.log"))?;

        let host = format!("127.0.0.1:{port}");
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(pem) = &ca_pem {
            let ca = reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| TestkitError::Tls(format!("loading the registry CA: {e}")))?;
            builder = builder.tls_certs_only([ca]);
        }
        let client = builder
            .build()
            .map_err(|e| TestkitError::Tls(format!("building a health-check client: {e}")))?;
        let scheme = if tls { "https" } else { "http" };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            supervisor.check_alive()?;
            if let Ok(resp) = client.get(format!("{scheme}://{host}/v2/")).send().await
                && (resp.status().is_success() || resp.status().as_u16() == 401)
            {
                break;
            }
            if Instant::now() > deadline {
                return Err(
                    supervisor.start_error("registry", "did not answer on /v2/ within 30s".into())
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(OciRegistry {
            host,
            credentials: basic_auth.map(|(u, p)| (u.to_string(), p.to_string())),
            ca_pem,
            supervisor,
            _dir: dir,
        })
    }

    /// `127.0.0.1:<port>`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `oci://127.0.0.1:<port>/<repository>`.
    pub fn oci_url(&self, repository: &str) -> String {
        format!("oci://{}/{repository}", self.host)
    }

    /// The CA certificate (PEM) of an HTTPS registry.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The basic auth credentials, if any.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// A `.dockerconfigjson` for the registry's credentials (or `{"auths":{}}`).
    pub fn docker_config_json(&self) -> String {
        use base64::Engine as _;
        match &self.credentials {
            Some((u, p)) => {
                let auth = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                format!(
                    r#"{{"auths":{{"{}":{{"username":"{u}","password":"{p}","auth":"{auth}"}}}}}}"#,
                    self.host
                )
            }
            None => r#"{"auths":{}}"#.to_string(),
        }
    }

    /// Stops the registry now.
    pub fn stop(&mut self) {
        self.supervisor.shutdown();
    }
}
