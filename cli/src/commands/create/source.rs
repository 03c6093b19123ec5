//! `flux-rs create source git|helm|oci|bucket`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::secret::{GitCredentials, secret};
use super::{Common, Generated, duration, object, set};
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::kinds;

/// The source kinds `create source` makes.
#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Create or update a GitRepository source.
    Git(GitArgs),
    /// Create or update a HelmRepository source.
    Helm(HelmArgs),
    /// Create or update an OCIRepository source.
    Oci(OciArgs),
    /// Create or update a Bucket source.
    Bucket(BucketArgs),
}

impl SourceCommand {
    /// Generates the object.
    pub fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        match self {
            SourceCommand::Git(a) => a.build(c, g),
            SourceCommand::Helm(a) => a.build(c, g),
            SourceCommand::Oci(a) => a.build(c, g),
            SourceCommand::Bucket(a) => a.build(c, g),
        }
    }
}

/// Flags of `create source git`.
#[derive(Debug, Args)]
pub struct GitArgs {
    /// The source's name.
    pub name: String,
    /// Git address, e.g. ssh://git@host/org/repository or https://host/org/repository.
    #[arg(long)]
    pub url: String,
    /// Git branch.
    #[arg(long)]
    pub branch: Option<String>,
    /// Git tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Git tag semver range.
    #[arg(long)]
    pub tag_semver: Option<String>,
    /// Git reference name, e.g. refs/heads/main.
    #[arg(long)]
    pub ref_name: Option<String>,
    /// Git commit SHA.
    #[arg(long)]
    pub commit: Option<String>,
    /// Basic authentication username.
    #[arg(short = 'u', long)]
    pub username: Option<String>,
    /// Basic authentication password.
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// Private key file for SSH authentication.
    #[arg(long)]
    pub private_key_file: Option<PathBuf>,
    /// An existing Secret with the Git credentials.
    #[arg(long)]
    pub secret_ref: Option<String>,
    /// Git provider: generic, azure or github.
    #[arg(long)]
    pub provider: Option<String>,
    /// Clone submodules too.
    #[arg(long)]
    pub recurse_submodules: bool,
    /// Paths to ignore, in .gitignore format (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub ignore_paths: Vec<String>,
    /// Directories to check out sparsely (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub sparse_checkout_paths: Vec<String>,
}

impl GitArgs {
    fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let scheme_ok = ["http://", "https://", "ssh://"]
            .iter()
            .any(|s| self.url.starts_with(s));
        if !scheme_ok {
            return Err(usage(format!(
                "git URL scheme '{}' not supported, can be: ssh, http and https",
                self.url.split("://").next().unwrap_or(&self.url)
            )));
        }
        let mut r = json!({});
        set(&mut r, "branch", self.branch);
        set(&mut r, "tag", self.tag);
        set(&mut r, "semver", self.tag_semver);
        set(&mut r, "name", self.ref_name);
        set(&mut r, "commit", self.commit);
        if r.as_object().is_some_and(Map::is_empty) {
            return Err(usage(
                "a Git ref is required, use one of the following: --branch, --tag, --commit, --ref-name or --tag-semver",
            ));
        }
        let mut spec =
            json!({"interval": duration("interval", &c.interval)?, "ref": r, "url": self.url});
        let creds = GitCredentials {
            username: self.username,
            password: self.password,
            private_key_file: self.private_key_file,
            ..Default::default()
        };
        let data = creds.secret_data(&self.url)?;
        let mut secrets = Vec::new();
        match (data, self.secret_ref) {
            (Some(_), Some(_)) => {
                return Err(usage("give credentials or --secret-ref, not both"));
            }
            (Some(data), None) => {
                secrets.push(secret(&self.name, &g.namespace, data));
                spec["secretRef"] = json!({"name": self.name});
            }
            (None, Some(s)) => spec["secretRef"] = json!({"name": s}),
            (None, None) if self.url.starts_with("ssh://") => {
                return Err(usage(
                    "an ssh:// URL needs --private-key-file or --secret-ref",
                ));
            }
            (None, None) => {}
        }
        set(&mut spec, "provider", self.provider);
        if self.recurse_submodules {
            spec["recurseSubmodules"] = json!(true);
        }
        if !self.ignore_paths.is_empty() {
            spec["ignore"] = json!(self.ignore_paths.join("\n"));
        }
        if !self.sparse_checkout_paths.is_empty() {
            spec["sparseCheckout"] = json!(self.sparse_checkout_paths);
        }
        Ok(Generated {
            kind: kinds::GIT_REPOSITORY,
            object: object(&kinds::GIT_REPOSITORY, &self.name, c, g, spec)?,
            secrets,
        })
    }
}

