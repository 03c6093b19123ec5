//! Values coalescing exactly as Helm's chartutil does it: user values over
//! chart defaults, subchart sections scoped by name, globals copied down,
//! and `null` deleting a key (when coalescing, not when merging).

use crate::chart::Chart;
use crate::error::HelmError;
use crate::template::gofmt::format_v;
use crate::template::value::{Map, Value};

fn table(v: &Value) -> Option<Map> {
    match v {
        Value::Map(_) => v.map_snapshot(),
        _ => None,
    }
}

/// An owned value's table: taken out of its `Rc` when nothing else holds it
/// (unobservable, and no copy), else a snapshot like [`table`].
fn into_table(v: Value) -> Option<Map> {
    match v {
        Value::Map(rc) => Some(match std::rc::Rc::try_unwrap(rc) {
            Ok(cell) => cell.into_inner(),
            Err(shared) => shared.try_borrow().map(|m| m.clone()).unwrap_or_default(),
        }),
        _ => None,
    }
}

/// Deep copy of a map.
pub fn copy_map(m: &Map) -> Map {
    m.iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()
}

/// [`copy_map`] for a map its owner gives up: maps and lists nothing else
/// holds are kept as they are (no copy; their contents checked in turn), the
/// ones shared (say with an aliased copy of the chart) are deep-copied.
fn into_independent_map(m: Map) -> Map {
    m.into_iter()
        .map(|(k, v)| (k, into_independent(v, 0)))
        .collect()
}

fn into_independent(v: Value, depth: usize) -> Value {
    if depth > crate::template::value::MAX_DEPTH {
        return Value::Nil;
    }
    match v {
        Value::Map(rc) => match std::rc::Rc::try_unwrap(rc) {
            Ok(cell) => Value::from(
                cell.into_inner()
                    .into_iter()
                    .map(|(k, v)| (k, into_independent(v, depth + 1)))
                    .collect::<Map>(),
            ),
            Err(shared) => Value::Map(shared).deep_copy(),
        },
        Value::List(rc) => match std::rc::Rc::try_unwrap(rc) {
            Ok(items) => Value::from(
                items
                    .into_iter()
                    .map(|v| into_independent(v, depth + 1))
                    .collect::<Vec<_>>(),
            ),
            Err(shared) => Value::List(shared).deep_copy(),
        },
        other => other,
    }
}

/// Helm's `coalesceTablesFullKey`: `dst` is authoritative.
pub fn coalesce_tables(mut dst: Map, mut src: Map, merge: bool) -> Map {
    let src_non_nil: Vec<String> = src
        .iter()
        .filter(|(_, v)| !v.is_nil())
        .map(|(k, _)| k.clone())
        .collect();
    for (k, v) in &dst {
        if v.is_nil() {
            src.insert(k.clone(), Value::Nil);
        }
    }
    for (k, sv) in src {
        match dst.get(&k) {
            Some(Value::Nil) if !merge && src_non_nil.contains(&k) => {
                dst.remove(&k);
            }
            None => {
                dst.insert(k, sv);
            }
            Some(dv) => {
                if matches!(sv, Value::Map(_))
                    && matches!(dv, Value::Map(_))
                    && let Some(dv) = dst.remove(&k)
                    && let (Some(sm), Some(dm)) = (into_table(sv), into_table(dv))
                {
                    dst.insert(k, Value::from(coalesce_tables(dm, sm, merge)));
                }
            }
        }
    }
    dst
}

/// Remove nil entries recursively (chart default nils of subcharts).
pub(crate) fn clean_nils(mut m: Map) -> Map {
    clean_nils_in(&mut m);
    m
}

/// [`clean_nils`] in place: nested tables nothing else holds are cleaned
/// where they are, shared ones are replaced by cleaned copies.
fn clean_nils_in(m: &mut Map) {
    m.retain(|_, v| !v.is_nil());
    for v in m.values_mut() {
        let Value::Map(rc) = v else { continue };
        match std::rc::Rc::get_mut(rc) {
            Some(cell) => clean_nils_in(cell.get_mut()),
            None => {
                let copy = rc.try_borrow().map(|m| m.clone()).unwrap_or_default();
                *v = Value::from(clean_nils(copy));
            }
        }
    }
}

