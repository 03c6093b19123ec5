//! Auth Secrets `create source` and `bootstrap` generate from command-line credentials, with
//! the keys source-controller reads (`username`/`password`, `bearerToken`, `identity` and
//! `known_hosts`, `accesskey`/`secretkey`).

use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value, json};

use crate::error::{Result, usage};

/// A Secret with string data.
pub fn secret(name: &str, namespace: &str, data: Map<String, Value>) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "stringData": data,
    })
}

/// Git credentials given on the command line.
#[derive(Debug, Default, Clone)]
pub struct GitCredentials {
    /// Basic auth user.
    pub username: Option<String>,
    /// Basic auth password (or token).
    pub password: Option<String>,
    /// Bearer token.
    pub bearer_token: Option<String>,
    /// SSH private key file.
    pub private_key_file: Option<std::path::PathBuf>,
    /// Extra CA bundle for HTTPS.
    pub ca_file: Option<std::path::PathBuf>,
}

impl GitCredentials {
    /// The Secret data for a Git `url`, or `None` when no credentials were given.
    pub fn secret_data(&self, url: &str) -> Result<Option<Map<String, Value>>> {
        let mut data = Map::new();
        if url.starts_with("ssh://") {
            let Some(key_file) = &self.private_key_file else {
                return Ok(None);
            };
            let key = read(key_file)?;
            data.insert("identity".into(), json!(key));
            let pub_file = key_file.with_extension("pub");
            if pub_file.is_file() {
                data.insert("identity.pub".into(), json!(read(&pub_file)?));
            }
            data.insert("known_hosts".into(), json!(scan_host_keys(url)?));
            if let Some(p) = &self.password {
                data.insert("password".into(), json!(p));
            }
        } else {
            if self.private_key_file.is_some() {
                return Err(usage(format!(
                    "--private-key-file needs an ssh:// URL, got '{url}'"
                )));
            }
            match (&self.username, &self.password, &self.bearer_token) {
                (_, _, Some(t)) => {
                    data.insert("bearerToken".into(), json!(t));
                }
                (Some(u), Some(p), None) => {
                    data.insert("username".into(), json!(u));
                    data.insert("password".into(), json!(p));
                }
                (None, None, None) => {}
                _ => return Err(usage("--username and --password must be given together")),
            }
        }
        if let Some(ca) = &self.ca_file {
            data.insert("ca.crt".into(), json!(read(ca)?));
        }
        Ok(if data.is_empty() { None } else { Some(data) })
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| usage(format!("reading {}: {e}", path.display())))
}

/// Host and port of an `ssh://[user@]host[:port]/path` URL.
pub fn ssh_host_port(url: &str) -> Result<(String, u16)> {
    let rest = url
        .strip_prefix("ssh://")
        .ok_or_else(|| usage(format!("'{url}' is not an ssh:// URL")))?;
    let authority = rest.split('/').next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    match host_port.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            let port = p
                .parse()
                .map_err(|_| usage(format!("invalid port '{p}' in '{url}'")))?;
            Ok((h.trim_matches(['[', ']']).to_string(), port))
        }
        _ => Ok((host_port.trim_matches(['[', ']']).to_string(), 22)),
    }
}

/// Scans the SSH host keys of the URL's host with `ssh-keyscan` (Flux does the same).
pub fn scan_host_keys(url: &str) -> Result<String> {
    let (host, port) = ssh_host_port(url)?;
    let out = Command::new("ssh-keyscan")
        .args(["-p", &port.to_string(), &host])
        .output()
        .map_err(|e| usage(format!("running ssh-keyscan for {host}:{port}: {e}")))?;
    let keys = String::from_utf8_lossy(&out.stdout).into_owned();
    if keys.trim().is_empty() {
        return Err(usage(format!(
            "ssh-keyscan found no host keys for {host}:{port}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_urls_split_into_host_and_port() {
        assert_eq!(
            ssh_host_port("ssh://git@example.com:2222/org/repo").unwrap(),
            ("example.com".to_string(), 2222)
        );
        assert_eq!(
            ssh_host_port("ssh://git@example.com/org/repo").unwrap(),
            ("example.com".to_string(), 22)
        );
        assert!(ssh_host_port("ssh://h:notaport/x").is_err());
    }

    #[test]
    fn basic_auth_needs_both_halves() {
        let c = GitCredentials {
            username: Some("u".into()),
            ..Default::default()
        };
        assert!(c.secret_data("https://example.com/r").is_err());
        let c = GitCredentials {
            username: Some("u".into()),
            password: Some("p".into()),
            ..Default::default()
        };
        let d = c.secret_data("https://example.com/r").unwrap().unwrap();
        assert_eq!(d["username"], "u");
        assert_eq!(d["password"], "p");
    }
}