/// Flags of `create source helm`.
#[derive(Debug, Args)]
pub struct HelmArgs {
    /// The source's name.
    pub name: String,
    /// Helm repository address (https:// or oci://).
    #[arg(long)]
    pub url: String,
    /// Basic authentication username.
    #[arg(short = 'u', long)]
    pub username: Option<String>,
    /// Basic authentication password.
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// An existing Secret with the repository credentials.
    #[arg(long)]
    pub secret_ref: Option<String>,
    /// OCI registry provider: generic, aws, azure or gcp.
    #[arg(long)]
    pub oci_provider: Option<String>,
    /// Pass credentials to every domain of the index.
    #[arg(long)]
    pub pass_credentials: bool,
}

impl HelmArgs {
    fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let is_oci = self.url.starts_with("oci://");
        if !is_oci && !self.url.starts_with("http://") && !self.url.starts_with("https://") {
            return Err(usage(format!(
                "invalid --url '{}': expected http(s):// or oci://",
                self.url
            )));
        }
        let mut spec = json!({"interval": duration("interval", &c.interval)?, "url": self.url});
        if is_oci {
            spec["type"] = json!("oci");
            set(&mut spec, "provider", self.oci_provider);
        }
        if self.pass_credentials {
            spec["passCredentials"] = json!(true);
        }
        let secrets = basic_auth_secret(
            &mut spec,
            &self.name,
            &g.namespace,
            self.username,
            self.password,
            self.secret_ref,
        )?;
        Ok(Generated {
            kind: kinds::HELM_REPOSITORY,
            object: object(&kinds::HELM_REPOSITORY, &self.name, c, g, spec)?,
            secrets,
        })
    }
}

fn basic_auth_secret(
    spec: &mut Value,
    name: &str,
    namespace: &str,
    username: Option<String>,
    password: Option<String>,
    secret_ref: Option<String>,
) -> Result<Vec<Value>> {
    match (username, password, secret_ref) {
        (Some(u), Some(p), None) => {
            spec["secretRef"] = json!({"name": name});
            let mut data = Map::new();
            data.insert("username".into(), json!(u));
            data.insert("password".into(), json!(p));
            Ok(vec![secret(name, namespace, data)])
        }
        (None, None, Some(s)) => {
            spec["secretRef"] = json!({"name": s});
            Ok(vec![])
        }
        (None, None, None) => Ok(vec![]),
        (_, _, Some(_)) => Err(usage("give credentials or --secret-ref, not both")),
        _ => Err(usage("--username and --password must be given together")),
    }
}

/// Flags of `create source oci`.
#[derive(Debug, Args)]
pub struct OciArgs {
    /// The source's name.
    pub name: String,
    /// OCI repository address, e.g. oci://ghcr.io/stefanprodan/manifests/podinfo.
    #[arg(long)]
    pub url: String,
    /// OCI artifact tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// OCI artifact tag semver range.
    #[arg(long)]
    pub tag_semver: Option<String>,
    /// OCI artifact digest.
    #[arg(long)]
    pub digest: Option<String>,
    /// An existing Secret with the registry credentials.
    #[arg(long)]
    pub secret_ref: Option<String>,
    /// Registry provider: generic, aws, azure or gcp.
    #[arg(long)]
    pub provider: Option<String>,
    /// ServiceAccount whose image pull secrets are used.
    #[arg(long)]
    pub service_account: Option<String>,
    /// Allow plain HTTP connections to the registry.
    #[arg(long)]
    pub insecure: bool,
    /// Paths to ignore, in .gitignore format (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub ignore_paths: Vec<String>,
}