/// Helm's `mergeMaps` for user values files (later files win, maps merge).
pub fn merge_user_values(a: Map, b: Map) -> Map {
    let mut out = a;
    for (k, v) in b {
        if let (Some(bm), Some(am)) = (table(&v), out.get(&k).and_then(table)) {
            out.insert(k, Value::from(merge_user_values(am, bm)));
            continue;
        }
        out.insert(k, v);
    }
    out
}

/// Coalesce `c`'s defaults into `v`; `defaults` is an independent copy of
/// them when the caller has one, else they are copied here.
fn coalesce_values(c: &Chart, defaults: Option<Map>, mut v: Map, is_sub: bool, merge: bool) -> Map {
    let defaults = defaults.unwrap_or_else(|| copy_map(&c.values));
    for (k, cv) in defaults {
        match v.get(&k) {
            Some(Value::Nil) if !merge => {
                v.remove(&k);
            }
            Some(uv) => {
                if matches!(uv, Value::Map(_))
                    && matches!(cv, Value::Map(_))
                    && let Some(uv) = v.remove(&k)
                    && let (Some(um), Some(cm)) = (into_table(uv), into_table(cv))
                {
                    let m = merge || c.dependencies.iter().any(|d| d.name() == k);
                    let cm = if !m && is_sub { clean_nils(cm) } else { cm };
                    v.insert(k, Value::from(coalesce_tables(um, cm, m)));
                }
            }
            None => {
                if !merge && is_sub {
                    if cv.is_nil() {
                        continue;
                    }
                    if matches!(cv, Value::Map(_)) {
                        v.insert(
                            k,
                            Value::from(clean_nils(into_table(cv).unwrap_or_default())),
                        );
                        continue;
                    }
                }
                v.insert(k, cv);
            }
        }
    }
    v
}

fn coalesce_globals(mut dest: Map, src: &Map) -> Map {
    let dg = match dest.get("global") {
        None => Map::new(),
        Some(v) => match table(v) {
            Some(m) => m,
            None => return dest,
        },
    };
    let sg = match src.get("global") {
        None => Map::new(),
        Some(v) => match table(v) {
            Some(m) => m,
            None => return dest,
        },
    };
    let mut dg = dg;
    for (k, val) in sg {
        if let Some(vt) = table(&val) {
            // A shallow copy, as Helm's copyMap: nested tables stay shared with
            // the parent's globals, so merging into them leaks upwards exactly
            // like Helm does.
            let mut vv = vt;
            match dg.get(&k) {
                None => {
                    dg.insert(k, Value::from(vv));
                }
                Some(dv) => {
                    if let Some(dm) = table(dv) {
                        merge_shared(&mut vv, &dm, 0);
                        dg.insert(k, Value::from(vv));
                    }
                }
            }
        } else if dg.get(&k).and_then(table).is_some() {
            continue;
        } else {
            dg.insert(k, val);
        }
    }
    dest.insert("global".into(), Value::from(dg));
    dest
}

/// `coalesceTablesFullKey` with merge, mutating nested tables in place.
fn merge_shared(dst: &mut Map, src: &Map, depth: usize) {
    if depth > crate::template::value::MAX_DEPTH {
        return;
    }
    for (k, sv) in src {
        match dst.get(k) {
            None => {
                dst.insert(k.clone(), sv.clone());
            }
            Some(Value::Map(d)) => {
                if let Some(sm) = table(sv)
                    && let Ok(mut dm) = d.try_borrow_mut()
                {
                    merge_shared(&mut dm, &sm, depth + 1);
                }
            }
            Some(_) => {}
        }
    }
}

/// Helm's `coalesce`: a chart's defaults and its subcharts' into `dest`.
pub fn coalesce(c: &Chart, dest: Map, merge: bool) -> Result<Map, HelmError> {
    // Helm 4.2 drops nils from chart defaults at every level when coalescing.
    coalesce_at(c, None, dest, true, merge)
}

/// [`coalesce`] for a chart whose own defaults are not needed afterwards:
/// they are moved into the result instead of copied (`c.values` is left
/// empty; subcharts' defaults are copied as usual).
pub fn coalesce_consuming(c: &mut Chart, dest: Map, merge: bool) -> Result<Map, HelmError> {
    let defaults = into_independent_map(std::mem::take(&mut c.values));
    coalesce_at(c, Some(defaults), dest, true, merge)
}

