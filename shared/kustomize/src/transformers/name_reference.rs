//! Name references: after prefixes, suffixes, namespaces and hash suffixes
//! changed names, every field that refers to a renamed object (per the
//! `nameReference` configuration) gets the new name. A port of kustomize's
//! `nameref` filter: candidates are resources whose *previous* ids carry the
//! old name, sieved by kind, roleRef, namespace and prefix/suffix history.

use crate::config::NameBackRef;
use crate::error::{Result, build_err};
use crate::fieldspec::{self, FieldSpec};
use crate::resource::{Gvk, ResId, Resource};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

struct Snapshot {
    prev: Vec<ResId>,
    org: ResId,
    cur: ResId,
    cluster_scoped: bool,
    effective_ns: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

struct Referrer {
    id: ResId,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    role_ref: Option<Gvk>,
}

/// Rewrites references in every resource.
pub fn fix(resources: &mut [Resource], refs: &[NameBackRef]) -> Result<()> {
    let snaps: Vec<Snapshot> = resources
        .iter()
        .map(|r| {
            let cur = r.cur_id();
            Snapshot {
                prev: r.prev_ids.clone(),
                org: r.org_id(),
                cluster_scoped: cur.gvk.is_cluster_scoped(),
                effective_ns: cur.effective_namespace().to_string(),
                cur,
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
            }
        })
        .collect();
    let mut by_prev_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, snap) in snaps.iter().enumerate() {
        for id in &snap.prev {
            let v = by_prev_name.entry(id.name.clone()).or_default();
            if v.last() != Some(&j) {
                v.push(j);
            }
        }
    }
    for (i, r) in resources.iter_mut().enumerate() {
        let referrer = Referrer {
            id: snaps[i].cur.clone(),
            prefixes: snaps[i].prefixes.clone(),
            suffixes: snaps[i].suffixes.clone(),
            role_ref: r.obj.get("roleRef").and_then(|rr| {
                let group = rr.get("apiGroup")?.as_str()?.to_string();
                let kind = rr.get("kind")?.as_str()?.to_string();
                Some(Gvk {
                    group,
                    version: String::new(),
                    kind,
                })
            }),
        };
        let mut base: Option<Vec<bool>> = None;
        for b in refs {
            for fs in &b.referrers {
                if !snaps[i].org.gvk.is_selected_by(&fs.gvk) {
                    continue;
                }
                if base.is_none() {
                    base = Some(could_be_referenced(&r.obj, &referrer.id, &snaps)?);
                }
                let allowed: &[bool] = base.as_deref().unwrap_or_default();
                let spec = FieldSpec {
                    gvk: Gvk::default(),
                    path: fs.path.clone(),
                    create: false,
                };
                let ctx = Ctx {
                    referrer: &referrer,
                    path: &fs.path,
                    target: &b.gvk,
                    allowed,
                    by_prev_name: &by_prev_name,
                    snaps: &snaps,
                };
                fieldspec::apply(&mut r.obj, &spec, &Gvk::default(), &mut |v| set(v, &ctx))
                    .map_err(|e| {
                        build_err!(
                            "updating name reference in '{}' field of '{}': {e}",
                            fs.path,
                            referrer.id
                        )
                    })?;
            }
        }
    }
    Ok(())
}

/// kustomize's `SubsetThatCouldBeReferencedByResource`, as a membership mask.
fn could_be_referenced(obj: &Value, referrer: &ResId, snaps: &[Snapshot]) -> Result<Vec<bool>> {
    if referrer.gvk.is_cluster_scoped() {
        return Ok(vec![true; snaps.len()]);
    }
    let mut binding_ns = HashSet::new();
    if referrer.gvk.kind == "RoleBinding" {
        for s in obj
            .get("subjects")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let (Some(ns), Some(kind)) = (s.get("namespace"), s.get("kind"))
                && kind.as_str() == Some("ServiceAccount")
            {
                match ns.as_str() {
                    Some(n) => {
                        binding_ns.insert(n.to_string());
                    }
                    None => {
                        return Err(build_err!(
                            "Invalid Input: namespace is blank for resource \"{referrer}\""
                        ));
                    }
                }
            }
        }
    }
    let own = referrer.effective_namespace();
    Ok(snaps
        .iter()
        .map(|s| s.cluster_scoped || s.effective_ns == own || binding_ns.contains(&s.cur.namespace))
        .collect())
}

struct Ctx<'a> {
    referrer: &'a Referrer,
    path: &'a str,
    target: &'a Gvk,
    /// Resources the referrer could refer to.
    allowed: &'a [bool],
    /// Resources by each of their previous names.
    by_prev_name: &'a HashMap<String, Vec<usize>>,
    snaps: &'a [Snapshot],
}

