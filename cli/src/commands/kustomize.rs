//! `flux-rs kustomize build DIR`: the kustomize engine on its own, printing what
//! `kustomize build` prints.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::error::{CliError, Result};

/// `flux-rs kustomize` subcommands.
#[derive(Debug, Subcommand)]
pub enum KustomizeCommand {
    /// Build a kustomization directory and print the objects as a YAML stream.
    Build(KustomizeBuildArgs),
}

/// File load restrictions, with kustomize's flag values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LoadRestrictor {
    /// Files must be under the kustomization's directory.
    #[value(name = "LoadRestrictionsRootOnly")]
    RootOnly,
    /// Any readable file.
    #[value(name = "LoadRestrictionsNone")]
    None,
}

/// Output order.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Reorder {
    /// kustomize's legacy kind order.
    Legacy,
    /// Input order.
    None,
}

/// Flags of `flux-rs kustomize build`.
#[derive(Debug, Args)]
pub struct KustomizeBuildArgs {
    /// The kustomization directory.
    pub dir: PathBuf,
    /// File load restrictions.
    #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: LoadRestrictor,
    /// Output order.
    #[arg(long, value_enum, default_value = "legacy")]
    pub reorder: Reorder,
}

impl KustomizeCommand {
    /// Runs the subcommand.
    pub fn run(self) -> Result<()> {
        let KustomizeCommand::Build(args) = self;
        let opts = flux_kustomize::BuildOptions {
            load_restrictor: match args.load_restrictor {
                LoadRestrictor::RootOnly => flux_kustomize::LoadRestrictor::RootOnly,
                LoadRestrictor::None => flux_kustomize::LoadRestrictor::None,
            },
            reorder: match args.reorder {
                Reorder::Legacy => flux_kustomize::Reorder::Legacy,
                Reorder::None => flux_kustomize::Reorder::None,
            },
        };
        // The engine wants a real directory path (`.` has no file name to resolve against).
        let dir = args
            .dir
            .canonicalize()
            .map_err(|e| CliError::Other(anyhow::anyhow!("{}: {e}", args.dir.display())))?;
        let objects = flux_kustomize::build(&dir, &opts)
            .map_err(|e| CliError::Other(anyhow::anyhow!("{}: {e}", args.dir.display())))?;
        print!("{}", flux_kustomize::to_yaml_stream(&objects));
        Ok(())
    }
}
