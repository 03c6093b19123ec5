//! Sprig's `urlParse` and `urlJoin` (Go's net/url parts and `URL.String`).

use super::FnResult;
use crate::template::value::{Map, Value};

/// `urlParse`: the parts of a URL as a dict.
pub fn url_parse(s: &str) -> Value {
    let mut m = Map::new();
    let (scheme, rest) = s.split_once("://").unwrap_or(("", s));
    let (hostpart, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (path, fragment) = path.split_once('#').unwrap_or((path, ""));
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let (userinfo, host) = hostpart.rsplit_once('@').unwrap_or(("", hostpart));
    for (k, v) in [
        ("scheme", scheme),
        ("host", host),
        ("hostname", host.split(':').next().unwrap_or("")),
        ("path", path),
        ("query", query),
        ("opaque", ""),
        ("fragment", fragment),
        ("userinfo", userinfo),
    ] {
        m.insert(k.into(), Value::from(v));
    }
    Value::from(m)
}

/// Go's `url.URL.String` escaping of a path (`encodePath`) or fragment.
fn escape(s: &str, fragment: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-_.~$&+,/:;=@".contains(&b)
            || (fragment && b"!()*?".contains(&b));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `urlJoin`: build a URL from a `urlParse`-style dict, as Go's `URL.String` does.
pub fn url_join(d: &Value) -> FnResult {
    let Value::Map(_) = d else {
        return Err(format!(
            "wrong type for value; expected map[string]interface {{}}; got {}",
            d.type_name()
        ));
    };
    let part = |k: &str| match d.get(k) {
        Value::Nil => String::new(),
        Value::Str(s) => s.to_string(),
        other => crate::template::gofmt::format_v(&other),
    };
    let (scheme, host, path) = (part("scheme"), part("host"), part("path"));
    let (query, opaque, fragment, userinfo) = (
        part("query"),
        part("opaque"),
        part("fragment"),
        part("userinfo"),
    );
    let mut out = String::new();
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    if !opaque.is_empty() {
        out.push_str(&opaque);
    } else {
        if !scheme.is_empty() || !host.is_empty() || !userinfo.is_empty() {
            if !host.is_empty() || !path.is_empty() || !userinfo.is_empty() {
                out.push_str("//");
            }
            if !userinfo.is_empty() {
                out.push_str(&userinfo);
                out.push('@');
            }
            out.push_str(&host);
        }
        let p = escape(&path, false);
        if !p.is_empty() && !p.starts_with('/') && !host.is_empty() {
            out.push('/');
        }
        if out.is_empty() && p.split('/').next().is_some_and(|seg| seg.contains(':')) {
            out.push_str("./");
        }
        out.push_str(&p);
    }
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    if !fragment.is_empty() {
        out.push('#');
        out.push_str(&escape(&fragment, true));
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_what_parse_splits() {
        let u = "https://user:pw@host:8080/p/a%20b?q=1#frag";
        let parts = url_parse("https://user:pw@host:8080/p/a b?q=1#frag");
        assert_eq!(crate::funcs::strval(&url_join(&parts).unwrap()), u);
        let m: Map = [("path".to_string(), Value::from("a:b"))]
            .into_iter()
            .collect();
        assert_eq!(
            crate::funcs::strval(&url_join(&Value::from(m)).unwrap()),
            "./a:b"
        );
        assert!(url_join(&Value::from("x")).is_err());
    }
}
