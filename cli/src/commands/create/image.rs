//! `flux-rs create image repository|policy|update`.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Common, Generated, duration, object, set};
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::kinds;

/// The image kinds `create image` makes.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Create or update an ImageRepository.
    Repository(RepositoryArgs),
    /// Create or update an ImagePolicy.
    Policy(PolicyArgs),
    /// Create or update an ImageUpdateAutomation.
    Update(UpdateArgs),
}

impl ImageCommand {
    /// Generates the object.
    pub fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        match self {
            ImageCommand::Repository(a) => a.build(c, g),
            ImageCommand::Policy(a) => a.build(c, g),
            ImageCommand::Update(a) => a.build(c, g),
        }
    }
}

/// Flags of `create image repository`.
#[derive(Debug, Args)]
pub struct RepositoryArgs {
    /// The ImageRepository's name.
    pub name: String,
    /// Image repository to scan, e.g. ghcr.io/stefanprodan/podinfo.
    #[arg(long)]
    pub image: String,
    /// Secret with registry credentials.
    #[arg(long)]
    pub secret_ref: Option<String>,
    /// Secret with TLS certificates.
    #[arg(long)]
    pub cert_ref: Option<String>,
    /// Timeout of a scan (a Go duration).
    #[arg(long)]
    pub scan_timeout: Option<String>,
}

impl RepositoryArgs {
    fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        if self.image.contains("://") || self.image.contains(char::is_whitespace) {
            return Err(usage(format!(
                "invalid --image '{}': expected an image name such as ghcr.io/org/app",
                self.image
            )));
        }
        let mut spec = json!({});
        if let Some(r) = self.cert_ref {
            spec["certSecretRef"] = json!({"name": r});
        }
        spec["image"] = json!(self.image);
        spec["interval"] = json!(duration("interval", &c.interval)?);
        if let Some(r) = self.secret_ref {
            spec["secretRef"] = json!({"name": r});
        }
        if let Some(t) = &self.scan_timeout {
            spec["timeout"] = json!(duration("scan-timeout", t)?);
        }
        Ok(Generated {
            kind: kinds::IMAGE_REPOSITORY,
            object: object(&kinds::IMAGE_REPOSITORY, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}

/// Flags of `create image policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The ImagePolicy's name.
    pub name: String,
    /// The ImageRepository whose tags are considered.
    #[arg(long)]
    pub image_ref: String,
    /// Select the highest tag in a semver range.
    #[arg(long)]
    pub select_semver: Option<String>,
    /// Select tags alphabetically: asc or desc.
    #[arg(long)]
    pub select_alpha: Option<String>,
    /// Select tags numerically: asc or desc.
    #[arg(long)]
    pub select_numeric: Option<String>,
    /// Only consider tags matching this regular expression.
    #[arg(long)]
    pub filter_regex: Option<String>,
    /// Replacement for the tag used in ordering (with --filter-regex groups).
    #[arg(long)]
    pub filter_extract: Option<String>,
    /// Digest reflection: Never, IfNotPresent or Always.
    #[arg(long)]
    pub reflect_digest: Option<String>,
}

impl PolicyArgs {
    fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let order = |flag: &str, o: &str| -> Result<serde_json::Value> {
            match o {
                "asc" | "desc" => Ok(json!({"order": o})),
                _ => Err(usage(format!(
                    "invalid --{flag} '{o}': must be asc or desc"
                ))),
            }
        };
        let policy = match (
            &self.select_semver,
            &self.select_alpha,
            &self.select_numeric,
        ) {
            (Some(r), None, None) => json!({"semver": {"range": r}}),
            (None, Some(o), None) => json!({"alphabetical": order("select-alpha", o)?}),
            (None, None, Some(o)) => json!({"numerical": order("select-numeric", o)?}),
            _ => {
                return Err(usage(
                    "exactly one of --select-semver, --select-alpha or --select-numeric is required",
                ));
            }
        };
        let mut spec = json!({});
        set(&mut spec, "digestReflectionPolicy", self.reflect_digest);
        if let Some(p) = &self.filter_regex {
            let mut f = json!({"pattern": p});
            set(&mut f, "extract", self.filter_extract.clone());
            spec["filterTags"] = f;
        } else if self.filter_extract.is_some() {
            return Err(usage("--filter-extract needs --filter-regex"));
        }
        spec["imageRepositoryRef"] = json!({"name": self.image_ref});
        spec["policy"] = policy;
        Ok(Generated {
            kind: kinds::IMAGE_POLICY,
            object: object(&kinds::IMAGE_POLICY, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}

/// Flags of `create image update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The ImageUpdateAutomation's name.
    pub name: String,
    /// The GitRepository to update.
    #[arg(long)]
    pub git_repo_ref: String,
    /// The GitRepository's namespace (default: the automation's).
    #[arg(long)]
    pub git_repo_namespace: Option<String>,
    /// Path in the repository whose manifests are updated.
    #[arg(long, default_value = "./")]
    pub git_repo_path: String,
    /// Branch to check out (default: the GitRepository's).
    #[arg(long)]
    pub checkout_branch: Option<String>,
    /// Branch to push to (default: the checkout branch).
    #[arg(long)]
    pub push_branch: Option<String>,
    /// Commit message template.
    #[arg(long)]
    pub commit_template: Option<String>,
    /// Commit author name.
    #[arg(long, default_value = "fluxcdbot")]
    pub author_name: String,
    /// Commit author email.
    #[arg(long)]
    pub author_email: String,
}

impl UpdateArgs {
    fn build(self, c: &Common, g: &GlobalArgs) -> Result<Generated> {
        let mut git = json!({});
        if let Some(b) = &self.checkout_branch {
            git["checkout"] = json!({"ref": {"branch": b}});
        }
        let mut commit = json!({"author": {"email": self.author_email, "name": self.author_name}});
        set(&mut commit, "messageTemplate", self.commit_template);
        git["commit"] = commit;
        if let Some(b) = &self.push_branch {
            git["push"] = json!({"branch": b});
        }
        let mut source = json!({"kind": "GitRepository", "name": self.git_repo_ref});
        set(&mut source, "namespace", self.git_repo_namespace);
        let spec = json!({
            "git": git,
            "interval": duration("interval", &c.interval)?,
            "sourceRef": source,
            "update": {"path": self.git_repo_path, "strategy": "Setters"},
        });
        Ok(Generated {
            kind: kinds::IMAGE_UPDATE,
            object: object(&kinds::IMAGE_UPDATE, &self.name, c, g, spec)?,
            secrets: vec![],
        })
    }
}
