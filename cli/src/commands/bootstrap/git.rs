//! `flux-rs bootstrap git --url ... --path ...`.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value, json};

use super::repo::{GitAuth, Repo};
use super::sync::{self, SyncOptions};
use crate::apply::Applier;
use crate::commands::create::secret::{GitCredentials, scan_host_keys, secret};
use crate::commands::create::{apply_flux_object, duration};
use crate::commands::install::{ComponentArgs, apply_all, export_header, wait_deployments};
use crate::commands::wait;
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::{kinds, manifests, output, yaml};

/// Flags of `flux-rs bootstrap git`.
#[derive(Debug, Args)]
pub struct BootstrapGitArgs {
    /// Git repository URL (http://, https:// or ssh://).
    #[arg(long)]
    pub url: String,
    /// Git branch.
    #[arg(long, default_value = "main")]
    pub branch: String,
    /// Path of the cluster directory in the repository.
    #[arg(long, default_value = "")]
    pub path: String,
    /// Basic authentication username.
    #[arg(short = 'u', long, default_value = "git")]
    pub username: String,
    /// Basic authentication password (or token).
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// Use the password as an HTTPS token instead of an SSH deploy key.
    #[arg(long)]
    pub token_auth: bool,
    /// Send the password as a bearer token.
    #[arg(long)]
    pub with_bearer_token: bool,
    /// SSH private key file.
    #[arg(long)]
    pub private_key_file: Option<PathBuf>,
    /// CA bundle for HTTPS.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// Allow plain HTTP URLs.
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// How often the GitRepository is fetched.
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// Name of the auth Secret (and of the sync objects).
    #[arg(long, default_value = "flux-system")]
    pub secret_name: String,
    /// Commit author name.
    #[arg(long, default_value = "Flux")]
    pub author_name: String,
    /// Commit author email.
    #[arg(long, default_value = "")]
    pub author_email: String,
    /// Text appended to commit messages.
    #[arg(long)]
    pub commit_message_appendix: Option<String>,
    /// Do not wait for the flux-system GitRepository and Kustomization to be reconciled
    /// (flux-rs addition).
    #[arg(long)]
    pub no_wait: bool,
    /// Component selection and controller flags.
    #[command(flatten)]
    pub components: ComponentArgs,
}

impl BootstrapGitArgs {
    fn validate(&self) -> Result<()> {
        if self.url.starts_with("http://") && !self.allow_insecure_http {
            return Err(usage(
                "scheme http is insecure, pass --allow-insecure-http=true to allow it",
            ));
        }
        if !["http://", "https://", "ssh://"]
            .iter()
            .any(|s| self.url.starts_with(s))
        {
            return Err(usage(format!(
                "invalid --url '{}': scheme must be http, https or ssh",
                self.url
            )));
        }
        if self.url.starts_with("ssh://") && self.private_key_file.is_none() {
            return Err(usage("an ssh:// URL needs --private-key-file"));
        }
        if self.path.split('/').any(|p| p == "..") || self.path.starts_with('/') {
            return Err(usage(format!(
                "invalid --path '{}': must be relative, without '..'",
                self.path
            )));
        }
        Ok(())
    }

    fn message(&self, text: &str) -> String {
        match &self.commit_message_appendix {
            Some(a) => format!("{text}\n\n{a}"),
            None => text.to_string(),
        }
    }

    fn auth(&self, tmp: &std::path::Path) -> Result<(GitAuth, Option<Map<String, Value>>)> {
        if self.url.starts_with("ssh://") {
            let key = self
                .private_key_file
                .clone()
                .ok_or_else(|| usage("an ssh:// URL needs --private-key-file"))?;
            let known_hosts = scan_host_keys(&self.url)?;
            let kh_path = tmp.join("known_hosts");
            std::fs::write(&kh_path, &known_hosts).map_err(|e| CliError::Other(e.into()))?;
            let creds = GitCredentials {
                private_key_file: Some(key.clone()),
                password: self.password.clone(),
                ..Default::default()
            };
            let mut data = creds.secret_data(&self.url)?.unwrap_or_default();
            // Reuse the scan we already did so the Secret matches what git verified.
            data.insert("known_hosts".into(), json!(known_hosts));
            return Ok((
                GitAuth::Ssh {
                    key,
                    known_hosts: kh_path,
                },
                Some(data),
            ));
        }
        let creds = GitCredentials {
            ca_file: self.ca_file.clone(),
            ..Default::default()
        };
        let mut data = creds.secret_data(&self.url)?.unwrap_or_default();
        let auth = match &self.password {
            Some(p) if self.with_bearer_token => {
                data.insert("bearerToken".into(), json!(p));
                GitAuth::Bearer(p.clone())
            }
            Some(p) => {
                data.insert("username".into(), json!(self.username));
                data.insert("password".into(), json!(p));
                GitAuth::Basic {
                    username: self.username.clone(),
                    password: p.clone(),
                }
            }
            None => GitAuth::None,
        };
        Ok((auth, if data.is_empty() { None } else { Some(data) }))
    }

