//! Resolving, pulling and pushing OCI artifacts.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use oci_client::client::{
    Certificate, CertificateEncoding, ClientConfig, ClientProtocol, Config, ImageLayer,
};
use oci_client::manifest::{OciImageManifest, OciManifest};
use oci_client::secrets::RegistryAuth;
use regex::Regex;
use tokio::io::AsyncWriteExt;

use crate::Error;
use crate::url::{OciRef, OciUrl};

/// How to reach a registry.
#[derive(Clone, Default)]
pub struct ClientOptions {
    /// Basic auth credentials.
    pub credentials: Option<(String, String)>,
    /// Plain HTTP (`spec.insecure`).
    pub insecure: bool,
    /// PEM CA bundle trusted in addition to the system roots (`certSecretRef` `ca.crt`).
    pub ca_pem: Option<Vec<u8>>,
    /// Read/connect timeout.
    pub timeout: Option<Duration>,
    /// Proxy URL for every request, credentials in its userinfo (`proxySecretRef`).
    pub proxy: Option<String>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("credentials", &self.credentials.as_ref().map(|(u, _)| u))
            .field("insecure", &self.insecure)
            .field("ca_pem", &self.ca_pem.is_some())
            .field("proxy", &self.proxy.is_some())
            .finish()
    }
}

/// A ref resolved to a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The tag, unless the ref was a digest.
    pub tag: Option<String>,
    /// The manifest digest, `sha256:<hex>`.
    pub digest: String,
}

impl Resolved {
    /// Flux's OCIRepository revision: `<tag>@<digest>`, or the digest alone.
    pub fn revision(&self) -> String {
        match &self.tag {
            Some(tag) => format!("{tag}@{}", self.digest),
            None => self.digest.clone(),
        }
    }
}

/// A pulled layer.
#[derive(Clone, Debug)]
pub struct PulledLayer {
    /// The layer's media type.
    pub media_type: String,
    /// The layer digest.
    pub digest: String,
    /// The manifest's annotations (Flux copies them into the artifact metadata).
    pub annotations: BTreeMap<String, String>,
    /// Bytes written.
    pub size: u64,
}

/// A client for one repository.
pub struct OciClient {
    url: OciUrl,
    client: oci_client::Client,
    auth: RegistryAuth,
}

