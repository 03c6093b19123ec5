//! Patch and replacement target selectors: GVK, name and namespace regexes,
//! label and annotation selectors.

use crate::error::{Result, build_err};
use crate::resource::{Gvk, Resource};
use regex::Regex;
use serde_json::{Map, Value};

/// A parsed selector.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Group/version/kind (empty fields are wildcards).
    pub gvk: Gvk,
    /// Anchored name regex.
    pub name: Option<Regex>,
    /// Anchored namespace regex.
    pub namespace: Option<Regex>,
    /// Label selector.
    pub labels: Option<String>,
    /// Annotation selector.
    pub annotations: Option<String>,
}

fn anchored(pattern: &str) -> Result<Regex> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| build_err!("invalid selector regex '{pattern}': {e}"))
}

impl Selector {
    /// Reads a selector (`group`, `version`, `kind`, `name`, `namespace`, `labelSelector`, `annotationSelector`).
    pub fn from_value(v: &Value) -> Result<Selector> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let opt = |k: &str| Some(s(k)).filter(|x| !x.is_empty());
        Ok(Selector {
            gvk: Gvk {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
            },
            name: opt("name").map(|p| anchored(&p)).transpose()?,
            namespace: opt("namespace").map(|p| anchored(&p)).transpose()?,
            labels: opt("labelSelector"),
            annotations: opt("annotationSelector"),
        })
    }

    /// Whether `r` is selected.
    pub fn matches(&self, r: &Resource) -> Result<bool> {
        let cur = r.cur_id();
        let org = r.org_id();
        if let Some(re) = &self.namespace
            && !re.is_match(org.effective_namespace())
            && !re.is_match(cur.effective_namespace())
        {
            return Ok(false);
        }
        if let Some(re) = &self.name
            && !re.is_match(&org.name)
            && !re.is_match(&cur.name)
        {
            return Ok(false);
        }
        if !cur.gvk.is_selected_by(&self.gvk) {
            return Ok(false);
        }
        let empty = Map::new();
        if let Some(sel) = &self.labels
            && !label_selector_matches(sel, r.labels().unwrap_or(&empty))?
        {
            return Ok(false);
        }
        if let Some(sel) = &self.annotations
            && !label_selector_matches(sel, r.annotations().unwrap_or(&empty))?
        {
            return Ok(false);
        }
        Ok(true)
    }
}

fn split_terms(sel: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in sel.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn set_values(s: &str) -> Result<Vec<String>> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| build_err!("invalid set in selector: '{s}'"))?;
    Ok(inner.split(',').map(|x| x.trim().to_string()).collect())
}

/// Evaluates a Kubernetes label selector string against a label map.
pub fn label_selector_matches(sel: &str, labels: &Map<String, Value>) -> Result<bool> {
    let get = |k: &str| {
        labels.get(k).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    for term in split_terms(sel) {
        let ok = if let Some((k, v)) = term.split_once("!=") {
            get(k.trim()).as_deref() != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==") {
            get(k.trim()).as_deref() == Some(v.trim())
        } else if let Some((k, v)) = term.split_once('=') {
            get(k.trim()).as_deref() == Some(v.trim())
        } else if let Some((k, v)) = term.split_once(" notin ") {
            let vals = set_values(v)?;
            get(k.trim()).is_none_or(|x| !vals.contains(&x))
        } else if let Some((k, v)) = term.split_once(" in ") {
            let vals = set_values(v)?;
            get(k.trim()).is_some_and(|x| vals.contains(&x))
        } else if let Some(k) = term.strip_prefix('!') {
            get(k.trim()).is_none()
        } else {
            get(&term).is_some()
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evaluates_label_selectors() {
        let l = json!({"app": "web", "tier": "fe"});
        let l = l.as_object().unwrap();
        assert!(label_selector_matches("app=web,tier in (fe, be)", l).unwrap());
        assert!(!label_selector_matches("app!=web", l).unwrap());
        assert!(label_selector_matches("!missing,app", l).unwrap());
    }
}
