//! `flux-rs logs`: the controllers' JSON logs, read through the pods API and filtered by level,
//! kind and name.

use clap::Args;
use futures::{AsyncBufReadExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{ListParams, LogParams};
use serde_json::Value;

use crate::context::GlobalArgs;
use crate::error::{CliError, Result};
use crate::manifests;

/// Flags of `flux-rs logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only lines of this level: debug, info or error.
    #[arg(long)]
    pub level: Option<String>,
    /// Only lines about objects of this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only lines about objects with this name.
    #[arg(long)]
    pub name: Option<String>,
    /// Follow the logs.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Lines to show from the end of each log (-1: all).
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    pub tail: i64,
    /// Only lines newer than this Go duration, e.g. 1h.
    #[arg(long)]
    pub since: Option<String>,
    /// The namespace the controllers run in.
    #[arg(long, default_value = "flux-system")]
    pub flux_namespace: String,
    /// Lines about objects of every namespace (default: only `-n`).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

/// Filters and formats one JSON log line as Flux does:
/// `<ts> <level> <Kind>/<name>.<namespace> - <msg>`. Non-JSON lines pass through unfiltered.
pub fn format_line(line: &str, args: &LogsArgs, namespace: &str) -> Option<String> {
    let Ok(v) = serde_json::from_str::<Value>(line) else {
        return Some(line.to_string());
    };
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    let level = s("level");
    let kind = v["controllerKind"]
        .as_str()
        .or(v["kind"].as_str())
        .unwrap_or("")
        .to_string();
    let name = s("name");
    let ns = s("namespace");
    if args
        .level
        .as_deref()
        .is_some_and(|l| !l.eq_ignore_ascii_case(&level))
    {
        return None;
    }
    if args
        .kind
        .as_deref()
        .is_some_and(|k| !k.eq_ignore_ascii_case(&kind))
    {
        return None;
    }
    if args.name.as_deref().is_some_and(|n| n != name) {
        return None;
    }
    if !args.all_namespaces && !ns.is_empty() && ns != namespace {
        return None;
    }
    let ts = v["ts"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v["ts"].to_string());
    let subject = if kind.is_empty() {
        String::new()
    } else {
        format!("{kind}/{name}.{ns} - ")
    };
    Some(format!("{ts} {level} {subject}{}", s("msg")))
}

impl LogsArgs {
    /// Runs `flux-rs logs`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let client = g.client().await?;
        let pods: Api<Pod> = Api::namespaced(client, &self.flux_namespace);
        let list = pods
            .list(&ListParams::default())
            .await
            .map_err(CliError::kube(format!(
                "listing pods in {}",
                self.flux_namespace
            )))?;
        let known: Vec<&str> = manifests::DEFAULT_COMPONENTS
            .iter()
            .chain(manifests::EXTRA_COMPONENTS)
            .copied()
            .collect();
        let since = self
            .since
            .as_deref()
            .map(|s| {
                flux_api::meta::parse_duration(s)
                    .map_err(|e| crate::error::usage(format!("invalid --since: {e}")))
            })
            .transpose()?;
        for pod in list.items {
            let app = pod
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("app"))
                .cloned()
                .unwrap_or_default();
            if !known.contains(&app.as_str()) {
                continue;
            }
            let name = pod.metadata.name.clone().unwrap_or_default();
            let params = LogParams {
                container: Some("manager".into()),
                follow: self.follow,
                tail_lines: (self.tail >= 0).then_some(self.tail),
                since_seconds: since.map(|d| d.as_secs().max(1) as i64),
                ..LogParams::default()
            };
            let stream = pods
                .log_stream(&name, &params)
                .await
                .map_err(CliError::kube(format!("reading logs of pod {name}")))?;
            let mut lines = stream.lines();
            while let Some(line) = lines
                .try_next()
                .await
                .map_err(|e| CliError::Other(anyhow::anyhow!("reading logs of pod {name}: {e}")))?
            {
                if let Some(out) = format_line(&line, &self, &g.namespace) {
                    println!("{out}");
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> LogsArgs {
        LogsArgs {
            level: None,
            kind: None,
            name: None,
            follow: false,
            tail: -1,
            since: None,
            flux_namespace: "flux-system".into(),
            all_namespaces: false,
        }
    }

    #[test]
    fn formats_and_filters_json_lines() {
        let line = r#"{"level":"info","ts":"2026-01-01T00:00:00Z","msg":"stored artifact","controllerKind":"GitRepository","name":"podinfo","namespace":"flux-system"}"#;
        assert_eq!(
            format_line(line, &args(), "flux-system").unwrap(),
            "2026-01-01T00:00:00Z info GitRepository/podinfo.flux-system - stored artifact"
        );
        let mut a = args();
        a.level = Some("error".into());
        assert_eq!(format_line(line, &a, "flux-system"), None);
        assert_eq!(format_line(line, &args(), "apps"), None);
    }
}