impl std::fmt::Debug for OciClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciClient")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl OciClient {
    /// A client for `url`.
    pub fn new(url: OciUrl, options: ClientOptions) -> Result<OciClient, Error> {
        let mut config = ClientConfig {
            protocol: if options.insecure {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            read_timeout: options.timeout,
            connect_timeout: options.timeout,
            http_proxy: options.proxy.clone(),
            https_proxy: options.proxy,
            ..ClientConfig::default()
        };
        if let Some(ca) = options.ca_pem {
            config.extra_root_certificates.push(Certificate {
                encoding: CertificateEncoding::Pem,
                data: ca,
            });
        }
        let auth = match options.credentials {
            Some((u, p)) => RegistryAuth::Basic(u, p),
            None => RegistryAuth::Anonymous,
        };
        // `Client::new` would fall back to a default client on a bad CA or proxy, silently
        // dropping them; fail instead.
        let client = oci_client::Client::try_from(config).map_err(|e| {
            Error::InvalidAuth(format!(
                "building the client for '{}' (certificate or proxy): {e}",
                url.registry
            ))
        })?;
        Ok(OciClient { url, client, auth })
    }

    /// The repository.
    pub fn url(&self) -> &OciUrl {
        &self.url
    }

    fn err(
        &self,
        op: &'static str,
        reference: &str,
    ) -> impl Fn(oci_client::errors::OciDistributionError) -> Error {
        let registry = self.url.registry.clone();
        let reference = reference.to_string();
        move |e| Error::registry(op, &reference, &registry, e)
    }

    /// All tags of the repository (following pagination).
    pub async fn list_tags(&self) -> Result<Vec<String>, Error> {
        let reference = self.url.with_tag("latest");
        let shown = self.url.to_url();
        let mut tags: Vec<String> = Vec::new();
        let mut last: Option<String> = None;
        loop {
            let page = self
                .client
                .list_tags(&reference, &self.auth, Some(1000), last.as_deref())
                .await
                .map_err(self.err("listing tags of", &shown))?;
            let n = page.tags.len();
            last = page.tags.last().cloned();
            tags.extend(page.tags);
            if n < 1000 || last.is_none() {
                break;
            }
        }
        Ok(tags)
    }

    /// Resolves `r` to a manifest digest.
    pub async fn resolve(&self, r: &OciRef) -> Result<Resolved, Error> {
        match r {
            OciRef::Digest(digest) => {
                if !digest.starts_with("sha256:") && !digest.starts_with("sha512:") {
                    return Err(Error::InvalidRef(format!(
                        "digest '{digest}' must be '<algorithm>:<hex>'"
                    )));
                }
                let reference = self.url.with_digest(digest);
                let shown = format!("{}@{digest}", self.url.to_url());
                self.client
                    .fetch_manifest_digest(&reference, &self.auth)
                    .await
                    .map_err(self.err("resolving", &shown))?;
                Ok(Resolved {
                    tag: None,
                    digest: digest.clone(),
                })
            }
            OciRef::Tag(tag) => self.resolve_tag(tag).await,
            OciRef::Semver { range, filter } => {
                let constraint = flux_semver::Constraint::parse(range)
                    .map_err(|e| Error::InvalidRef(format!("semver '{range}': {e}")))?;
                let filter = filter
                    .as_deref()
                    .map(Regex::new)
                    .transpose()
                    .map_err(|e| Error::InvalidRef(format!("semverFilter: {e}")))?;
                let tags = self.list_tags().await?;
                let candidates = tags
                    .iter()
                    .filter(|t| filter.as_ref().is_none_or(|f| f.is_match(t)));
                let (tag, _) = flux_semver::latest_matching(candidates, &constraint)
                    .ok_or_else(|| Error::NoSemverMatch(range.clone()))?;
                self.resolve_tag(&tag).await
            }
        }
    }

    async fn resolve_tag(&self, tag: &str) -> Result<Resolved, Error> {
        let reference = self.url.with_tag(tag);
        let shown = format!("{}:{tag}", self.url.to_url());
        let digest = self
            .client
            .fetch_manifest_digest(&reference, &self.auth)
            .await
            .map_err(self.err("resolving", &shown))?;
        Ok(Resolved {
            tag: Some(tag.to_string()),
            digest,
        })
    }

    /// The image manifest at `digest`.
    pub async fn manifest(&self, digest: &str) -> Result<OciImageManifest, Error> {
        let reference = self.url.with_digest(digest);
        let shown = format!("{}@{digest}", self.url.to_url());
        let (manifest, _) = self
            .client
            .pull_manifest(&reference, &self.auth)
            .await
            .map_err(self.err("pulling manifest", &shown))?;
        match manifest {
            OciManifest::Image(m) => Ok(m),
            OciManifest::ImageIndex(_) => Err(Error::Layer(format!(
                "'{shown}' is an image index, not an artifact"
            ))),
        }
    }

    /// Pulls the layer of `digest`'s manifest selected by `media_type` (the first layer
    /// when `None`) into `dest`, at most `max_size` bytes; the layer digest is checked.
    pub async fn pull_layer(
        &self,
        digest: &str,
        media_type: Option<&str>,
        dest: &Path,
        max_size: u64,
    ) -> Result<PulledLayer, Error> {
        let manifest = self.manifest(digest).await?;
        let shown = format!("{}@{digest}", self.url.to_url());
        let layer = match media_type.filter(|m| !m.is_empty()) {
            Some(mt) => manifest
                .layers
                .iter()
                .find(|l| l.media_type == mt)
                .ok_or_else(|| {
                    Error::Layer(format!(
                        "failed to find layer with media type '{mt}' in artifact '{shown}'"
                    ))
                })?,
            None => manifest
                .layers
                .first()
                .ok_or_else(|| Error::Layer(format!("no layers found in artifact '{shown}'")))?,
        };
        if u64::try_from(layer.size).unwrap_or(u64::MAX) > max_size {
            return Err(Error::TooLarge {
                reference: shown,
                limit: max_size,
            });
        }
        let reference = self.url.with_digest(digest);
        let mut stream = self
            .client
            .pull_blob_stream(&reference, layer)
            .await
            .map_err(self.err("pulling layer of", &shown))?;
        let io = |source| Error::Io {
            context: "failed to write layer",
            path: dest.display().to_string(),
            source,
        };
        let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::Registry {
                operation: "pulling layer of",
                reference: shown.clone(),
                reason: e.to_string(),
            })?;
            size += chunk.len() as u64;
            if size > max_size {
                return Err(Error::TooLarge {
                    reference: shown,
                    limit: max_size,
                });
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok(PulledLayer {
            media_type: layer.media_type.clone(),
            digest: layer.digest.clone(),
            annotations: manifest.annotations.clone().unwrap_or_default(),
            size,
        })
    }

    /// Pushes an artifact with one layer under `tag`; returns the manifest digest.
    pub async fn push(
        &self,
        tag: &str,
        layer: Vec<u8>,
        layer_media_type: &str,
        config_media_type: &str,
        annotations: BTreeMap<String, String>,
    ) -> Result<String, Error> {
        let reference = self.url.with_tag(tag);
        let shown = format!("{}:{tag}", self.url.to_url());
        let layers = vec![ImageLayer::new(layer, layer_media_type.to_string(), None)];
        let config = Config::new(b"{}".to_vec(), config_media_type.to_string(), None);
        let mut manifest = OciImageManifest::build(&layers, &config, None);
        manifest.annotations = (!annotations.is_empty()).then_some(annotations);
        self.client
            .push(&reference, &layers, config, &self.auth, Some(manifest))
            .await
            .map_err(self.err("pushing", &shown))?;
        let resolved = self.resolve_tag(tag).await?;
        Ok(resolved.digest)
    }

    /// Pushes a manifest with the given layers under `tag` (cosign signatures).
    pub(crate) async fn push_layers(
        &self,
        tag: &str,
        layers: Vec<ImageLayer>,
        config: Config,
    ) -> Result<(), Error> {
        let reference = self.url.with_tag(tag);
        let shown = format!("{}:{tag}", self.url.to_url());
        let manifest = OciImageManifest::build(&layers, &config, None);
        self.client
            .push(&reference, &layers, config, &self.auth, Some(manifest))
            .await
            .map_err(self.err("pushing", &shown))?;
        Ok(())
    }

    /// Manifests naming `digest` as their subject, from the referrers API or, where the
    /// registry lacks it, the `sha256-<hex>` tag schema (empty when there are none).
    pub(crate) async fn referrers(
        &self,
        digest: &str,
    ) -> Result<Vec<oci_client::manifest::ImageIndexEntry>, Error> {
        let shown = format!("{}@{digest}", self.url.to_url());
        let index = self
            .client
            .pull_referrers(&self.url.with_digest(digest), None)
            .await
            .map_err(self.err("listing referrers of", &shown))?;
        Ok(index.manifests)
    }

    /// Reads a whole blob of `digest`'s manifest into memory (small blobs only).
    pub(crate) async fn small_blob(
        &self,
        manifest_digest: &str,
        layer: &oci_client::manifest::OciDescriptor,
        limit: u64,
    ) -> Result<Vec<u8>, Error> {
        let shown = format!("{}@{manifest_digest}", self.url.to_url());
        if u64::try_from(layer.size).unwrap_or(u64::MAX) > limit {
            return Err(Error::TooLarge {
                reference: shown,
                limit,
            });
        }
        let mut out = Vec::new();
        self.client
            .pull_blob(&self.url.with_digest(manifest_digest), layer, &mut out)
            .await
            .map_err(self.err("pulling blob of", &shown))?;
        Ok(out)
    }
}
