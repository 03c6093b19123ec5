//! `flux-rs events`: Kubernetes Events of Flux objects (or of `--for Kind/name`).

use clap::Args;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::ListParams;
use kube::runtime::{WatchStreamExt, watcher};

use crate::context::GlobalArgs;
use crate::error::{CliError, Result, usage};
use crate::kinds::FluxKind;
use crate::output;

/// Flags of `flux-rs events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only events of this object, as `<kind>/<name>`.
    #[arg(long = "for")]
    pub for_object: Option<String>,
    /// Events of every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Keep watching for new events.
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Event types to show, e.g. `Warning`.
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
}

/// One table row of an event.
pub fn row(e: &Event, with_namespace: bool) -> Vec<String> {
    let last = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.to_string()))
        .unwrap_or_default();
    let obj = &e.involved_object;
    let mut r = Vec::new();
    if with_namespace {
        r.push(obj.namespace.clone().unwrap_or_default());
    }
    r.extend([
        last,
        e.type_.clone().unwrap_or_default(),
        e.reason.clone().unwrap_or_default(),
        format!(
            "{}/{}",
            obj.kind.clone().unwrap_or_default(),
            obj.name.clone().unwrap_or_default()
        ),
        e.message.clone().unwrap_or_default().trim().to_string(),
    ]);
    r
}

impl EventsArgs {
    fn wanted(&self, e: &Event) -> Result<bool> {
        let kind = e.involved_object.kind.as_deref().unwrap_or("");
        let name = e.involved_object.name.as_deref().unwrap_or("");
        if !self.types.is_empty()
            && !self
                .types
                .iter()
                .any(|t| Some(t.as_str()) == e.type_.as_deref())
        {
            return Ok(false);
        }
        match &self.for_object {
            Some(f) => {
                let (k, n) = f
                    .split_once('/')
                    .ok_or_else(|| usage(format!("invalid --for '{f}': expected <kind>/<name>")))?;
                let k = FluxKind::lookup(k)
                    .map(|fk| fk.kind.to_string())
                    .unwrap_or(k.to_string());
                Ok(kind.eq_ignore_ascii_case(&k) && name == n)
            }
            None => Ok(FluxKind::lookup(kind).is_some_and(|k| k.kind == kind)),
        }
    }

    /// Runs `flux-rs events`.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let client = g.client().await?;
        let api: Api<Event> = if self.all_namespaces {
            Api::all(client)
        } else {
            Api::namespaced(client, &g.namespace)
        };
        let mut header = vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
        if self.all_namespaces {
            header.insert(0, "NAMESPACE");
        }
        let mut events = api
            .list(&ListParams::default())
            .await
            .map_err(CliError::kube("listing events"))?
            .items;
        events.sort_by_key(|e| e.last_timestamp.clone().map(|t| t.0));
        let mut rows = Vec::new();
        for e in &events {
            if self.wanted(e)? {
                rows.push(row(e, self.all_namespaces));
            }
        }
        if rows.is_empty() && !self.watch {
            output::failure("no events found");
            return Ok(());
        }
        print!("{}", output::table(&header, &rows, false));
        if self.watch {
            let timeout = g.timeout()?;
            let stream = watcher(api, watcher::Config::default()).applied_objects();
            let fut = async {
                let mut stream = std::pin::pin!(stream);
                while let Some(e) = stream
                    .try_next()
                    .await
                    .map_err(|e| CliError::Other(anyhow::anyhow!("watching events: {e}")))?
                {
                    if self.wanted(&e)? {
                        println!("{}\t", row(&e, self.all_namespaces).join("\t"));
                    }
                }
                Ok::<(), CliError>(())
            };
            if let Ok(r) = tokio::time::timeout(timeout, fut).await {
                r?;
            }
        }
        Ok(())
    }
}
