//! Dependency processing: missing-dependency check, alias/condition/tags
//! enablement and `import-values`, as Helm's install action does it.

use super::{Chart, ImportValue};
use crate::error::HelmError;
use crate::funcs::semver::{Version, satisfies};
use crate::template::value::{Map, Value};
use crate::values::{
    clean_nils, coalesce, coalesce_consuming, coalesce_tables, copy_map, path_table, path_value,
};

/// `action.CheckDependencies`: every Chart.yaml dependency must exist under charts/.
pub fn check_dependencies(c: &Chart) -> Result<(), HelmError> {
    let Some(reqs) = &c.metadata.dependencies else {
        return Ok(());
    };
    let missing: Vec<&str> = reqs
        .iter()
        .filter(|r| !c.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(HelmError::Dependencies(format!(
        "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        missing.join(", ")
    )))
}

/// Helm's `IsCompatibleRange`.
pub fn is_compatible_range(constraint: Option<&str>, version: Option<&str>) -> bool {
    let (Some(c), Some(v)) = (constraint, version) else {
        return false;
    };
    if c.trim().is_empty() {
        return false;
    }
    match Version::parse(v) {
        Ok(v) => satisfies(c, &v).unwrap_or(false),
        Err(_) => false,
    }
}

/// `processDependencyEnabled`: apply aliases, drop disabled dependencies.
pub fn process_enabled(c: &mut Chart, vals: &Map, path: &str) -> Result<(), HelmError> {
    let Some(mut reqs) = c.metadata.dependencies.take() else {
        return Ok(());
    };
    let mut deps: Vec<Chart> = Vec::new();
    for existing in &c.dependencies {
        let listed = reqs.iter().any(|r| {
            r.name == existing.name()
                && is_compatible_range(r.version.as_deref(), existing.metadata.version.as_deref())
        });
        if !listed {
            deps.push(existing.clone());
        }
    }
    for r in reqs.iter_mut() {
        if let Some(found) = c.dependencies.iter().find(|d| {
            d.name() == r.name
                && is_compatible_range(r.version.as_deref(), d.metadata.version.as_deref())
        }) {
            let mut sc = found.clone();
            if let Some(a) = r.alias.as_ref().filter(|a| !a.is_empty()) {
                sc.metadata.name = Some(a.clone());
                sc.full_path = match sc.full_path.rsplit_once("/charts/") {
                    Some((p, _)) => format!("{p}/charts/{a}"),
                    None => a.clone(),
                };
                rename_paths(&mut sc);
            }
            deps.push(sc);
        }
        if let Some(a) = r.alias.as_ref().filter(|a| !a.is_empty()) {
            r.name = a.clone();
        }
        r.enabled = true;
    }
    c.dependencies = deps;
    c.metadata.dependencies = Some(reqs.clone());
    let cvals = coalesce(c, copy_map(vals), false)?;
    // tags
    if let Some(tags) = path_table(&cvals, "tags") {
        for r in reqs.iter_mut() {
            let (mut has_true, mut has_false) = (false, false);
            for t in r.tags.as_deref().unwrap_or_default() {
                match tags.get(t) {
                    Some(Value::Bool(true)) => has_true = true,
                    Some(Value::Bool(false)) => has_false = true,
                    _ => {}
                }
            }
            r.enabled = has_true || !has_false;
        }
    }
    // conditions
    for r in reqs.iter_mut() {
        for cond in r.condition.as_deref().unwrap_or("").trim().split(',') {
            let cond = cond.trim();
            if cond.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(&cvals, &format!("{path}{cond}")) {
                r.enabled = b;
                break;
            }
        }
    }
    let disabled: Vec<String> = reqs
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.dependencies
        .retain(|d| !disabled.iter().any(|n| n == d.name()));
    reqs.retain(|r| !disabled.contains(&r.name));
    for t in c.dependencies.iter_mut() {
        let sub = format!("{path}{}.", t.name());
        process_enabled(t, &cvals, &sub)?;
    }
    c.metadata.dependencies = Some(reqs);
    Ok(())
}

fn rename_paths(c: &mut Chart) {
    let base = c.full_path.clone();
    for d in c.dependencies.iter_mut() {
        d.full_path = format!("{base}/charts/{}", d.name());
        rename_paths(d);
    }
}

fn path_to_map(path: &str, data: Map) -> Map {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for p in path.split('.').rev() {
        let mut m = Map::new();
        m.insert(p.to_string(), Value::from(cur));
        cur = m;
    }
    cur
}

/// `processDependencyImportValues` (Helm 4 coalesces, trimming nils; children first).
pub fn process_import_values(c: &mut Chart) -> Result<(), HelmError> {
    for d in c.dependencies.iter_mut() {
        process_import_values(d)?;
    }
    let Some(reqs) = c.metadata.dependencies.clone() else {
        return Ok(());
    };
    // `c.values` is replaced below: its defaults are moved, not copied.
    let cvals = coalesce_consuming(c, Map::new(), false)?;
    let mut b = Map::new();
    for r in &reqs {
        for iv in r.import_values.as_deref().unwrap_or_default() {
            match iv {
                ImportValue::Map { child, parent } => {
                    if let Some(vv) = path_table(&cvals, &format!("{}.{child}", r.name)) {
                        b = coalesce_tables(b, path_to_map(parent, vv), false);
                    }
                }
                ImportValue::Name(n) => {
                    if let Some(vm) = path_table(&cvals, &format!("{}.exports.{n}", r.name)) {
                        b = coalesce_tables(b, vm, false);
                    }
                }
            }
        }
    }
    c.values = coalesce_tables(clean_nils(cvals), b, false);
    Ok(())
}
