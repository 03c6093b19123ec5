//! The `flux-rs` command-line interface: Flux's commands and flags, driven by the same
//! engines the controllers use.
//!
//! `main` only parses [`Cli`] and calls [`Cli::run`], which starts a Tokio runtime and
//! dispatches to one module per command under [`commands`]. Errors carry an exit code
//! ([`CliError::exit_code`]); `diff kustomization` uses 1 for "differences found".

pub mod apply;
pub mod commands;
pub mod context;
pub mod error;
pub mod kinds;
pub mod manifests;
pub mod output;
pub mod yaml;

use clap::{Parser, Subcommand};

pub use context::GlobalArgs;
pub use error::CliError;

/// Command-line interface for flux-rs, a Flux-compatible GitOps toolkit.
#[derive(Debug, Parser)]
#[command(name = "flux-rs", version, about, propagate_version = true)]
pub struct Cli {
    /// Flags accepted by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bootstrap toolkit components in a Git repository and install them on the cluster.
    #[command(subcommand)]
    Bootstrap(commands::bootstrap::BootstrapCommand),
    /// Build a Kustomization locally, as the controller would.
    #[command(subcommand)]
    Build(commands::build::BuildCommand),
    /// Check requirements and installation.
    Check(commands::check::CheckArgs),
    /// Generate shell completion scripts.
    Completion(commands::completion::CompletionArgs),
    /// Create or update Flux objects.
    Create(commands::create::CreateArgs),
    /// Delete Flux objects.
    Delete(commands::delete::DeleteArgs),
    /// Diff a local Kustomization build against the cluster.
    #[command(subcommand)]
    Diff(commands::diff::DiffCommand),
    /// Display Kubernetes events for Flux objects.
    Events(commands::events::EventsArgs),
    /// Export Flux objects as YAML.
    Export(commands::export::ExportArgs),
    /// Get the status of Flux objects.
    Get(commands::get::GetArgs),
    /// Render a Helm chart locally (`helm template`).
    #[command(subcommand)]
    Helm(commands::helm::HelmCommand),
    /// Install or upgrade the toolkit components.
    Install(commands::install::InstallArgs),
    /// Build a kustomization directory (`kustomize build`).
    #[command(subcommand)]
    Kustomize(commands::kustomize::KustomizeCommand),
    /// Display the toolkit controllers' logs.
    Logs(commands::logs::LogsArgs),
    /// Reconcile Flux objects now.
    Reconcile(commands::reconcile::ReconcileArgs),
    /// Resume suspended Flux objects.
    Resume(commands::suspend::SuspendArgs),
    /// Suspend the reconciliation of Flux objects.
    Suspend(commands::suspend::SuspendArgs),
    /// Trace an object back to the Kustomization or HelmRelease managing it.
    Trace(commands::trace::TraceArgs),
    /// Print the objects a Kustomization manages, as a tree.
    #[command(subcommand)]
    Tree(commands::tree::TreeCommand),
    /// Uninstall the toolkit components.
    Uninstall(commands::uninstall::UninstallArgs),
    /// Print the client and in-cluster versions.
    Version(commands::version::VersionArgs),
}

impl Cli {
    /// Parses the process arguments, recording whether `-n` was given explicitly (commands
    /// such as `helm template` default to another namespace than flux-system).
    pub fn parse_args() -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().try_get_matches()?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        let mut explicit = false;
        let mut m = Some(&matches);
        while let Some(cur) = m {
            if cur.value_source("namespace") == Some(clap::parser::ValueSource::CommandLine) {
                explicit = true;
            }
            m = cur.subcommand().map(|(_, sub)| sub);
        }
        cli.global.namespace_explicit = explicit;
        Ok(cli)
    }

    /// Runs the selected command on a fresh Tokio runtime.
    pub fn run(self) -> Result<(), CliError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| CliError::Other(anyhow::anyhow!("starting the async runtime: {e}")))?;
        runtime.block_on(self.dispatch())
    }

    async fn dispatch(self) -> Result<(), CliError> {
        let g = self.global;
        // Flux parses --timeout as a duration flag, so a bad value fails every command.
        g.timeout()?;
        match self.command {
            Command::Bootstrap(c) => c.run(&g).await,
            Command::Build(c) => c.run(&g).await,
            Command::Check(c) => c.run(&g).await,
            Command::Completion(c) => c.run(),
            Command::Create(c) => c.run(&g).await,
            Command::Delete(c) => commands::delete::run(c, &g).await,
            Command::Diff(c) => c.run(&g).await,
            Command::Events(c) => c.run(&g).await,
            Command::Export(c) => commands::export::run(c, &g).await,
            Command::Get(c) => commands::get::run(c, &g).await,
            Command::Helm(c) => c.run(&g),
            Command::Install(c) => c.run(&g).await,
            Command::Kustomize(c) => c.run(),
            Command::Logs(c) => c.run(&g).await,
            Command::Reconcile(c) => commands::reconcile::run(c, &g).await,
            Command::Resume(c) => commands::suspend::run(c, &g, false).await,
            Command::Suspend(c) => commands::suspend::run(c, &g, true).await,
            Command::Trace(c) => c.run(&g).await,
            Command::Tree(c) => c.run(&g).await,
            Command::Uninstall(c) => c.run(&g).await,
            Command::Version(c) => c.run(&g).await,
        }
    }
}