impl OciArgs {
    fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        if !self.url.starts_with("oci://") {
            return Err(usage(format!(
                "invalid --url '{}': expected an oci:// address",
                self.url
            )));
        }
        let mut r = json!({});
        set(&mut r, "tag", self.tag);
        set(&mut r, "semver", self.tag_semver);
        set(&mut r, "digest", self.digest);
        if r.as_object().is_some_and(Map::is_empty) {
            return Err(usage("one of --tag, --tag-semver or --digest is required"));
        }
        let mut spec =
            json!({"interval": duration("interval", &c.interval)?, "ref": r, "url": self.url});
        set(&mut spec, "provider", self.provider);
        if let Some(s) = self.secret_ref {
            spec["secretRef"] = json!({"name": s});
        }
        set(&mut spec, "serviceAccountName", self.service_account);
        if self.insecure {
            spec["insecure"] = json!(true);
        }
        if !self.ignore_paths.is_empty() {
            spec["ignore"] = json!(self.ignore_paths.join("\n"));
        }
        Ok(Generated {
            kind: kinds::OCI_REPOSITORY,
            object: object(&kinds::OCI_REPOSITORY, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}

/// Flags of `create source bucket`.
#[derive(Debug, Args)]
pub struct BucketArgs {
    /// The source's name.
    pub name: String,
    /// The bucket's name.
    #[arg(long)]
    pub bucket_name: String,
    /// The bucket's endpoint address.
    #[arg(long)]
    pub endpoint: String,
    /// Provider: generic, aws, azure or gcp.
    #[arg(long, default_value = "generic")]
    pub provider: String,
    /// The bucket's region.
    #[arg(long)]
    pub region: Option<String>,
    /// Access key.
    #[arg(long)]
    pub access_key: Option<String>,
    /// Secret key.
    #[arg(long)]
    pub secret_key: Option<String>,
    /// An existing Secret with the credentials.
    #[arg(long)]
    pub secret_ref: Option<String>,
    /// Use plain HTTP.
    #[arg(long)]
    pub insecure: bool,
}

impl BucketArgs {
    fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let provider = self.provider.to_ascii_lowercase();
        if !["generic", "aws", "azure", "gcp"].contains(&provider.as_str()) {
            return Err(usage(format!(
                "invalid --provider '{}': must be one of generic, aws, azure, gcp",
                self.provider
            )));
        }
        let mut spec = json!({
            "bucketName": self.bucket_name,
            "endpoint": self.endpoint,
            "interval": duration("interval", &c.interval)?,
            "provider": provider,
        });
        set(&mut spec, "region", self.region);
        if self.insecure {
            spec["insecure"] = json!(true);
        }
        let mut secrets = vec![];
        match (self.access_key, self.secret_key, self.secret_ref) {
            (Some(a), Some(s), None) => {
                let mut data = Map::new();
                data.insert("accesskey".into(), json!(a));
                data.insert("secretkey".into(), json!(s));
                secrets.push(secret(&self.name, &g.namespace, data));
                spec["secretRef"] = json!({"name": self.name});
            }
            (None, None, Some(r)) => spec["secretRef"] = json!({"name": r}),
            (None, None, None) => {}
            (_, _, Some(_)) => return Err(usage("give keys or --secret-ref, not both")),
            _ => {
                return Err(usage(
                    "--access-key and --secret-key must be given together",
                ));
            }
        }
        Ok(Generated {
            kind: kinds::BUCKET,
            object: object(&kinds::BUCKET, &self.name, c, g, spec)?,
            secrets,
        })
    }
}
