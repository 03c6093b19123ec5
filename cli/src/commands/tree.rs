//! `flux-rs tree kustomization NAME`: the objects a Kustomization manages, from
//! `status.inventory`, with nested Kustomizations expanded.

use clap::{Args, Subcommand};
use serde_json::Value;

use super::diff::compare::parse_inventory_id;
use super::target;
use crate::apply::subject;
use crate::context::GlobalArgs;
use crate::error::{Result, usage};
use crate::kinds;

/// `flux-rs tree` subcommands.
#[derive(Debug, Subcommand)]
pub enum TreeCommand {
    /// Print a Kustomization's inventory as a tree.
    #[command(visible_alias = "ks")]
    Kustomization(TreeArgs),
}

/// Flags of `tree kustomization`.
#[derive(Debug, Args)]
pub struct TreeArgs {
    /// The Kustomization's name.
    pub name: String,
    /// Only show Kustomizations and HelmReleases.
    #[arg(long)]
    pub compact: bool,
}

/// A node of the tree.
#[derive(Debug, PartialEq, Eq)]
pub struct Node {
    /// `Kind/namespace/name`.
    pub label: String,
    /// Children.
    pub children: Vec<Node>,
}

/// Renders a tree with Flux's box-drawing characters.
pub fn render(root: &Node) -> String {
    let mut out = format!("{}\n", root.label);
    render_children(&root.children, "", &mut out);
    out
}

fn render_children(children: &[Node], prefix: &str, out: &mut String) {
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&child.label);
        out.push('\n');
        let next = format!("{prefix}{}", if last { "    " } else { "│   " });
        render_children(&child.children, &next, out);
    }
}

/// Builds the tree of `ks`, reading nested Kustomizations from the cluster.
async fn build(client: &kube::Client, ks: &Value, compact: bool, depth: usize) -> Result<Node> {
    let mut node = Node {
        label: subject(ks),
        children: vec![],
    };
    if depth > 20 {
        return Ok(node);
    }
    let entries = ks["status"]["inventory"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for e in entries {
        let id = e["id"].as_str().unwrap_or("");
        let Some(obj) = parse_inventory_id(id, e["v"].as_str().unwrap_or("")) else {
            continue;
        };
        let is_ks = obj["kind"] == "Kustomization"
            && obj["apiVersion"]
                .as_str()
                .is_some_and(|a| a.starts_with(kinds::KUSTOMIZATION.group));
        let is_hr = obj["kind"] == "HelmRelease";
        if is_ks {
            let ns = target::namespace_of(&obj).to_string();
            let name = target::name_of(&obj).to_string();
            match target::get(client, &kinds::KUSTOMIZATION, &ns, &name).await {
                Ok(child) => node
                    .children
                    .push(Box::pin(build(client, &child, compact, depth + 1)).await?),
                Err(_) => node.children.push(Node {
                    label: subject(&obj),
                    children: vec![],
                }),
            }
        } else if !compact || is_hr {
            node.children.push(Node {
                label: subject(&obj),
                children: vec![],
            });
        }
    }
    Ok(node)
}

impl TreeCommand {
    /// Runs the subcommand.
    pub async fn run(self, g: &GlobalArgs) -> Result<()> {
        let TreeCommand::Kustomization(args) = self;
        let client = g.client().await?;
        let ks = target::get(&client, &kinds::KUSTOMIZATION, &g.namespace, &args.name).await?;
        if ks["status"]["inventory"].is_null() {
            return Err(usage(format!(
                "Kustomization '{}/{}' has no inventory yet (not reconciled, or prune disabled)",
                g.namespace, args.name
            )));
        }
        let tree = build(&client, &ks, args.compact, 0).await?;
        print!("{}", render(&tree));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_nested_tree() {
        let leaf = |l: &str| Node {
            label: l.into(),
            children: vec![],
        };
        let root = Node {
            label: "Kustomization/flux-system/flux-system".into(),
            children: vec![
                leaf("Namespace/apps"),
                Node {
                    label: "Kustomization/flux-system/podinfo".into(),
                    children: vec![
                        leaf("Service/apps/podinfo"),
                        leaf("Deployment/apps/podinfo"),
                    ],
                },
                leaf("ConfigMap/apps/settings"),
            ],
        };
        assert_eq!(
            render(&root),
            "Kustomization/flux-system/flux-system\n\
             ├── Namespace/apps\n\
             ├── Kustomization/flux-system/podinfo\n\
             │   ├── Service/apps/podinfo\n\
             │   └── Deployment/apps/podinfo\n\
             └── ConfigMap/apps/settings\n"
        );
    }
}
