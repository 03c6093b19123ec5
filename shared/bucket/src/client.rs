//! The bucket client: provider-specific `object_store` construction, the ETag index,
//! and bounded concurrent downloads.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use flux_artifact::SourceIgnoreFilter;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt};
use tokio::io::AsyncWriteExt;

use crate::{Error, EtagIndex, SOURCE_IGNORE_OBJECT};

/// Flux's Bucket providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// Any S3-compatible storage (Flux uses minio-go).
    Generic,
    /// Amazon S3.
    Aws,
    /// Google Cloud Storage.
    Gcp,
    /// Azure Blob Storage.
    Azure,
}

impl Provider {
    /// Parses `spec.provider` (empty = generic).
    pub fn parse(s: &str) -> Result<Provider, Error> {
        match s {
            "" | "generic" => Ok(Provider::Generic),
            "aws" => Ok(Provider::Aws),
            "gcp" => Ok(Provider::Gcp),
            "azure" => Ok(Provider::Azure),
            other => Err(Error::InvalidConfig(format!(
                "unsupported provider '{other}': must be generic, aws, gcp or azure"
            ))),
        }
    }
}

/// Credentials from the Bucket's `secretRef`.
#[derive(Clone, Default)]
pub enum Credentials {
    /// Anonymous, or the environment's (instance metadata, workload identity).
    #[default]
    Ambient,
    /// S3 `accesskey`/`secretkey`.
    AccessKey {
        /// The access key id.
        access_key: String,
        /// The secret key.
        secret_key: String,
    },
    /// GCP `serviceaccount` key JSON.
    GcpServiceAccount(String),
    /// Azure `accountKey`.
    AzureAccountKey(String),
    /// Azure `sasKey` (the query string).
    AzureSas(String),
    /// Azure service principal `tenantId`/`clientId`/`clientSecret`.
    AzureClientSecret {
        /// The tenant.
        tenant_id: String,
        /// The client id.
        client_id: String,
        /// The secret.
        client_secret: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Credentials::Ambient => "Ambient",
            Credentials::AccessKey { .. } => "AccessKey",
            Credentials::GcpServiceAccount(_) => "GcpServiceAccount",
            Credentials::AzureAccountKey(_) => "AzureAccountKey",
            Credentials::AzureSas(_) => "AzureSas",
            Credentials::AzureClientSecret { .. } => "AzureClientSecret",
        };
        write!(f, "Credentials::{kind}(<redacted>)")
    }
}

/// Everything needed to reach a bucket.
#[derive(Clone)]
pub struct BucketConfig {
    /// The provider.
    pub provider: Provider,
    /// `spec.bucketName`.
    pub bucket_name: String,
    /// `spec.endpoint`: `host[:port]`, or a URL.
    pub endpoint: String,
    /// `spec.insecure`: plain HTTP.
    pub insecure: bool,
    /// `spec.region`.
    pub region: Option<String>,
    /// Credentials.
    pub credentials: Credentials,
    /// Per-request timeout (`spec.timeout`).
    pub timeout: Duration,
    /// Proxy URL for every request, credentials in its userinfo (`spec.proxySecretRef`).
    pub proxy: Option<String>,
    /// PEM CA bundle trusted in addition to the system roots (`certSecretRef` `ca.crt`).
    pub ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for BucketConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The proxy URL may carry credentials.
        f.debug_struct("BucketConfig")
            .field("provider", &self.provider)
            .field("bucket_name", &self.bucket_name)
            .field("endpoint", &self.endpoint)
            .field("insecure", &self.insecure)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("proxy", &self.proxy.is_some())
            .field("ca_pem", &self.ca_pem.is_some())
            .finish()
    }
}

/// A client for one bucket.
#[derive(Clone, Debug)]
pub struct BucketClient {
    store: Arc<dyn ObjectStore>,
    bucket: String,
}

