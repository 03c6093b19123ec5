//! Strategic merge patch with kustomize's semantics (kyaml `merge2` with
//! "prepend" list order): maps merge, `null` deletes, lists merge by the merge
//! keys the built-in schema gives them and are otherwise replaced (so lists of
//! custom resources are replaced, as in kustomize), and the `$patch:
//! delete|replace|merge` directives work on maps, list elements and lists.

use super::schema::{ListKind, Node, Schema};
use serde_json::{Map, Value};

/// Outcome of merging into a node.
#[derive(Debug, PartialEq, Eq)]
pub enum Merged {
    /// The node stays (possibly changed).
    Keep,
    /// The node is to be deleted (`$patch: delete`).
    Delete,
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

fn is_directive_key(k: &str) -> bool {
    k == "$patch"
        || k == "$retainKeys"
        || k.starts_with("$setElementOrder/")
        || k.starts_with("$deleteFromPrimitiveList/")
}

/// A patch value as inserted where the destination had nothing: directives
/// applied and removed, null fields dropped.
pub fn clean(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| {
                    !is_directive_key(k) && !v.is_null() && directive(v) != Some("delete")
                })
                .map(|(k, v)| (k.clone(), clean(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|x| directive(x).is_none() || !is_list_directive(x))
                .filter(|x| directive(x) != Some("delete"))
                .map(clean)
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Merges `patch` into `dest` (a whole object: its schema comes from its kind).
pub fn merge(dest: &mut Value, patch: &Value, schema: &Schema) -> Merged {
    let node = Node::root(
        schema,
        dest.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
        dest.get("kind").and_then(Value::as_str).unwrap_or(""),
    );
    match walk(Some(dest.clone()), Some(patch), &node, &ListKind::Replace) {
        Some(v) if !v.as_object().is_some_and(Map::is_empty) => {
            *dest = v;
            Merged::Keep
        }
        _ => Merged::Delete,
    }
}

fn walk(dest: Option<Value>, patch: Option<&Value>, node: &Node, list: &ListKind) -> Option<Value> {
    let Some(patch) = patch else { return dest };
    let dest = dest.filter(|d| !d.is_null());
    match (dest, patch) {
        (_, Value::Null) => None,
        (None, p) => {
            if directive(p) == Some("delete")
                || (p.is_array() && list_directive(p) == Some("delete"))
            {
                return None;
            }
            Some(clean(p))
        }
        (Some(Value::Object(d)), Value::Object(p)) => merge_map(d, p, node),
        (Some(Value::Array(d)), Value::Array(p)) => match list {
            ListKind::Merge(keys) => {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                merge_list(d, p, node, &keys)
            }
            ListKind::Replace => Some(Value::Array(p.clone())),
        },
        (Some(_), p) => {
            if directive(p) == Some("delete") {
                return None;
            }
            Some(clean(p))
        }
    }
}

fn merge_map(mut d: Map<String, Value>, p: &Map<String, Value>, node: &Node) -> Option<Value> {
    match p.get("$patch").and_then(Value::as_str) {
        Some("delete") => return None,
        Some("replace") => return Some(clean(&Value::Object(p.clone()))),
        _ => {}
    }
    if let Some(Value::Array(retain)) = p.get("$retainKeys") {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        d.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (k, pv) in p {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(del)) = (d.get_mut(field), pv) {
                list.retain(|x| !del.contains(x));
            }
            continue;
        }
        if is_directive_key(k) {
            continue;
        }
        let dv = d.shift_remove(k);
        if let Some(v) = walk(dv, Some(pv), &node.child(k), &node.list_kind(k)) {
            d.insert(k.clone(), v);
        }
    }
    Some(Value::Object(d))
}

fn is_list_directive(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key("$patch"))
}

fn list_directive(p: &Value) -> Option<&str> {
    p.as_array()?
        .iter()
        .find(|e| is_list_directive(e))
        .and_then(directive)
}

/// The text kyaml compares list keys by (scalar text, "" for missing or non-scalar).
fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn merge_list(d: Vec<Value>, p: &[Value], node: &Node, keys: &[&str]) -> Option<Value> {
    let wrapped = Value::Array(p.to_vec());
    match list_directive(&wrapped) {
        Some("delete") => return None,
        Some("replace") => {
            return Some(Value::Array(
                p.iter()
                    .filter(|e| !is_list_directive(e))
                    .cloned()
                    .collect(),
            ));
        }
        _ => {}
    }
    let p: Vec<Value> = p
        .iter()
        .filter(|e| !is_list_directive(e))
        .cloned()
        .collect();
    let keys: Vec<&str> = if keys.is_empty() {
        vec![""]
    } else {
        keys.to_vec()
    };
    Some(Value::Array(associative(d, &p, node, &keys)))
}

/// One element's key values (kyaml `ElementValuesList`).
fn key_values(e: &Value, keys: &[&str]) -> Vec<String> {
    if keys == [""] {
        return vec![text(Some(e))];
    }
    keys.iter().map(|k| text(e.get(*k))).collect()
}

fn validate_keys<'k>(
    all: &[Vec<String>],
    values: &[String],
    keys: &[&'k str],
) -> (Vec<&'k str>, Vec<String>) {
    let mut set = Vec::new();
    for vs in all {
        for (i, v) in vs.iter().enumerate() {
            if !v.is_empty() && !set.contains(&i) {
                set.push(i);
            }
        }
    }
    if set.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let vk = (0..keys.len())
        .filter(|i| set.contains(i))
        .map(|i| keys[i])
        .collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || set.contains(i))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        for j in 0..list.len() {
            if let Some(m) = match_values(&list[i], &list[j]) {
                list[i] = m.clone();
                list[j] = m;
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::new();
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// kyaml `ElementMatcher`: the first element whose keys all exist with these values.
fn find(list: &[Value], keys: &[&str], values: &[String]) -> Option<usize> {
    if keys.len() != values.len() {
        return None;
    }
    if keys.first() == Some(&"") {
        return list
            .iter()
            .position(|e| !e.is_object() && !e.is_array() && text(Some(e)) == values[0]);
    }
    list.iter().position(|e| {
        e.is_object()
            && keys
                .iter()
                .zip(values)
                .all(|(k, v)| e.get(*k).is_some() && text(e.get(*k)) == *v)
    })
}

fn is_empty_elem(e: &Value) -> bool {
    e.is_null() || e.as_object().is_some_and(Map::is_empty)
}

/// kyaml `ElementSetter`: replace (or with `None`, delete) the elements matching
/// the keys; append when nothing matched.
fn element_setter(list: &mut Vec<Value>, element: Option<Value>, keys: &[&str], values: &[String]) {
    let keys: Vec<&str> = if keys.is_empty() {
        vec![""]
    } else {
        keys.to_vec()
    };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut out = Vec::new();
    let mut found_any = false;
    for e in list.drain(..) {
        if is_empty_elem(&e) {
            continue;
        }
        if !e.is_object() && mapping_setter {
            out.push(e);
            continue;
        }
        let mut found = true;
        let mut matched = false;
        for (j, k) in keys.iter().enumerate() {
            if j < values.len() {
                matched = field_matches(&e, k, &values[j]);
            }
            if !matched {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(e);
            }
            continue;
        }
        found_any = true;
        if let Some(el) = &element {
            out.push(el.clone());
        }
    }
    *list = out;
    if let Some(el) = element
        && !found_any
    {
        list.push(el);
    }
}

/// kyaml `FieldMatcher{Name, StringValue}`.
fn field_matches(e: &Value, key: &str, value: &str) -> bool {
    if key.is_empty() {
        return !e.is_object() && !e.is_array() && text(Some(e)) == value;
    }
    match e.get(key) {
        None => false,
        Some(v) => value.is_empty() || text(Some(v)) == value,
    }
}

fn associative(mut dest: Vec<Value>, patch: &[Value], node: &Node, keys: &[&str]) -> Vec<Value> {
    // Patch elements first ("prepend"), then the destination's.
    let mut values_list: Vec<Vec<String>> = Vec::new();
    for e in patch.iter().chain(dest.iter()) {
        let vs = key_values(e, keys);
        if !values_list.contains(&vs) {
            values_list.push(vs);
        }
    }
    if keys.len() > 1 {
        merge_values(&mut values_list);
    }
    let mut items: Vec<Value> = Vec::new();
    let mut valid_keys: Vec<&str> = Vec::new();
    for values in values_list.clone() {
        if values.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys(&values_list, &values, keys);
        valid_keys = vk.clone();
        let (lk, lv) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let di = find(&dest, &lk, &lv);
        let pi = find(patch, &lk, &lv);
        let val = match (di, pi) {
            (None, None) => None,
            (Some(i), None) => Some(dest[i].clone()),
            (None, Some(j)) => walk(None, Some(&patch[j]), node, &ListKind::Replace),
            (Some(i), Some(j)) => {
                let merged = walk(
                    Some(dest[i].clone()),
                    Some(&patch[j]),
                    node,
                    &ListKind::Replace,
                );
                if let Some(m) = &merged {
                    dest[i] = m.clone();
                }
                merged
            }
        };
        let Some(mut val) = val.filter(|v| !is_empty_elem(v)) else {
            element_setter(&mut dest, None, &vk, &vv);
            continue;
        };
        for (i, k) in vk.iter().enumerate() {
            if !k.is_empty()
                && val.get(*k).is_none()
                && !vv[i].is_empty()
                && let Some(m) = val.as_object_mut()
            {
                m.insert((*k).to_string(), Value::String(vv[i].clone()));
            }
        }
        element_setter(&mut items, Some(val), &vk, &vv);
    }
    if values_list.is_empty() {
        return dest;
    }
    append_list(&mut items, &dest, &valid_keys);
    items
}

/// kyaml `appendListNode(dst, src, keys)`.
fn append_list(dst: &mut Vec<Value>, src: &[Value], keys: &[&str]) {
    for e in src {
        if keys.first().is_none_or(|k| k.is_empty()) {
            element_setter(dst, Some(e.clone()), &[""], &[text(Some(e))]);
            continue;
        }
        let mut v = Vec::new();
        for k in keys {
            match e.get(*k) {
                None => dst.push(e.clone()),
                Some(x) => v.push(text(Some(x))),
            }
        }
        if keys.len() > 1 {
            element_setter(dst, None, keys, &v);
        }
        element_setter(dst, Some(e.clone()), keys, &v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": spec}}})
    }

    #[test]
    fn merges_containers_by_name_patch_first() {
        let mut d = deploy(
            json!({"containers": [{"name": "a", "image": "x"}, {"name": "b"}], "tolerations": [{"key": "a"}]}),
        );
        let p = deploy(
            json!({"containers": [{"name": "c"}, {"name": "a", "image": "y"}, {"name": "b", "$patch": "delete"}], "tolerations": [{"key": "b"}]}),
        );
        assert_eq!(merge(&mut d, &p, &Schema::Builtin), Merged::Keep);
        let spec = &d["spec"]["template"]["spec"];
        assert_eq!(
            spec["containers"],
            json!([{"name": "c"}, {"name": "a", "image": "y"}])
        );
        assert_eq!(spec["tolerations"], json!([{"key": "b"}]));
    }

    #[test]
    fn custom_resources_replace_lists_and_directives_work() {
        let mut d = json!({"apiVersion": "x.io/v1", "kind": "Foo", "spec": {"items": [{"name": "a"}, {"name": "b"}], "m": {"x": 1}, "drop": 1}});
        let p = json!({"spec": {"items": [{"name": "z"}], "m": {"$patch": "replace", "y": 2}, "drop": null}});
        merge(&mut d, &p, &Schema::Builtin);
        assert_eq!(d["spec"], json!({"items": [{"name": "z"}], "m": {"y": 2}}));
        assert_eq!(
            merge(&mut d, &json!({"$patch": "delete"}), &Schema::Builtin),
            Merged::Delete
        );
    }
}
