//! `flux-rs helm template RELEASE CHART`: render a local chart with flux-helm, the engine
//! helm-controller uses, printing what `helm template` prints.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};

/// `flux-rs helm` subcommands.
#[derive(Debug, Subcommand)]
pub enum HelmCommand {
    /// Render a chart's templates locally.
    Template(TemplateArgs),
}

/// Flags of `flux-rs helm template`.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Release name.
    pub release: String,
    /// Chart directory or packaged chart (.tgz).
    pub chart: PathBuf,
    /// Values files, merged in order (repeatable).
    #[arg(short = 'f', long = "values")]
    pub values: Vec<PathBuf>,
    /// Values on the command line, `a.b=c,d=e`, `list[0].x=y` (repeatable; Helm's strvals).
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// Like --set, but values are always strings.
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// Like --set, but values are JSON, `a={"x":[1]}` (repeatable).
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// Like --set, but each value is a file whose content becomes the value, `key=path` (repeatable).
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// One `key=value` whose value is taken verbatim: no `,` splitting, no escapes (repeatable).
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
    /// Kubernetes version for .Capabilities.KubeVersion.
    #[arg(long)]
    pub kube_version: Option<String>,
    /// Extra API versions for .Capabilities.APIVersions (repeatable).
    #[arg(short = 'a', long = "api-versions")]
    pub api_versions: Vec<String>,
    /// Include the chart's CRDs in the output.
    #[arg(long)]
    pub include_crds: bool,
    /// Skip test hooks.
    #[arg(long)]
    pub skip_tests: bool,
}

/// Normalises `1.33`, `1.33.2` or `v1.33.2` to `v1.33.2` form.
fn kube_version(v: &str) -> Result<String> {
    let bare = v.trim_start_matches('v');
    let parts: Vec<&str> = bare.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    match (parts.len(), numeric) {
        (2, true) => Ok(format!("v{bare}.0")),
        (3, true) => Ok(format!("v{bare}")),
        _ => Err(usage(format!(
            "invalid --kube-version '{v}': expected a version such as 1.33.0"
        ))),
    }
}

impl HelmCommand {
    /// Runs the subcommand.
    pub fn run(self, g: &GlobalArgs) -> Result<()> {
        let HelmCommand::Template(args) = self;
        // Helm applies --set-json, --set, --set-string, --set-file, then --set-literal.
        let tagged = |v: &[String], f: fn(String) -> flux_helm::SetArg| {
            v.iter().cloned().map(f).collect::<Vec<_>>()
        };
        let set_values = flux_helm::strvals::in_helm_order(
            [
                tagged(&args.set_literal, flux_helm::SetArg::SetLiteral),
                tagged(&args.set_file, flux_helm::SetArg::SetFile),
                tagged(&args.set_string, flux_helm::SetArg::SetString),
                tagged(&args.set, flux_helm::SetArg::Set),
                tagged(&args.set_json, flux_helm::SetArg::SetJson),
            ]
            .concat(),
        );
        let mut opts = flux_helm::RenderOptions {
            release_name: args.release.clone(),
            // Helm's default namespace, not Flux's, unless -n is given.
            namespace: if g.namespace_explicit {
                g.namespace.clone()
            } else {
                "default".into()
            },
            values_files: args.values.clone(),
            set_values,
            include_crds: args.include_crds,
            skip_tests: args.skip_tests,
            api_versions: args.api_versions.clone(),
            ..flux_helm::RenderOptions::default()
        };
        if let Some(v) = &args.kube_version {
            opts.kube_version = kube_version(v)?;
        }
        let (rendered, retained) = flux_helm::render_retained(&args.chart, &opts)
            .map_err(|e| CliError::Other(anyhow::anyhow!("{}: {e}", args.chart.display())))?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        rendered
            .write_helm_template_output(&mut out)
            .and_then(|()| std::io::Write::flush(&mut out))
            .map_err(|e| CliError::Other(anyhow::anyhow!("cannot write the manifests: {e}")))?;
        // The process ends right after this command: freeing the parse trees
        // and values (milliseconds on a large chart) is left to the OS.
        std::mem::forget(retained);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_versions_are_normalised() {
        assert_eq!(kube_version("1.33").unwrap(), "v1.33.0");
        assert_eq!(kube_version("v1.30.2").unwrap(), "v1.30.2");
        assert!(kube_version("latest").is_err());
    }
}