impl BucketClient {
    /// Builds the client; nothing is contacted yet.
    pub fn new(config: &BucketConfig) -> Result<BucketClient, Error> {
        if config.bucket_name.is_empty() {
            return Err(Error::InvalidConfig("bucketName is empty".into()));
        }
        let mut options = ClientOptions::new()
            .with_timeout(config.timeout)
            .with_allow_http(config.insecure);
        if let Some(proxy) = &config.proxy {
            options = options.with_proxy_url(proxy);
        }
        let invalid = |e: object_store::Error| Error::InvalidConfig(e.to_string());
        if let Some(pem) = &config.ca_pem {
            let certs = object_store::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::InvalidConfig(format!("'ca.crt' is not a PEM bundle: {e}")))?;
            for cert in certs {
                options = options.with_root_certificate(cert);
            }
        }
        let store: Arc<dyn ObjectStore> = match config.provider {
            Provider::Generic | Provider::Aws => {
                let mut b = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&config.bucket_name)
                    .with_region(config.region.as_deref().unwrap_or("us-east-1"))
                    .with_client_options(options)
                    .with_allow_http(config.insecure)
                    .with_virtual_hosted_style_request(false);
                if !config.endpoint.is_empty() {
                    b = b.with_endpoint(endpoint_url(&config.endpoint, config.insecure));
                }
                match &config.credentials {
                    Credentials::AccessKey {
                        access_key,
                        secret_key,
                    } => {
                        b = b
                            .with_access_key_id(access_key)
                            .with_secret_access_key(secret_key);
                    }
                    Credentials::Ambient if config.provider == Provider::Generic => {
                        b = b.with_skip_signature(true);
                    }
                    Credentials::Ambient => {}
                    other => {
                        return Err(Error::InvalidConfig(format!(
                            "{other:?} cannot be used with an S3 bucket; use 'accesskey' and 'secretkey'"
                        )));
                    }
                }
                Arc::new(b.build().map_err(invalid)?)
            }
            Provider::Gcp => {
                let mut b = object_store::gcp::GoogleCloudStorageBuilder::new()
                    .with_bucket_name(&config.bucket_name)
                    .with_client_options(options);
                if let Credentials::GcpServiceAccount(key) = &config.credentials {
                    b = b.with_service_account_key(key);
                }
                Arc::new(b.build().map_err(invalid)?)
            }
            Provider::Azure => {
                let mut b = object_store::azure::MicrosoftAzureBuilder::new()
                    .with_container_name(&config.bucket_name)
                    .with_client_options(options);
                let url = endpoint_url(&config.endpoint, config.insecure);
                b = b.with_url(url.clone());
                if let Some(account) = azure_account(&config.endpoint) {
                    b = b.with_account(account);
                }
                b = match &config.credentials {
                    Credentials::AzureAccountKey(key) => b.with_access_key(key),
                    Credentials::AzureSas(query) => {
                        let pairs: Vec<(String, String)> = query
                            .trim_start_matches('?')
                            .split('&')
                            .filter_map(|kv| kv.split_once('='))
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect();
                        b.with_sas_authorization(pairs)
                    }
                    Credentials::AzureClientSecret {
                        tenant_id,
                        client_id,
                        client_secret,
                    } => b.with_client_secret_authorization(client_id, client_secret, tenant_id),
                    _ => b,
                };
                Arc::new(b.build().map_err(invalid)?)
            }
        };
        Ok(BucketClient {
            store,
            bucket: config.bucket_name.clone(),
        })
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Reads a small object (`.sourceignore`); `None` when it does not exist.
    pub async fn get_small(&self, key: &str, limit: u64) -> Result<Option<Vec<u8>>, Error> {
        let path = ObjectPath::from(key);
        let result = match self.store.get(&path).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(Error::from_store(&self.bucket, e)),
        };
        if result.meta.size > limit {
            return Err(Error::TooLarge {
                key: key.to_string(),
                limit,
            });
        }
        let mut out = Vec::new();
        let mut stream = result.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::from_store(&self.bucket, e))?;
            out.extend_from_slice(chunk.as_ref());
            if out.len() as u64 > limit {
                return Err(Error::TooLarge {
                    key: key.to_string(),
                    limit,
                });
            }
        }
        Ok(Some(out))
    }

    /// Lists the objects under `prefix` into an ETag index, leaving out directory markers,
    /// the `.sourceignore` object and what it and `spec_ignore` exclude.
    pub async fn index(
        &self,
        prefix: Option<&str>,
        spec_ignore: Option<&str>,
    ) -> Result<EtagIndex, Error> {
        let mut patterns = match self.get_small(SOURCE_IGNORE_OBJECT, 1 << 20).await? {
            Some(bytes) => {
                flux_artifact::ignore::read_patterns(&String::from_utf8_lossy(&bytes), &[])
            }
            None => Vec::new(),
        };
        if let Some(text) = spec_ignore {
            patterns.extend(flux_artifact::ignore::read_patterns(text, &[]));
        }
        let filter = SourceIgnoreFilter::new(patterns);
        let prefix = prefix.filter(|p| !p.is_empty()).map(ObjectPath::from);
        let mut listing = self.store.list(prefix.as_ref());
        let mut index = EtagIndex::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| Error::from_store(&self.bucket, e))?;
            let key = meta.location.to_string();
            if key.ends_with('/') || key == SOURCE_IGNORE_OBJECT {
                continue;
            }
            if filter.is_excluded(Path::new(&key), false) {
                continue;
            }
            index.insert(key, meta.e_tag.unwrap_or_default());
        }
        Ok(index)
    }

    /// Checks that the bucket exists and the credentials work (one listing request).
    pub async fn check(&self) -> Result<(), Error> {
        match self.store.list_with_delimiter(None).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => {
                Err(Error::BucketNotFound(self.bucket.clone()))
            }
            Err(e) => Err(Error::from_store(&self.bucket, e)),
        }
    }

    /// Downloads every object of `index` under `dir`, at most `concurrency` at a time,
    /// each capped at `max_object_size` bytes.
    pub async fn download(
        &self,
        index: &EtagIndex,
        dir: &Path,
        concurrency: usize,
        max_object_size: u64,
    ) -> Result<(), Error> {
        let jobs: Vec<(String, PathBuf)> = index
            .iter()
            .map(|(key, _)| Ok((key.to_string(), safe_join(dir, key)?)))
            .collect::<Result<_, Error>>()?;
        futures::stream::iter(jobs)
            .map(|(key, target)| async move {
                self.download_one(&key, &target, max_object_size).await
            })
            .buffer_unordered(concurrency.max(1))
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn download_one(&self, key: &str, target: &Path, limit: u64) -> Result<(), Error> {
        let result = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(|e| Error::from_store(&self.bucket, e))?;
        if result.meta.size > limit {
            return Err(Error::TooLarge {
                key: key.to_string(),
                limit,
            });
        }
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|source| Error::Io {
                    context: "failed to create directory",
                    path: parent.display().to_string(),
                    source,
                })?;
        }
        let io = |source| Error::Io {
            context: "failed to write",
            path: target.display().to_string(),
            source,
        };
        let mut file = tokio::fs::File::create(target).await.map_err(io)?;
        let mut written = 0u64;
        let mut stream = result.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::from_store(&self.bucket, e))?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(Error::TooLarge {
                    key: key.to_string(),
                    limit,
                });
            }
            file.write_all(chunk.as_ref()).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok(())
    }
}

