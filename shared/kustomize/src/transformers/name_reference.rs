//! Name references: after prefixes, suffixes and hash suffixes changed names,
//! every field that refers to a renamed object (per the `nameReference`
//! configuration) gets the new name.

use crate::config::NameBackRef;
use crate::error::{Result, build_err};
use crate::fieldspec::{self, FieldSpec};
use crate::resource::{Gvk, ResId, Resource};
use serde_json::Value;
use std::collections::HashSet;

/// What a referrer field may be pointed at.
struct Target {
    name: String,
    namespace: String,
    kind: String,
}

struct Snapshot {
    ids: Vec<ResId>,
    cur: ResId,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

/// Rewrites references in every resource.
pub fn fix(resources: &mut [Resource], refs: &[NameBackRef]) -> Result<()> {
    let snaps: Vec<Snapshot> = resources
        .iter()
        .map(|r| Snapshot {
            ids: r.all_ids(),
            cur: r.cur_id(),
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        })
        .collect();
    #[allow(clippy::needless_range_loop)] // resources[i] is borrowed mutably below
    for i in 0..resources.len() {
        let referrer_id = resources[i].cur_id();
        let referrer_gvk = referrer_id.gvk.clone();
        let ctx = Referrer {
            id: referrer_id,
            prefixes: resources[i].prefixes.clone(),
            suffixes: resources[i].suffixes.clone(),
            binding_namespaces: binding_namespaces(&resources[i].obj),
            role_ref_kind: resources[i]
                .obj
                .get("roleRef")
                .and_then(|r| r.get("kind"))
                .and_then(Value::as_str)
                .map(str::to_string),
        };
        for b in refs {
            let candidates: Vec<usize> = (0..snaps.len())
                .filter(|&j| snaps[j].ids.iter().any(|id| id.gvk.is_selected_by(&b.gvk)))
                .filter(|&j| ctx.could_reference(&snaps[j].cur))
                .collect();
            if candidates.is_empty() {
                continue;
            }
            for fs in &b.referrers {
                if !fs.applies_to(&referrer_gvk) {
                    continue;
                }
                let fs = FieldSpec {
                    create: false,
                    ..fs.clone()
                };
                let obj = &mut resources[i].obj;
                fieldspec::apply(obj, &fs, &referrer_gvk, &mut |v| {
                    update_value(v, &ctx, &fs, &b.gvk, &candidates, &snaps)
                })?;
            }
        }
    }
    Ok(())
}

struct Referrer {
    id: ResId,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    binding_namespaces: HashSet<String>,
    role_ref_kind: Option<String>,
}

impl Referrer {
    fn could_reference(&self, target: &ResId) -> bool {
        self.id.gvk.is_cluster_scoped()
            || target.gvk.is_cluster_scoped()
            || self.id.effective_namespace() == target.effective_namespace()
            || self.binding_namespaces.contains(&target.namespace)
    }
}

fn binding_namespaces(obj: &Value) -> HashSet<String> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind != "RoleBinding" && kind != "ClusterRoleBinding" {
        return HashSet::new();
    }
    obj.get("subjects")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("namespace").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn same_ending(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return a.is_empty() && b.is_empty();
    }
    let n = a.len().min(b.len());
    a[a.len() - n..] == b[b.len() - n..]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar,
    MapWithNamespace,
    MapWithoutNamespace,
}

#[allow(clippy::too_many_arguments)]
fn select(
    old: &str,
    ns_filter: Option<&str>,
    shape: Shape,
    ctx: &Referrer,
    fs: &FieldSpec,
    candidates: &[usize],
    snaps: &[Snapshot],
) -> Result<Option<Target>> {
    let mut c: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&j| snaps[j].ids.iter().any(|id| id.name == old))
        .collect();
    if fs.path == "roleRef/name"
        && let Some(k) = &ctx.role_ref_kind
    {
        c.retain(|&j| &snaps[j].cur.gvk.kind == k);
    }
    if let Some(ns) = ns_filter {
        c.retain(|&j| {
            snaps[j].ids.iter().any(|id| {
                id.namespace == ns
                    || (ns == "default" && id.namespace.is_empty())
                    || (ns.is_empty() && id.namespace == "default")
            })
        });
    }
    if c.len() > 1 && !ctx.id.gvk.is_cluster_scoped() {
        let same_ns: Vec<usize> = c
            .iter()
            .copied()
            .filter(|&j| {
                let cur = &snaps[j].cur;
                cur.gvk.is_cluster_scoped()
                    || cur.gvk.kind == "ServiceAccount"
                    || cur.effective_namespace() == ctx.id.effective_namespace()
            })
            .collect();
        c = same_ns;
    }
    if c.len() > 1 {
        let strict: Vec<usize> = c
            .iter()
            .copied()
            .filter(|&j| {
                same_ending(&snaps[j].prefixes, &ctx.prefixes)
                    && same_ending(&snaps[j].suffixes, &ctx.suffixes)
            })
            .collect();
        if !strict.is_empty() {
            c = strict;
        }
    }
    match c.len() {
        0 => Ok(None),
        1 => Ok(Some(target_of(&snaps[c[0]].cur))),
        _ if c.iter().all(|&j| snaps[j].cur.name == snaps[c[0]].cur.name)
            && shape != Shape::MapWithoutNamespace =>
        {
            // kustomize takes one of several same-named candidates; for
            // namespaced map references it ends up with the last one.
            let pick = if shape == Shape::Scalar {
                c[0]
            } else {
                c[c.len() - 1]
            };
            Ok(Some(target_of(&snaps[pick].cur)))
        }
        _ => {
            let ids: Vec<String> = c.iter().map(|&j| snaps[j].cur.to_string()).collect();
            Err(build_err!(
                "{}: found multiple possible referrals for '{old}': {}",
                ctx.id,
                ids.join(", ")
            ))
        }
    }
}

fn target_of(id: &ResId) -> Target {
    Target {
        name: id.name.clone(),
        namespace: id.namespace.clone(),
        kind: id.gvk.kind.clone(),
    }
}

fn update_value(
    v: &mut Value,
    ctx: &Referrer,
    fs: &FieldSpec,
    target_gvk: &Gvk,
    candidates: &[usize],
    snaps: &[Snapshot],
) -> Result<()> {
    match v {
        Value::String(s) => {
            if let Some(t) = select(s, None, Shape::Scalar, ctx, fs, candidates, snaps)? {
                *s = t.name;
            }
        }
        Value::Array(items) => {
            for item in items {
                update_value(item, ctx, fs, target_gvk, candidates, snaps)?;
            }
        }
        Value::Object(m) => {
            if let Some(kind) = m.get("kind").and_then(Value::as_str)
                && kind != target_gvk.kind
            {
                return Ok(());
            }
            let Some(old) = m.get("name").and_then(Value::as_str).map(str::to_string) else {
                return Ok(());
            };
            let ns = match m.get("namespace") {
                None => None,
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(_) => {
                    return Err(build_err!(
                        "Invalid Input: namespace is blank for resource {}",
                        ctx.id
                    ));
                }
            };
            if let Some(t) = select(
                &old,
                ns.as_deref(),
                if ns.is_some() {
                    Shape::MapWithNamespace
                } else {
                    Shape::MapWithoutNamespace
                },
                ctx,
                fs,
                candidates,
                snaps,
            )? {
                let _ = &t.kind;
                m.insert("name".into(), Value::String(t.name));
                if !t.namespace.is_empty() {
                    m.insert("namespace".into(), Value::String(t.namespace));
                }
            }
        }
        _ => {}
    }
    Ok(())
}
