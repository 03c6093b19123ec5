//! Flux's envsubst dialect (fluxcd/pkg `envsubst`, a fork of drone/envsubst) for
//! `spec.postBuild`: `${var}`, defaults (`${var:=d}`, `${var:-d}`, `${var=d}`, `${var-d}`),
//! length (`${#var}`), case (`${var^}`, `${var^^}`, `${var,}`, `${var,,}`), substrings
//! (`${var:n}`, `${var:n:len}`), literal prefix/suffix trims (`#`, `##`, `%`, `%%`) and
//! replacements (`/`, `//`, `/#`, `/%`). `$$` escapes `$`; `$var` without braces is left
//! alone. In strict mode an unset variable without a default is an error.

use std::collections::BTreeMap;

/// A substitution failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvsubstError {
    /// A variable without a value or default in strict mode.
    #[error("variable not set (strict mode): \"{0}\"")]
    Unset(String),
    /// A `${` without its closing brace.
    #[error("missing closing brace")]
    Unclosed,
    /// An expression this dialect does not support.
    #[error("unsupported substitution: ${{{0}}}")]
    Unsupported(String),
}

/// Substitutes the variables in `input`.
pub fn substitute(
    input: &str,
    vars: &BTreeMap<String, String>,
    strict: bool,
) -> Result<String, EnvsubstError> {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(body_start) = after.strip_prefix('{') {
            let end = closing_brace(body_start).ok_or(EnvsubstError::Unclosed)?;
            out.push_str(&expand(&body_start[..end], vars, strict)?);
            rest = &body_start[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` closing an expression, allowing nested `${…}` in defaults.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn expand(
    body: &str,
    vars: &BTreeMap<String, String>,
    strict: bool,
) -> Result<String, EnvsubstError> {
    if let Some(name) = body.strip_prefix('#')
        && !name.is_empty()
        && name.chars().all(is_name_char)
    {
        return Ok(vars.get(name).map_or(0, |v| v.chars().count()).to_string());
    }
    let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let (name, op) = body.split_at(name_len);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(EnvsubstError::Unsupported(body.to_string()));
    }
    let value = vars.get(name);
    let nested = |d: &str| substitute(d, vars, strict);
    let set = |v: Option<&String>| -> Result<String, EnvsubstError> {
        match v {
            Some(v) => Ok(v.clone()),
            None if strict => Err(EnvsubstError::Unset(name.to_string())),
            None => Ok(String::new()),
        }
    };
    if op.is_empty() {
        return set(value);
    }
    if let Some(d) = op.strip_prefix(":=").or_else(|| op.strip_prefix(":-")) {
        return match value {
            Some(v) if !v.is_empty() => Ok(v.clone()),
            _ => nested(d),
        };
    }
    if let Some(d) = op.strip_prefix('=').or_else(|| op.strip_prefix('-')) {
        return match value {
            Some(v) => Ok(v.clone()),
            None => nested(d),
        };
    }
    let v = set(value)?;
    let result = match op {
        "^" => upper_first(&v),
        "^^" => v.to_uppercase(),
        "," => lower_first(&v),
        ",," => v.to_lowercase(),
        _ => {
            if let Some(p) = op.strip_prefix("##").or_else(|| op.strip_prefix('#')) {
                v.strip_prefix(p).unwrap_or(&v).to_string()
            } else if let Some(p) = op.strip_prefix("%%").or_else(|| op.strip_prefix('%')) {
                v.strip_suffix(p).unwrap_or(&v).to_string()
            } else if let Some(r) = op.strip_prefix("//") {
                let (p, with) = r.split_once('/').unwrap_or((r, ""));
                if p.is_empty() { v } else { v.replace(p, with) }
            } else if let Some(r) = op.strip_prefix("/#") {
                let (p, with) = r.split_once('/').unwrap_or((r, ""));
                match v.strip_prefix(p) {
                    Some(tail) => format!("{with}{tail}"),
                    None => v,
                }
            } else if let Some(r) = op.strip_prefix("/%") {
                let (p, with) = r.split_once('/').unwrap_or((r, ""));
                match v.strip_suffix(p) {
                    Some(head) => format!("{head}{with}"),
                    None => v,
                }
            } else if let Some(r) = op.strip_prefix('/') {
                let (p, with) = r.split_once('/').unwrap_or((r, ""));
                if p.is_empty() {
                    v
                } else {
                    v.replacen(p, with, 1)
                }
            } else if let Some(r) = op.strip_prefix(':') {
                substring(&v, r).ok_or_else(|| EnvsubstError::Unsupported(body.to_string()))?
            } else {
                return Err(EnvsubstError::Unsupported(body.to_string()));
            }
        }
    };
    Ok(result)
}

fn substring(v: &str, spec: &str) -> Option<String> {
    let chars: Vec<char> = v.chars().collect();
    let (start, len) = match spec.split_once(':') {
        Some((s, l)) => (
            s.trim().parse::<usize>().ok()?,
            Some(l.trim().parse::<usize>().ok()?),
        ),
        None => (spec.trim().parse::<usize>().ok()?, None),
    };
    let start = start.min(chars.len());
    let end = len.map_or(chars.len(), |l| (start + l).min(chars.len()));
    Some(chars[start..end].iter().collect())
}

fn upper_first(v: &str) -> String {
    let mut c = v.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn lower_first(v: &str) -> String {
    let mut c = v.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("APP", "podinfo"), ("EMPTY", ""), ("PODS", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn s(input: &str) -> String {
        substitute(input, &vars(), false).unwrap()
    }

    #[test]
    fn plain_and_defaults() {
        assert_eq!(s("name: ${APP}-x"), "name: podinfo-x");
        assert_eq!(s("replicas: ${MISSING:=0}"), "replicas: 0");
        assert_eq!(
            s("${EMPTY:-d} ${EMPTY-d} ${MISSING-d} ${MISSING=e}"),
            "d  d e"
        );
        assert_eq!(s("${MISSING:=${APP}}"), "podinfo");
        assert_eq!(s("${MISSING}"), "");
    }

    #[test]
    fn escapes_and_unbraced() {
        assert_eq!(s("$${APP} $APP $$x"), "${APP} $APP $x");
        assert_eq!(s("cost: 5$"), "cost: 5$");
    }

    #[test]
    fn string_operations() {
        assert_eq!(
            s("${#APP} ${APP^} ${APP^^} ${APP:3} ${APP:0:3}"),
            "7 Podinfo PODINFO info pod"
        );
        assert_eq!(
            s("${APP#pod} ${APP%info} ${APP/o/0} ${APP//o/0}"),
            "info pod p0dinfo p0dinf0"
        );
        assert_eq!(s("${APP/#pod/x} ${APP/%info/y}"), "xinfo pody");
    }

    #[test]
    fn strict_mode_and_errors() {
        let err = substitute("${NOPE}", &vars(), true).unwrap_err();
        assert_eq!(err.to_string(), "variable not set (strict mode): \"NOPE\"");
        assert_eq!(substitute("${NOPE:=1}", &vars(), true).unwrap(), "1");
        assert_eq!(
            substitute("${APP", &vars(), false),
            Err(EnvsubstError::Unclosed)
        );
        assert!(matches!(
            substitute("${APP:+x}", &vars(), false),
            Err(EnvsubstError::Unsupported(_))
        ));
    }
}