    /// Runs `flux-rs bootstrap git`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        self.validate()?;
        let timeout = g.timeout()?;
        let interval = duration("interval", &self.interval)?;
        let opts = self.components.options(&g.namespace)?;
        let tmp = tempfile::tempdir().map_err(|e| CliError::Other(e.into()))?;
        let (auth, secret_data) = self.auth(tmp.path())?;

        output::action(&format!(
            "cloning branch \"{}\" from Git repository \"{}\"",
            self.branch, self.url
        ));
        let repo = Repo::clone(
            &self.url,
            &self.branch,
            &tmp.path().join("repo"),
            auth,
            self.ca_file.clone(),
        )
        .await?;
        output::success("cloned repository");

        output::generate("generating component manifests");
        let components = manifests::render(&opts)?;
        let components_yaml = format!(
            "{}{}",
            export_header(&opts),
            yaml::export_stream(&components)
        );
        let dir = if self.path.is_empty() {
            "flux-system".to_string()
        } else {
            format!(
                "{}/flux-system",
                self.path.trim_start_matches("./").trim_end_matches('/')
            )
        };
        let abs = repo.dir().join(&dir);
        std::fs::create_dir_all(&abs).map_err(|e| usage(format!("creating {dir}: {e}")))?;
        let write = |file: &str, text: &str| {
            std::fs::write(abs.join(file), text)
                .map_err(|e| usage(format!("writing {dir}/{file}: {e}")))
        };
        write("gotk-components.yaml", &components_yaml)?;
        output::success("generated component manifests");
        let components_file = format!("{dir}/gotk-components.yaml");
        match repo
            .commit(
                &[&components_file],
                &self.message(&format!(
                    "Add Flux {} component manifests",
                    manifests::VERSION
                )),
                &self.author_name,
                &self.author_email,
            )
            .await?
        {
            Some(sha) => output::success(&format!(
                "committed component manifests to \"{}\" (\"{sha}\")",
                self.branch
            )),
            None => output::success("component manifests are up to date"),
        }

        output::action(
            "installing components in \"{}\" namespace"
                .replace("{}", &g.namespace)
                .as_str(),
        );
        let client = g.client().await?;
        let mut applier = Applier::new(client.clone());
        apply_all(&mut applier, &components, false, g.verbose).await?;
        output::success("installed components");
        output::success("reconciled components");

        if let Some(data) = secret_data {
            output::action(&format!(
                "creating source secret \"{}/{}\"",
                g.namespace, self.secret_name
            ));
            applier
                .apply(&secret(&self.secret_name, &g.namespace, data), false)
                .await?;
            output::success("source secret created");
        }
        let sync_opts = SyncOptions {
            name: self.secret_name.clone(),
            namespace: g.namespace.clone(),
            url: self.url.clone(),
            branch: self.branch.clone(),
            path: self.path.clone(),
            interval,
            secret: None,
        };
        let has_secret = applier
            .get(&json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": self.secret_name, "namespace": g.namespace}}))
            .await?
            .is_some();
        let sync_opts = SyncOptions {
            secret: has_secret.then(|| self.secret_name.clone()),
            ..sync_opts
        };
        output::generate("generating sync manifests");
        let sync_objects = sync::sync_objects(&sync_opts);
        write("gotk-sync.yaml", &yaml::export_stream(&sync_objects))?;
        write("kustomization.yaml", sync::KUSTOMIZATION)?;
        output::success("generated sync manifests");
        let sync_files = [
            format!("{dir}/gotk-sync.yaml"),
            format!("{dir}/kustomization.yaml"),
        ];
        let sync_refs: Vec<&str> = sync_files.iter().map(String::as_str).collect();
        match repo
            .commit(
                &sync_refs,
                &self.message("Add Flux sync manifests"),
                &self.author_name,
                &self.author_email,
            )
            .await?
        {
            Some(sha) => output::success(&format!(
                "committed sync manifests to \"{}\" (\"{sha}\")",
                self.branch
            )),
            None => output::success("sync manifests are up to date"),
        }
        output::action(&format!("pushing sync manifests to \"{}\"", self.url));
        repo.push(&self.branch).await?;
        output::success("sync manifests pushed");

        output::action("applying sync manifests");
        apply_flux_object(
            &client,
            &kinds::GIT_REPOSITORY,
            &g.namespace,
            &sync_objects[0],
        )
        .await?;
        apply_flux_object(
            &client,
            &kinds::KUSTOMIZATION,
            &g.namespace,
            &sync_objects[1],
        )
        .await?;
        output::success("reconciled sync configuration");
        if self.no_wait {
            return Ok(());
        }
        for kind in [kinds::GIT_REPOSITORY, kinds::KUSTOMIZATION] {
            wait::until_reconciled(
                &client,
                &kind,
                &g.namespace,
                &self.secret_name,
                None,
                timeout,
            )
            .await?;
        }
        output::action("confirming components are healthy");
        wait_deployments(&client, &g.namespace, &opts.components, timeout).await?;
        output::success("all components are healthy");
        Ok(())
    }
}