impl Ctx<'_> {
    /// Allowed resources that once had the name `old`, in resource order.
    fn named(&self, old: &str) -> Vec<usize> {
        self.by_prev_name
            .get(old)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&j| self.allowed.get(j) == Some(&true))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn set(v: &mut Value, ctx: &Ctx<'_>) -> Result<()> {
    match v {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) => set_mapping(item, ctx)?,
                    Value::Array(_) | Value::Null => {}
                    _ => set_scalar(item, ctx)?,
                }
            }
            Ok(())
        }
        Value::Object(_) => set_mapping(v, ctx),
        _ => set_scalar(v, ctx),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn set_scalar(v: &mut Value, ctx: &Ctx<'_>) -> Result<()> {
    let old = text(v);
    if let Some(j) = select(&old, ctx.named(&old), ctx, false)? {
        let cur = &ctx.snaps[j].cur;
        if cur.name != old {
            *v = Value::String(cur.name.clone());
        }
    }
    Ok(())
}

fn set_mapping(v: &mut Value, ctx: &Ctx<'_>) -> Result<()> {
    let Some(m) = v.as_object_mut() else {
        return Ok(());
    };
    let Some(old) = m.get("name").map(text) else {
        return Err(build_err!("path config error; no 'name' field in node"));
    };
    let named = ctx.named(&old);
    let candidates: Vec<usize> = match m.get("namespace") {
        None => named,
        Some(ns) => {
            let ns = text(ns);
            let by = |f: &dyn Fn(&Snapshot) -> &ResId| -> Vec<usize> {
                named
                    .iter()
                    .copied()
                    .filter(|&j| {
                        let id = f(&ctx.snaps[j]);
                        !id.gvk.is_cluster_scoped() && id.effective_namespace() == ns
                    })
                    .collect()
            };
            let original = by(&|s| &s.org);
            if original.is_empty() {
                by(&|s| &s.cur)
            } else {
                original
            }
        }
    };
    let Some(j) = select(&old, candidates, ctx, true)? else {
        return Ok(());
    };
    let cur = &ctx.snaps[j].cur;
    if cur.name == old && cur.namespace.is_empty() {
        return Ok(());
    }
    m.insert("name".into(), Value::String(cur.name.clone()));
    if !cur.namespace.is_empty() {
        m.insert("namespace".into(), Value::String(cur.namespace.clone()));
    }
    Ok(())
}

/// kustomize's `SameEndingSubSlice`.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() > b.len() { (b, a) } else { (a, b) };
    let diff = long.len() - short.len();
    if short.is_empty() {
        return diff == 0;
    }
    (0..short.len()).rev().all(|i| long[i + diff] == short[i])
}

fn prefix_suffix_equals(s: &Snapshot, r: &Referrer, allow_empty: bool) -> bool {
    if allow_empty {
        let p =
            s.prefixes.is_empty() || r.prefixes.is_empty() || same_ending(&s.prefixes, &r.prefixes);
        let x =
            s.suffixes.is_empty() || r.suffixes.is_empty() || same_ending(&s.suffixes, &r.suffixes);
        p && x
    } else {
        same_ending(&s.prefixes, &r.prefixes) && same_ending(&s.suffixes, &r.suffixes)
    }
}

fn select(old: &str, mut c: Vec<usize>, ctx: &Ctx<'_>, mapping: bool) -> Result<Option<usize>> {
    let snaps = ctx.snaps;
    c.retain(|&j| snaps[j].prev.iter().any(|id| id.name == old));
    c.retain(|&j| {
        snaps[j]
            .prev
            .iter()
            .any(|id| id.gvk.is_selected_by(ctx.target))
    });
    if ctx.path.ends_with("roleRef/name")
        && let Some(rr) = &ctx.referrer.role_ref
    {
        c.retain(|&j| snaps[j].prev.iter().any(|id| id.gvk.is_selected_by(rr)));
    }
    let referrer = &ctx.referrer.id;
    if !referrer.gvk.is_cluster_scoped() {
        c.retain(|&j| {
            let cur = &snaps[j].cur;
            cur.gvk.is_cluster_scoped()
                || cur.gvk.kind == "ServiceAccount"
                || cur.effective_namespace() == referrer.effective_namespace()
        });
    }
    if c.len() == 1 {
        return Ok(Some(c[0]));
    }
    c.retain(|&j| prefix_suffix_equals(&snaps[j], ctx.referrer, true));
    if c.len() > 1 {
        c.retain(|&j| prefix_suffix_equals(&snaps[j], ctx.referrer, false));
    }
    match c.len() {
        0 => Ok(None),
        1 => Ok(Some(c[0])),
        _ => {
            let first = &snaps[c[0]].cur;
            let identical = c.iter().all(|&j| {
                let cur = &snaps[j].cur;
                cur.name == first.name && (!mapping || cur.namespace == first.namespace)
            });
            if identical {
                return Ok(Some(c[0]));
            }
            let ids: Vec<String> = c.iter().map(|&j| snaps[j].cur.to_string()).collect();
            Err(build_err!(
                "found multiple possible referrals: {}",
                ids.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_ending_sub_slices() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(same_ending(&s(&["a", "b"]), &s(&["b"])));
        assert!(!same_ending(&s(&["a", "b"]), &s(&["a"])));
        assert!(same_ending(&s(&[]), &s(&[])));
        assert!(!same_ending(&s(&[]), &s(&["a"])));
    }
}
