//! HTTP(S) access to a Helm repository: the index and chart archives.
//!
//! Credentials go to the repository's own host only, unless `passCredentials` is set
//! (Flux's HelmRepository `spec.passCredentials`): a chart URL on another host (a CDN)
//! then gets them too. Responses are streamed to a file with a size cap and hashed on
//! the way, so an enormous or endless response costs disk up to the cap, never memory.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use sha2::{Digest as _, Sha256};

use crate::Error;
use crate::index::ChartVersion;

/// How to reach a repository.
#[derive(Clone, Default)]
pub struct ClientOptions {
    /// Basic auth user name.
    pub username: Option<String>,
    /// Basic auth password.
    pub password: Option<String>,
    /// PEM CA bundle trusted in addition to the system roots.
    pub ca_pem: Option<Vec<u8>>,
    /// PEM client certificate (with `key_pem`) for mutual TLS.
    pub cert_pem: Option<Vec<u8>>,
    /// PEM client key.
    pub key_pem: Option<Vec<u8>>,
    /// Send credentials to hosts other than the repository's.
    pub pass_credentials: bool,
    /// Per-request timeout.
    pub timeout: Option<Duration>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ca_pem", &self.ca_pem.is_some())
            .field("cert_pem", &self.cert_pem.is_some())
            .field("pass_credentials", &self.pass_credentials)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A downloaded file: its SHA-256 hex digest and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Bytes written.
    pub size: u64,
}

/// A client for one repository URL.
#[derive(Clone, Debug)]
pub struct RepositoryClient {
    url: reqwest::Url,
    http: reqwest::Client,
    options: ClientOptions,
}

impl RepositoryClient {
    /// A client for the repository at `url` (`http://` or `https://`).
    pub fn new(url: &str, options: ClientOptions) -> Result<Self, Error> {
        let mut parsed = reqwest::Url::parse(url).map_err(|e| Error::InvalidUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::InvalidUrl {
                url: url.to_string(),
                reason: "scheme must be http or https, with a host".into(),
            });
        }
        if !parsed.path().ends_with('/') {
            let path = format!("{}/", parsed.path());
            parsed.set_path(&path);
        }
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(10))
            .timeout(options.timeout.unwrap_or(Duration::from_secs(60)));
        if let Some(ca) = &options.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca)
                .map_err(|e| Error::InvalidConfig(format!("'ca.crt' is not a PEM bundle: {e}")))?;
            builder = builder.tls_certs_merge(certs);
        }
        match (&options.cert_pem, &options.key_pem) {
            (Some(cert), Some(key)) => {
                let mut pem = cert.clone();
                pem.push(b'\n');
                pem.extend_from_slice(key);
                let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                    Error::InvalidConfig(format!("'tls.crt'/'tls.key' are not a PEM pair: {e}"))
                })?;
                builder = builder.identity(identity);
            }
            (None, None) => {}
            _ => {
                return Err(Error::InvalidConfig(
                    "'tls.crt' and 'tls.key' must be given together".into(),
                ));
            }
        }
        let http = builder
            .build()
            .map_err(|e| Error::InvalidConfig(e.to_string()))?;
        Ok(RepositoryClient {
            url: parsed,
            http,
            options,
        })
    }

    /// The repository URL, with a trailing `/`.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The index URL: `<url>/index.yaml`.
    pub fn index_url(&self) -> Result<reqwest::Url, Error> {
        self.url.join("index.yaml").map_err(|e| Error::InvalidUrl {
            url: self.url.to_string(),
            reason: e.to_string(),
        })
    }

    /// Downloads `index.yaml` into `dest`, at most `max_size` bytes.
    pub async fn download_index(&self, dest: &Path, max_size: u64) -> Result<Downloaded, Error> {
        let url = self.index_url()?;
        self.download(url, dest, max_size, "index").await
    }

    /// The absolute URL of a chart version's first URL, resolved against the repository.
    pub fn chart_url(&self, version: &ChartVersion) -> Result<reqwest::Url, Error> {
        let first = version.urls.first().ok_or_else(|| Error::InvalidChart {
            chart: format!("{}-{}", version.name, version.version),
            reason: "the index lists no URL for this version".into(),
        })?;
        self.url.join(first).map_err(|e| Error::InvalidUrl {
            url: first.clone(),
            reason: e.to_string(),
        })
    }

    /// Downloads a chart archive into `dest`, at most `max_size` bytes, and checks it
    /// against the index digest when there is one.
    pub async fn download_chart(
        &self,
        version: &ChartVersion,
        dest: &Path,
        max_size: u64,
    ) -> Result<Downloaded, Error> {
        let url = self.chart_url(version)?;
        let what = format!("chart {}-{}", version.name, version.version);
        let got = self.download(url, dest, max_size, &what).await?;
        if let Some(expected) = version.digest.as_deref().filter(|d| !d.is_empty()) {
            let expected = expected.trim_start_matches("sha256:");
            if !expected.eq_ignore_ascii_case(&got.sha256) {
                return Err(Error::InvalidChart {
                    chart: what,
                    reason: format!(
                        "digest mismatch: index says sha256:{expected}, downloaded sha256:{}",
                        got.sha256
                    ),
                });
            }
        }
        Ok(got)
    }

    fn sends_credentials_to(&self, url: &reqwest::Url) -> bool {
        self.options.pass_credentials
            || (url.host_str() == self.url.host_str()
                && url.port_or_known_default() == self.url.port_or_known_default())
    }

    async fn download(
        &self,
        url: reqwest::Url,
        dest: &Path,
        max_size: u64,
        what: &str,
    ) -> Result<Downloaded, Error> {
        let shown = redact(&url);
        let mut request = self.http.get(url.clone());
        if let Some(user) = &self.options.username
            && self.sends_credentials_to(&url)
        {
            request = request.basic_auth(user, self.options.password.as_deref());
        }
        let response = request.send().await.map_err(|e| Error::Transport {
            url: shown.clone(),
            reason: error_chain(&e),
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Status {
                url: shown,
                status: status.as_u16(),
            });
        }
        if response.content_length().is_some_and(|l| l > max_size) {
            return Err(Error::TooLarge {
                what: what.to_string(),
                limit: max_size,
            });
        }
        let mut file = std::fs::File::create(dest).map_err(Error::io("failed to create", dest))?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::Transport {
                url: shown.clone(),
                reason: error_chain(&e),
            })?;
            size += chunk.len() as u64;
            if size > max_size {
                return Err(Error::TooLarge {
                    what: what.to_string(),
                    limit: max_size,
                });
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .map_err(Error::io("failed to write", dest))?;
        }
        file.flush().map_err(Error::io("failed to write", dest))?;
        Ok(Downloaded {
            sha256: hex::encode(hasher.finalize()),
            size,
        })
    }
}

/// A URL without user info, for messages.
pub fn redact(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