/// `http(s)://host` from Flux's scheme-less `spec.endpoint` (a full URL is kept).
pub fn endpoint_url(endpoint: &str, insecure: bool) -> String {
    if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
        endpoint.trim_end_matches('/').to_string()
    } else if insecure {
        format!("http://{endpoint}")
    } else {
        format!("https://{endpoint}")
    }
}

fn azure_account(endpoint: &str) -> Option<String> {
    let host = endpoint
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()?;
    host.split_once(".blob.")
        .map(|(account, _)| account.to_string())
}

/// `dir/key` for a key made of plain components only.
fn safe_join(dir: &Path, key: &str) -> Result<PathBuf, Error> {
    let mut out = dir.to_path_buf();
    let mut parts = 0;
    for c in Path::new(key).components() {
        match c {
            Component::Normal(p) => {
                out.push(p);
                parts += 1;
            }
            Component::CurDir => {}
            _ => return Err(Error::UnsafeKey(key.to_string())),
        }
    }
    if parts == 0 {
        return Err(Error::UnsafeKey(key.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_stay_inside_the_directory() {
        let dir = Path::new("/tmp/x");
        assert_eq!(safe_join(dir, "a/b.yaml").unwrap(), dir.join("a/b.yaml"));
        assert!(safe_join(dir, "../etc/passwd").is_err());
        assert!(safe_join(dir, "/etc/passwd").is_err());
        assert!(safe_join(dir, "").is_err());
    }

    #[test]
    fn endpoints_and_providers() {
        assert_eq!(
            endpoint_url("127.0.0.1:9000", true),
            "http://127.0.0.1:9000"
        );
        assert_eq!(
            endpoint_url("s3.amazonaws.com", false),
            "https://s3.amazonaws.com"
        );
        assert_eq!(
            azure_account("https://acct.blob.core.windows.net").as_deref(),
            Some("acct")
        );
        assert_eq!(Provider::parse("").unwrap(), Provider::Generic);
        assert!(Provider::parse("minio").is_err());
    }
}