fn coalesce_at(
    c: &Chart,
    defaults: Option<Map>,
    dest: Map,
    is_sub: bool,
    merge: bool,
) -> Result<Map, HelmError> {
    let mut dest = coalesce_values(c, defaults, dest, is_sub, merge);
    for sub in &c.dependencies {
        let name = sub.name().to_string();
        let dv = match dest.get(&name) {
            None => Map::new(),
            Some(v) => match table(v) {
                Some(m) => m,
                None => {
                    return Err(HelmError::Chart(format!(
                        "type mismatch on {name}: {}",
                        format_v(v)
                    )));
                }
            },
        };
        let dv = coalesce_globals(dv, &dest);
        let merged = coalesce_at(sub, None, dv, true, merge)?;
        dest.insert(name, Value::from(merged));
    }
    Ok(dest)
}

/// `CoalesceValues(chart, vals)`: what templates see as `.Values`.
pub fn coalesce_values_root(c: &Chart, vals: &Map) -> Result<Map, HelmError> {
    coalesce(c, copy_map(vals), false)
}

/// [`coalesce_values_root`] for the render's last use of the top chart's
/// defaults (see [`coalesce_consuming`]).
pub fn coalesce_values_root_consuming(c: &mut Chart, vals: &Map) -> Result<Map, HelmError> {
    coalesce_consuming(c, copy_map(vals), false)
}

/// Look up a dotted path; the last element may be any value.
pub fn path_value(vals: &Map, path: &str) -> Option<Value> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop()?;
    let mut cur = vals.clone();
    for p in parts {
        cur = table(cur.get(p)?)?;
    }
    cur.get(last).cloned()
}

/// Look up a dotted path that must be a table.
pub fn path_table(vals: &Map, path: &str) -> Option<Map> {
    let mut cur = vals.clone();
    for p in path.split('.') {
        cur = table(cur.get(p)?)?;
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::parse_values;

    fn m(s: &str) -> Map {
        parse_values(s).unwrap().map_snapshot().unwrap()
    }

    #[test]
    fn consuming_coalesce_takes_unshared_tables_and_copies_shared_ones() {
        let mut a = Chart {
            values: m("x: {v: 1}\nl: [{z: 1}]\n"),
            ..Default::default()
        };
        // An aliased copy shares the nested tables.
        let b = a.clone();
        let out = coalesce_consuming(&mut a, Map::new(), false).unwrap();
        assert!(a.values.is_empty());
        assert_eq!(
            format_v(&Value::from(out.clone())),
            "map[l:[map[z:1]] x:map[v:1]]"
        );
        if let Some(Value::Map(x)) = out.get("x") {
            x.borrow_mut().insert("v".into(), Value::Int(2));
        }
        if let Some(Value::List(l)) = out.get("l")
            && let Some(Value::Map(item)) = l.first()
        {
            item.borrow_mut().insert("z".into(), Value::Int(2));
        }
        assert_eq!(
            format_v(&Value::from(b.values)),
            "map[l:[map[z:1]] x:map[v:1]]"
        );
    }

    #[test]
    fn user_values_win_and_null_deletes() {
        let c = Chart {
            values: m("a: 1\nb: {x: 1, y: 2}\nc: 3\n"),
            ..Default::default()
        };
        let out = coalesce_values_root(&c, &m("b: {x: 9, y: null}\nc: null\nd: 4\n")).unwrap();
        assert_eq!(format_v(&Value::from(out)), "map[a:1 b:map[x:9] d:4]");
    }

    #[test]
    fn chart_default_nulls_drop_and_user_nulls_for_new_keys_stay() {
        let c = Chart {
            values: m("a: {b: null, c: 1}\nd: null\n"),
            ..Default::default()
        };
        let out = coalesce_values_root(&c, &Map::new()).unwrap();
        assert_eq!(format_v(&Value::from(out)), "map[a:map[c:1]]");
        let out = coalesce_values_root(&c, &m("e: null\na: {f: null, c: null}\n")).unwrap();
        assert_eq!(format_v(&Value::from(out)), "map[a:map[f:<nil>] e:<nil>]");
    }

    #[test]
    fn subcharts_and_globals() {
        let mut sub = Chart {
            values: m("p: 1\nglobal: {g: sub, h: 1}\n"),
            ..Default::default()
        };
        sub.metadata.name = Some("sub".into());
        let mut c = Chart {
            values: m("global: {g: top}\nsub: {p: 2}\n"),
            ..Default::default()
        };
        c.dependencies.push(sub);
        let out = coalesce_values_root(&c, &Map::new()).unwrap();
        assert_eq!(format_v(&out["sub"]), "map[global:map[g:top h:1] p:2]");
    }
}
