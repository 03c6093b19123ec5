//! `flux-rs export <noun> [NAME|--all]`: print objects as clean YAML that can be applied back.

use clap::Args;
use serde_json::{Map, Value};

use super::target::{self, Target};
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::yaml;

/// Flags of `flux-rs export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    #[command(subcommand)]
    pub target: Target,
    /// Export every object of the kind(s) in the namespace.
    #[arg(long, global = true)]
    pub all: bool,
}

/// Keeps what Flux's export keeps: apiVersion, kind, name, namespace, labels, annotations
/// and spec (no status, managed fields, UIDs or resource versions).
pub fn clean(obj: &Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), obj["apiVersion"].clone());
    out.insert("kind".into(), obj["kind"].clone());
    let mut meta = Map::new();
    for key in ["name", "namespace", "labels", "annotations"] {
        let v = &obj["metadata"][key];
        let empty = v.as_object().is_some_and(Map::is_empty);
        if !v.is_null() && !empty {
            meta.insert(key.into(), v.clone());
        }
    }
    out.insert("metadata".into(), Value::Object(meta));
    if !obj["spec"].is_null() {
        out.insert("spec".into(), obj["spec"].clone());
    }
    Value::Object(out)
}

/// Runs `flux-rs export`.
pub async fn run(args: ExportArgs, g: &GlobalArgs) -> Result<()> {
    let (kinds, name) = args.target.resolve();
    if name.is_none() && !args.all {
        return Err(usage("name is required (or --all)"));
    }
    let client = g.client().await?;
    let mut docs = Vec::new();
    for kind in &kinds {
        let objs = match name {
            Some(n) if kinds.len() == 1 => vec![target::get(&client, kind, &g.namespace, n).await?],
            _ => target::list(&client, kind, Some(&g.namespace), name, None).await?,
        };
        docs.extend(objs.iter().map(clean));
    }
    print!("{}", yaml::export_stream(&docs));
    Ok(())
}
