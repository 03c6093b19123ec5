//! `flux-rs get <noun> [name]`: Flux's status tables, with `-A` and `--watch`.

use clap::Args;
use futures::TryStreamExt;
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::Value;

use super::target::{self, Target};
use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::kinds::{Columns, FluxKind};
use crate::output;

/// Flags of `flux-rs get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to get.
    #[command(subcommand)]
    pub target: Target,
    /// List the requested objects across all namespaces.
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// After listing, watch for changes.
    #[arg(short = 'w', long, global = true)]
    pub watch: bool,
    /// Skip the header when printing the results.
    #[arg(long, global = true)]
    pub no_header: bool,
    /// Filter by label, e.g. `-l app=podinfo`.
    #[arg(short = 'l', long, global = true)]
    pub label_selector: Option<String>,
    /// Filter by status, e.g. `--status-selector ready=false`.
    #[arg(long, global = true)]
    pub status_selector: Option<String>,
}

/// The column headers of `kind` (without NAMESPACE).
pub fn header(kind: &FluxKind) -> Vec<&'static str> {
    let middle: &[&str] = match kind.columns {
        Columns::RevisionSuspended => &["REVISION", "SUSPENDED"],
        Columns::Suspended => &["SUSPENDED"],
        Columns::None => &[],
        Columns::LastScan => &["LAST SCAN", "SUSPENDED"],
        Columns::LatestImage => &["IMAGE", "TAG"],
        Columns::LastRun => &["LAST RUN", "SUSPENDED"],
    };
    let mut h = vec!["NAME"];
    h.extend_from_slice(middle);
    h.extend(["READY", "MESSAGE"]);
    h
}

/// Shortens the digest of a revision (`main@sha1:0123456789…` → `main@sha1:01234567`).
pub fn short_revision(revision: &str) -> String {
    for algo in ["sha1:", "sha256:", "sha384:", "sha512:", "blake3:"] {
        if let Some(pos) = revision.find(algo) {
            let start = pos + algo.len();
            let end = (start + 8).min(revision.len());
            return revision[..end].to_string();
        }
    }
    revision.to_string()
}

fn revision(kind: &FluxKind, obj: &Value) -> String {
    let s = &obj["status"];
    let r = match kind.kind {
        "Kustomization" => s["lastAppliedRevision"].as_str(),
        "HelmRelease" => s["history"][0]["chartVersion"]
            .as_str()
            .or(s["lastAttemptedRevision"].as_str()),
        _ => s["artifact"]["revision"].as_str(),
    };
    short_revision(r.unwrap_or(""))
}

fn title_bool(v: &Value) -> String {
    if v.as_bool().unwrap_or(false) {
        "True".into()
    } else {
        "False".into()
    }
}

/// One table row for `obj` (without NAMESPACE); `prefix` names the kind in `get all`.
pub fn row(kind: &FluxKind, obj: &Value, prefix: bool) -> Vec<String> {
    let mut name = target::name_of(obj).to_string();
    if prefix {
        name = format!("{}/{name}", kind.kind.to_ascii_lowercase());
    }
    let suspended = title_bool(&obj["spec"]["suspend"]);
    let s = &obj["status"];
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut r = vec![name];
    match kind.columns {
        Columns::RevisionSuspended => r.extend([revision(kind, obj), suspended]),
        Columns::Suspended => r.push(suspended),
        Columns::None => {}
        Columns::LastScan => r.extend([text(&s["lastScanResult"]["scanTime"]), suspended]),
        Columns::LatestImage => {
            r.extend([text(&s["latestRef"]["name"]), text(&s["latestRef"]["tag"])])
        }
        Columns::LastRun => r.extend([text(&s["lastAutomationRunTime"]), suspended]),
    }
    let (ready, message) = if kind.reconcilable {
        target::ready_status(obj)
    } else {
        // Alert and Provider (v1beta3) have no status: they are static configuration.
        ("True".to_string(), format!("{} is Ready", kind.kind))
    };
    r.extend([ready, message]);
    r
}

fn status_filter(selector: Option<&str>) -> Result<Option<(String, String)>> {
    let Some(sel) = selector else { return Ok(None) };
    let (k, v) = sel.split_once('=').ok_or_else(|| {
        usage(format!(
            "invalid --status-selector '{sel}': expected type=status"
        ))
    })?;
    Ok(Some((k.to_ascii_lowercase(), v.to_ascii_lowercase())))
}

