//! Consumer side: download an artifact, verify its digest, unpack it (fluxcd/pkg
//! `http/fetch` with `tar.Untar`).
//!
//! Transient failures (connection errors, timeouts, 429 and 5xx answers, a body cut short)
//! are retried with exponential backoff, as Flux's retryable client does for `--http-retry`.
//! A 404 is retried a few times too, because source-controller serves a 404 while it
//! rebuilds an artifact after a restart; when it persists the error is
//! [`Error::NotFound`] so the caller can requeue. The digest is computed while the body
//! streams to a temp file and checked before anything is extracted.

mod extract;

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use tokio::io::AsyncWriteExt;

pub use extract::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_UNTAR_SIZE, ExtractLimits, ExtractSummary, untar,
};

use crate::digest::Digest;
use crate::error::{Error, Result};

/// Retry and size settings for [`Fetcher`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOptions {
    /// Retries after the first attempt for transient errors (`--http-retry`, default 9).
    pub retries: u32,
    /// Retries after a 404, counted within `retries`.
    pub not_found_retries: u32,
    /// First backoff delay (Flux: 5s).
    pub retry_wait_min: Duration,
    /// Backoff ceiling (Flux: 30s).
    pub retry_wait_max: Duration,
    /// Cap on the downloaded (compressed) size; `None` for unlimited.
    pub max_download_size: Option<u64>,
    /// Caps applied when extracting.
    pub extract: ExtractLimits,
    /// Replaces the URL's `host[:port]`, like `SOURCE_CONTROLLER_LOCALHOST` in Flux.
    pub host_override: Option<String>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            retries: 9,
            not_found_retries: 3,
            retry_wait_min: Duration::from_secs(5),
            retry_wait_max: Duration::from_secs(30),
            max_download_size: Some(DEFAULT_MAX_UNTAR_SIZE),
            extract: ExtractLimits::default(),
            host_override: None,
        }
    }
}

/// Downloads and unpacks artifacts; holds one HTTP client for connection reuse.
#[derive(Clone, Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    options: FetchOptions,
}

/// Outcome of one download attempt.
enum Attempt {
    Retry(Error),
    NotFound,
    Fatal(Error),
}

impl Fetcher {
    /// A fetcher with its own HTTP client.
    pub fn new(options: FetchOptions) -> Self {
        Fetcher::with_client(reqwest::Client::new(), options)
    }

    /// A fetcher sharing `client` (TLS and proxy settings are the caller's).
    pub fn with_client(client: reqwest::Client, options: FetchOptions) -> Self {
        Fetcher { client, options }
    }

