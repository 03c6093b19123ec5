//! Registry credentials from a `.dockerconfigjson` (Flux's OCIRepository `secretRef`).

use base64::Engine as _;
use serde::Deserialize;

use crate::Error;

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, DockerAuth>,
}

#[derive(Deserialize)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The `auths` key as a bare host: `https://host/v1/` → `host`.
fn normalize(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// The username and password for `registry` (`host[:port]`) in a docker config JSON;
/// `None` when it has no entry for that registry.
pub fn from_docker_config(json: &[u8], registry: &str) -> Result<Option<(String, String)>, Error> {
    let config: DockerConfig = serde_json::from_slice(json)
        .map_err(|e| Error::InvalidAuth(format!("'.dockerconfigjson' is not valid: {e}")))?;
    let Some(entry) = config
        .auths
        .iter()
        .find(|(k, _)| normalize(k) == registry)
        .map(|(_, v)| v)
    else {
        return Ok(None);
    };
    if let (Some(u), Some(p)) = (&entry.username, &entry.password)
        && !u.is_empty()
    {
        return Ok(Some((u.clone(), p.clone())));
    }
    let Some(auth) = &entry.auth else {
        return Err(Error::InvalidAuth(format!(
            "the entry for '{registry}' has neither 'auth' nor 'username'/'password'"
        )));
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| Error::InvalidAuth(format!("'auth' for '{registry}' is not base64")))?;
    let text = String::from_utf8(decoded)
        .map_err(|_| Error::InvalidAuth(format!("'auth' for '{registry}' is not UTF-8")))?;
    let (u, p) = text.split_once(':').ok_or_else(|| {
        Error::InvalidAuth(format!("'auth' for '{registry}' is not user:password"))
    })?;
    Ok(Some((u.to_string(), p.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_auth_and_username_password() {
        let json = br#"{"auths":{"https://reg.example.com/v1/":{"auth":"dXNlcjpwYXNz"},"127.0.0.1:5000":{"username":"a","password":"b"}}}"#;
        assert_eq!(
            from_docker_config(json, "reg.example.com").unwrap(),
            Some(("user".into(), "pass".into()))
        );
        assert_eq!(
            from_docker_config(json, "127.0.0.1:5000").unwrap(),
            Some(("a".into(), "b".into()))
        );
        assert_eq!(from_docker_config(json, "other").unwrap(), None);
        assert!(from_docker_config(b"not json", "x").is_err());
    }
}