fn matches_status(obj: &Value, filter: &Option<(String, String)>) -> bool {
    let Some((t, want)) = filter else { return true };
    obj["status"]["conditions"]
        .as_array()
        .map(|cs| {
            cs.iter().any(|c| {
                c["type"].as_str().map(str::to_ascii_lowercase).as_deref() == Some(t.as_str())
                    && c["status"].as_str().map(str::to_ascii_lowercase).as_deref()
                        == Some(want.as_str())
            })
        })
        .unwrap_or(false)
}

/// Runs `flux-rs get`.
pub async fn run(args: GetArgs, g: &GlobalArgs) -> Result<()> {
    let client = g.client().await?;
    let (kinds, name) = args.target.resolve();
    let ns = if args.all_namespaces {
        None
    } else {
        Some(g.namespace.as_str())
    };
    let filter = status_filter(args.status_selector.as_deref())?;
    let multi = kinds.len() > 1;
    let mut printed_any = false;
    for kind in &kinds {
        let objs = target::list(&client, kind, ns, name, args.label_selector.as_deref()).await;
        let objs = match objs {
            // `get all` skips kinds whose CRD is not installed.
            Err(CliError::Kube {
                source: kube::Error::Api(s),
                ..
            }) if multi && s.code == 404 => {
                continue;
            }
            other => other?,
        };
        let objs: Vec<&Value> = objs.iter().filter(|o| matches_status(o, &filter)).collect();
        if objs.is_empty() {
            if !multi && !args.watch {
                let scope = match ns {
                    Some(ns) => format!("in {ns} namespace"),
                    None => "across all namespaces".to_string(),
                };
                output::failure(&format!("no {} objects found {scope}", kind.kind));
            }
            continue;
        }
        if printed_any {
            println!();
        }
        printed_any = true;
        let mut head = header(kind);
        if ns.is_none() {
            head.insert(0, "NAMESPACE");
        }
        let rows: Vec<Vec<String>> = objs
            .iter()
            .map(|o| {
                let mut r = row(kind, o, multi);
                if ns.is_none() {
                    r.insert(0, target::namespace_of(o).to_string());
                }
                r
            })
            .collect();
        print!("{}", output::table(&head, &rows, args.no_header));
    }
    if args.watch {
        let [kind] = kinds.as_slice() else {
            return Err(usage("--watch needs a single kind"));
        };
        return watch(&client, kind, ns, name, &filter, g).await;
    }
    Ok(())
}

async fn watch(
    client: &kube::Client,
    kind: &FluxKind,
    ns: Option<&str>,
    name: Option<&str>,
    filter: &Option<(String, String)>,
    g: &GlobalArgs,
) -> Result<()> {
    let mut config = watcher::Config::default();
    if let Some(n) = name {
        config = config.fields(&format!("metadata.name={n}"));
    }
    let stream = watcher(target::api(client, kind, ns), config).applied_objects();
    let timeout = g.timeout()?;
    let fut =
        async {
            let mut stream = std::pin::pin!(stream);
            while let Some(obj) = stream.try_next().await.map_err(|e| {
                CliError::Other(anyhow::anyhow!("watching {} objects: {e}", kind.kind))
            })? {
                let mut v = serde_json::to_value(obj).map_err(|e| CliError::Other(e.into()))?;
                v["kind"] = Value::String(kind.kind.to_string());
                if !matches_status(&v, filter) {
                    continue;
                }
                let mut r = row(kind, &v, false);
                if ns.is_none() {
                    r.insert(0, target::namespace_of(&v).to_string());
                }
                println!("{}\t", r.join("\t"));
            }
            Ok::<(), CliError>(())
        };
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        // A watch ends when --timeout elapses.
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds;

    #[test]
    fn revision_is_shortened_like_flux() {
        assert_eq!(
            short_revision("main@sha1:44157ecd84c0d78b17e4d7b43f2a7bb316372d6c"),
            "main@sha1:44157ecd"
        );
        assert_eq!(short_revision("6.7.0"), "6.7.0");
    }

    #[test]
    fn kustomization_row_shows_applied_revision_and_ready() {
        let obj = serde_json::json!({
            "metadata": {"name": "podinfo"},
            "spec": {"suspend": true},
            "status": {
                "lastAppliedRevision": "main@sha1:0123456789abcdef",
                "conditions": [{"type": "Ready", "status": "True", "message": "Applied revision: main@sha1:0123456789abcdef"}]
            }
        });
        assert_eq!(
            row(&kinds::KUSTOMIZATION, &obj, false),
            vec![
                "podinfo",
                "main@sha1:01234567",
                "True",
                "True",
                "Applied revision: main@sha1:0123456789abcdef"
            ]
        );
        assert_eq!(
            header(&kinds::KUSTOMIZATION),
            vec!["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"]
        );
    }
}
