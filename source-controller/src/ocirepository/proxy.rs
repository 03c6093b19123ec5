//! `spec.proxySecretRef` of OCIRepository and Bucket → a proxy URL, as Flux's
//! `getProxyURL`: the Secret's `address` (required, `http` or `https`) with `username` and
//! `password`, when set, as the URL's userinfo. A missing or malformed Secret is an
//! `AuthenticationFailed` fetch failure.

use std::collections::BTreeMap;

use flux_api::constants::{AUTHENTICATION_FAILED_REASON, FETCH_FAILED_CONDITION};
use flux_api::meta::LocalObjectReference;
use flux_runtime::reconcile::ReconcileError;

use crate::artifact_steps::secret;

/// The proxy URL from `secret_ref` in `namespace`, if one is set.
pub async fn from_secret_ref(
    client: &kube::Client,
    namespace: &str,
    secret_ref: Option<&LocalObjectReference>,
) -> Result<Option<String>, ReconcileError> {
    let Some(r) = secret_ref else {
        return Ok(None);
    };
    let failed = |why: String| {
        ReconcileError::transient(
            AUTHENTICATION_FAILED_REASON,
            format!("failed to get proxy URL: {why}"),
        )
        .with_condition(FETCH_FAILED_CONDITION)
    };
    let data = secret(client, namespace, &r.name).await.map_err(failed)?;
    proxy_url(&data)
        .map(Some)
        .map_err(|e| failed(format!("secret '{namespace}/{}': {e}", r.name)))
}

/// The proxy URL from a proxy Secret's data.
pub fn proxy_url(data: &BTreeMap<String, Vec<u8>>) -> Result<String, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        data.get(key)
            .map(|v| {
                String::from_utf8(v.clone())
                    .map(|s| s.trim().to_string())
                    .map_err(|_| format!("key '{key}' is not UTF-8"))
            })
            .transpose()
            .map(|v| v.filter(|s| !s.is_empty()))
    };
    let address = text("address")?.ok_or("key 'address' is missing")?;
    let (scheme, rest) = address
        .split_once("://")
        .ok_or_else(|| format!("address '{address}' is not a URL"))?;
    if !matches!(scheme, "http" | "https") {
        return Err(format!(
            "proxy scheme '{scheme}' is not supported by this source-controller; use http or https"
        ));
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("address '{address}' has no host"));
    }
    let username = text("username")?;
    let password = text("password")?;
    let Some(username) = username else {
        if password.is_some() {
            return Err("key 'password' is set without 'username'".into());
        }
        return Ok(address);
    };
    // Credentials in the Secret replace any already in the address.
    let rest = match host.rsplit_once('@') {
        Some((_, bare)) => rest.replacen(host, bare, 1),
        None => rest.to_string(),
    };
    let userinfo = match password {
        Some(p) => format!("{}:{}", encode(&username), encode(&p)),
        None => encode(&username),
    };
    Ok(format!("{scheme}://{userinfo}@{rest}"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters (for userinfo).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn address_and_credentials_make_the_url() {
        assert_eq!(
            proxy_url(&data(&[("address", "http://proxy:3128\n")])),
            Ok("http://proxy:3128".into())
        );
        assert_eq!(
            proxy_url(&data(&[
                ("address", "https://proxy:3128"),
                ("username", "u@corp"),
                ("password", "p:w/d"),
            ])),
            Ok("https://u%40corp:p%3Aw%2Fd@proxy:3128".into())
        );
        assert_eq!(
            proxy_url(&data(&[
                ("address", "http://old:pw@proxy:3128"),
                ("username", "new"),
            ])),
            Ok("http://new@proxy:3128".into())
        );
    }

    #[test]
    fn bad_secrets_are_explained() {
        let err = |pairs: &[(&str, &str)]| proxy_url(&data(pairs)).unwrap_err();
        assert!(err(&[("username", "u")]).contains("'address' is missing"));
        assert!(err(&[("address", "proxy:3128")]).contains("not a URL"));
        assert!(err(&[("address", "socks5://proxy:1080")]).contains("'socks5'"));
        assert!(err(&[("address", "http://")]).contains("no host"));
        assert!(err(&[("address", "http://p:1"), ("password", "x")]).contains("without"));
    }
}