    /// The settings in use.
    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    /// Downloads `url`, checks it against `expected_digest` (`<algo>:<hex>`; bare hex is
    /// taken as SHA-256) and extracts it into `dest_dir`.
    pub async fn fetch_and_extract(
        &self,
        url: &str,
        expected_digest: &str,
        dest_dir: &Path,
    ) -> Result<ExtractSummary> {
        let file = self.fetch(url, expected_digest).await?;
        let dest = dest_dir.to_path_buf();
        let limits = self.options.extract;
        tokio::task::spawn_blocking(move || {
            let reader = std::fs::File::open(file.path())
                .map_err(|e| Error::io("failed to open download", file.path(), e))?;
            untar(std::io::BufReader::new(reader), &dest, &limits)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Downloads `url` into a temp file whose content matches `expected_digest`; the file
    /// is deleted when the returned handle is dropped.
    pub async fn fetch(&self, url: &str, expected_digest: &str) -> Result<tempfile::NamedTempFile> {
        let expected = Digest::parse_lenient(expected_digest)?;
        let url = self.effective_url(url)?;
        let (mut retries, mut not_found) = (0u32, 0u32);
        loop {
            let outcome = self.attempt(&url, &expected).await;
            let retryable = match &outcome {
                Ok(_) | Err(Attempt::Fatal(_)) => false,
                Err(Attempt::Retry(_)) => retries < self.options.retries,
                Err(Attempt::NotFound) => {
                    retries < self.options.retries && not_found < self.options.not_found_retries
                }
            };
            if !retryable {
                return match outcome {
                    Ok(file) => Ok(file),
                    Err(Attempt::Retry(e) | Attempt::Fatal(e)) => Err(e),
                    Err(Attempt::NotFound) => Err(Error::NotFound(url.to_string())),
                };
            }
            if let Err(Attempt::NotFound) = outcome {
                not_found += 1;
            }
            let wait = self.backoff(retries);
            tracing::debug!(%url, attempt = retries + 1, ?wait, "retrying artifact download");
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt);
        self.options
            .retry_wait_min
            .saturating_mul(factor)
            .min(self.options.retry_wait_max)
    }

    fn effective_url(&self, url: &str) -> Result<reqwest::Url> {
        let invalid = |reason: String| Error::InvalidUrl {
            url: url.to_string(),
            reason,
        };
        let mut parsed = reqwest::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
        if let Some(host) = self
            .options
            .host_override
            .as_deref()
            .filter(|h| !h.is_empty())
        {
            let (name, port) = match host.rsplit_once(':') {
                Some((name, port)) if !host.ends_with(']') => {
                    let port = port
                        .parse::<u16>()
                        .map_err(|_| invalid(format!("invalid port in host override '{host}'")))?;
                    (name, Some(port))
                }
                _ => (host, None),
            };
            parsed
                .set_host(Some(name))
                .map_err(|e| invalid(format!("host override '{host}': {e}")))?;
            parsed
                .set_port(port)
                .map_err(|()| invalid(format!("host override '{host}' cannot carry a port")))?;
        }
        Ok(parsed)
    }

    async fn attempt(
        &self,
        url: &reqwest::Url,
        expected: &Digest,
    ) -> std::result::Result<tempfile::NamedTempFile, Attempt> {
        let transport = |source| Error::Download {
            url: url.to_string(),
            source,
        };
        let response = match self.client.get(url.clone()).send().await {
            Ok(r) => r,
            Err(e) if e.is_builder() => return Err(Attempt::Fatal(transport(e))),
            Err(e) => return Err(Attempt::Retry(transport(e))),
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(Attempt::NotFound);
        }
        if !status.is_success() {
            let err = Error::HttpStatus {
                url: url.to_string(),
                status,
            };
            let transient =
                status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
            return Err(if transient {
                Attempt::Retry(err)
            } else {
                Attempt::Fatal(err)
            });
        }

        let fatal_io = |action, path: PathBuf, e| Attempt::Fatal(Error::io(action, path, e));
        let tmp = tempfile::Builder::new()
            .prefix("flux-fetch-")
            .tempfile()
            .map_err(|e| fatal_io("failed to create temp file", std::env::temp_dir(), e))?;
        let std_file = tmp
            .as_file()
            .try_clone()
            .map_err(|e| fatal_io("failed to open temp file", tmp.path().to_path_buf(), e))?;
        let mut file = tokio::fs::File::from_std(std_file);
        let mut hasher = expected.algorithm().hasher();
        let mut size = 0u64;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| Attempt::Retry(transport(e)))?;
            size += chunk.len() as u64;
            if let Some(limit) = self.options.max_download_size.filter(|l| size > *l) {
                return Err(Attempt::Fatal(Error::DownloadTooLarge {
                    url: url.to_string(),
                    limit,
                }));
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| fatal_io("failed to write", tmp.path().to_path_buf(), e))?;
        }
        file.flush()
            .await
            .map_err(|e| fatal_io("failed to write", tmp.path().to_path_buf(), e))?;

        let actual = hasher.finalize();
        if actual != *expected {
            return Err(Attempt::Fatal(Error::DigestMismatch {
                subject: url.to_string(),
                expected: expected.to_string(),
                actual: actual.to_string(),
            }));
        }
        Ok(tmp)
    }
}

/// One-shot [`Fetcher::fetch_and_extract`] with a fresh client.
pub async fn fetch_and_extract(
    url: &str,
    expected_digest: &str,
    dest_dir: &Path,
    options: &FetchOptions,
) -> Result<ExtractSummary> {
    Fetcher::new(options.clone())
        .fetch_and_extract(url, expected_digest, dest_dir)
        .await
}

#[cfg(test)]
mod tests;
