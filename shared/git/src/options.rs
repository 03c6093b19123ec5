//! Checkout options: the URL, the GitRepository `spec.ref`, auth and behaviour flags.

use std::collections::BTreeMap;
use std::time::Duration;

use flux_semver::Constraint;

use crate::error::{Error, Result};
use crate::redact::redact_url;

/// The branch Flux checks out when `spec.ref` is empty (`git.DefaultBranch`).
pub const DEFAULT_BRANCH: &str = "master";

/// The GitRepository `spec.ref`. Precedence: commit > name > semver > tag > branch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitReference {
    /// Branch to check out (`master` when nothing is set).
    pub branch: Option<String>,
    /// Tag to check out.
    pub tag: Option<String>,
    /// Masterminds semver range; the highest matching tag is checked out.
    pub semver: Option<String>,
    /// Full reference name, e.g. `refs/pull/1/head`.
    pub name: Option<String>,
    /// Commit SHA; with `branch`, only that branch is fetched.
    pub commit: Option<String>,
}

/// How a [`GitReference`] resolves, after precedence is applied.
#[derive(Debug, Clone)]
pub enum Strategy {
    /// A commit, optionally limited to the history of a branch.
    Commit {
        /// The full lower-case hex SHA.
        sha: String,
        /// The branch to fetch instead of all branches.
        branch: Option<String>,
    },
    /// A full reference name.
    Name(String),
    /// The highest tag matching a semver range.
    SemVer(Constraint),
    /// A tag.
    Tag(String),
    /// A branch.
    Branch(String),
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn check_ref_name(full: &str, what: &str) -> Result<()> {
    let invalid = |why: &str| Error::InvalidReference(format!("{what}: {why}"));
    if full.starts_with('/') || full.ends_with('/') {
        return Err(invalid("Git refs cannot begin or end with a slash '/'"));
    }
    gix::refs::FullName::try_from(full)
        .map(|_| ())
        .map_err(|e| invalid(&e.to_string()))
}

impl GitReference {
    /// Applies Flux's precedence and validates the chosen field.
    pub fn strategy(&self) -> Result<Strategy> {
        if let Some(sha) = non_empty(&self.commit) {
            if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::InvalidReference(format!(
                    "commit '{sha}' is not a full 40-character hex SHA-1"
                )));
            }
            let branch = non_empty(&self.branch).map(str::to_string);
            if let Some(b) = &branch {
                check_ref_name(&format!("refs/heads/{b}"), &format!("branch '{b}'"))?;
            }
            return Ok(Strategy::Commit {
                sha: sha.to_ascii_lowercase(),
                branch,
            });
        }
        if let Some(name) = non_empty(&self.name) {
            if !name.starts_with("refs/") {
                return Err(Error::InvalidReference(format!(
                    "ref name '{name}' must be a full reference starting with 'refs/'"
                )));
            }
            check_ref_name(name, &format!("ref name '{name}'"))?;
            return Ok(Strategy::Name(name.to_string()));
        }
        if let Some(range) = non_empty(&self.semver) {
            let c = Constraint::parse(range)
                .map_err(|e| Error::InvalidReference(format!("semver '{range}': {e}")))?;
            return Ok(Strategy::SemVer(c));
        }
        if let Some(tag) = non_empty(&self.tag) {
            check_ref_name(&format!("refs/tags/{tag}"), &format!("tag '{tag}'"))?;
            return Ok(Strategy::Tag(tag.to_string()));
        }
        let branch = non_empty(&self.branch).unwrap_or(DEFAULT_BRANCH);
        check_ref_name(
            &format!("refs/heads/{branch}"),
            &format!("branch '{branch}'"),
        )?;
        Ok(Strategy::Branch(branch.to_string()))
    }
}

/// The transport a URL uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `http://`
    Http,
    /// `https://`
    Https,
    /// `ssh://`
    Ssh,
    /// `file://` (tests and local mirrors only).
    File,
}

impl Transport {
    /// Determines the transport from a GitRepository URL. scp-like `user@host:path` is
    /// rejected as Flux's CRD pattern does.
    pub fn from_url(url: &str) -> Result<Self> {
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("http") => Ok(Transport::Http),
            Some("https") => Ok(Transport::Https),
            Some("ssh") => Ok(Transport::Ssh),
            Some("file") => Ok(Transport::File),
            _ => Err(Error::InvalidUrl {
                url: redact_url(url),
                reason: "scheme must be one of http, https, ssh".into(),
            }),
        }
    }
}

/// An HTTP(S) proxy from `spec.proxySecretRef` (keys `address`, `username`, `password`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyOptions {
    /// Proxy URL (`http://` or `https://`).
    pub address: String,
    /// Optional proxy user.
    pub username: Option<String>,
    /// Optional proxy password.
    pub password: Option<String>,
}

impl std::fmt::Debug for ProxyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyOptions")
            .field("address", &redact_url(&self.address))
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Credentials and TLS material from the GitRepository `secretRef` (see Flux's
/// `git.NewAuthOptions`). `Debug` never prints secret values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthOptions {
    /// HTTP basic auth user.
    pub username: Option<String>,
    /// HTTP basic auth password, or the SSH key passphrase.
    pub password: Option<String>,
    /// Sent as `Authorization: Bearer <token>`.
    pub bearer_token: Option<String>,
    /// PEM CA bundle trusted in addition to the system roots (`ca.crt`, legacy `caFile`).
    pub ca_cert: Option<Vec<u8>>,
    /// PEM client certificate for mutual TLS (`tls.crt`).
    pub client_cert: Option<Vec<u8>>,
    /// PEM client key for mutual TLS (`tls.key`).
    pub client_key: Option<Vec<u8>>,
    /// OpenSSH private key (`identity`).
    pub identity: Option<Vec<u8>>,
    /// `known_hosts` lines for the server (`known_hosts`).
    pub known_hosts: Option<Vec<u8>>,
    /// Proxy to use for HTTP(S).
    pub proxy: Option<ProxyOptions>,
}

impl std::fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |b: bool| if b { "<set>" } else { "<unset>" };
        f.debug_struct("AuthOptions")
            .field("username", &self.username)
            .field("password", &set(self.password.is_some()))
            .field("bearer_token", &set(self.bearer_token.is_some()))
            .field("ca_cert", &set(self.ca_cert.is_some()))
            .field("client_cert", &set(self.client_cert.is_some()))
            .field("client_key", &set(self.client_key.is_some()))
            .field("identity", &set(self.identity.is_some()))
            .field("known_hosts", &set(self.known_hosts.is_some()))
            .field("proxy", &self.proxy)
            .finish()
    }
}

impl AuthOptions {
    /// Builds auth options from the data of a Secret, validated for the URL's transport
    /// as Flux does: `password` needs `username`; SSH needs `identity` and `known_hosts`;
    /// `tls.crt` and `tls.key` come together.
    pub fn from_secret(url: &str, data: &BTreeMap<String, Vec<u8>>) -> Result<Self> {
        let transport = Transport::from_url(url)?;
        let text = |key: &str| -> Result<Option<String>> {
            match data.get(key) {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => String::from_utf8(v.clone())
                    .map(|s| Some(s.trim_end_matches(['\r', '\n']).to_string()))
                    .map_err(|_| Error::InvalidAuth(format!("secret key '{key}' is not UTF-8"))),
            }
        };
        let bytes = |key: &str| data.get(key).filter(|v| !v.is_empty()).cloned();
        let opts = AuthOptions {
            username: text("username")?,
            password: text("password")?,
            bearer_token: text("bearerToken")?,
            ca_cert: bytes("ca.crt").or_else(|| bytes("caFile")),
            client_cert: bytes("tls.crt"),
            client_key: bytes("tls.key"),
            identity: bytes("identity"),
            known_hosts: bytes("known_hosts"),
            proxy: None,
        };
        opts.validate(transport)?;
        Ok(opts)
    }

    /// Checks that the options are complete for `transport`.
    pub fn validate(&self, transport: Transport) -> Result<()> {
        let fail = |msg: String| Err(Error::InvalidAuth(msg));
        match transport {
            Transport::Http | Transport::Https => {
                if self.username.is_none() && self.password.is_some() {
                    return fail(format!(
                        "invalid '{}' auth option: 'password' requires 'username' to be set",
                        if transport == Transport::Http {
                            "http"
                        } else {
                            "https"
                        }
                    ));
                }
                if self.client_cert.is_some() != self.client_key.is_some() {
                    return fail("'tls.crt' and 'tls.key' must be set together".into());
                }
            }
            Transport::Ssh => {
                if self.identity.is_none() {
                    return fail("invalid 'ssh' auth option: 'identity' is required".into());
                }
                if self.known_hosts.is_none() {
                    return fail("invalid 'ssh' auth option: 'known_hosts' is required".into());
                }
            }
            Transport::File => {}
        }
        Ok(())
    }

    /// Secret strings that must be scrubbed from any message, including the encoded
    /// basic-auth header value.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        out.extend(self.password.clone());
        out.extend(self.bearer_token.clone());
        if let Some(user) = &self.username {
            use base64::Engine;
            let raw = format!("{user}:{}", self.password.as_deref().unwrap_or_default());
            out.push(base64::engine::general_purpose::STANDARD.encode(raw.as_bytes()));
        }
        if let Some(p) = &self.proxy {
            out.extend(p.password.clone());
        }
        out
    }
}

/// Everything [`checkout`](crate::checkout) needs.
#[derive(Debug, Clone)]
pub struct CheckoutOptions {
    /// Repository URL (`http`, `https`, `ssh`; `file` for tests).
    pub url: String,
    /// The ref to check out.
    pub reference: GitReference,
    /// Credentials and TLS material.
    pub auth: AuthOptions,
    /// Fetch only the tip (depth 1) where Flux does: branch, tag and semver refs.
    pub shallow: bool,
    /// Only write these directories (Flux's `sparseCheckout`; a leading `./` is ignored).
    pub sparse_checkout: Vec<String>,
    /// Check out submodules too (done with the git CLI; see the crate docs).
    pub recurse_submodules: bool,
    /// Bound for the whole operation (`spec.timeout`, 60s by default).
    pub timeout: Duration,
    /// The revision of the artifact in storage. When the remote ref still points at it,
    /// nothing is downloaded and a partial [`Commit`](crate::Commit) is returned.
    pub last_observed_commit: Option<String>,
}

impl CheckoutOptions {
    /// Options with Flux's defaults: shallow, 60s timeout, no auth.
    pub fn new(url: impl Into<String>, reference: GitReference) -> Self {
        CheckoutOptions {
            url: url.into(),
            reference,
            auth: AuthOptions::default(),
            shallow: true,
            sparse_checkout: Vec::new(),
            recurse_submodules: false,
            timeout: Duration::from_secs(60),
            last_observed_commit: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(f: impl FnOnce(&mut GitReference)) -> GitReference {
        let mut g = GitReference::default();
        f(&mut g);
        g
    }

    #[test]
    fn precedence_commit_name_semver_tag_branch() {
        let sha = "a".repeat(40);
        let all = r(|g| {
            g.branch = Some("dev".into());
            g.tag = Some("v1".into());
            g.semver = Some(">=1".into());
            g.name = Some("refs/pull/1/head".into());
            g.commit = Some(sha.clone());
        });
        assert!(
            matches!(all.strategy().unwrap(), Strategy::Commit { sha: s, branch: Some(b) } if s == sha && b == "dev")
        );
        let mut g = all.clone();
        g.commit = None;
        assert!(matches!(g.strategy().unwrap(), Strategy::Name(n) if n == "refs/pull/1/head"));
        g.name = None;
        assert!(matches!(g.strategy().unwrap(), Strategy::SemVer(_)));
        g.semver = None;
        assert!(matches!(g.strategy().unwrap(), Strategy::Tag(t) if t == "v1"));
        g.tag = None;
        assert!(matches!(g.strategy().unwrap(), Strategy::Branch(b) if b == "dev"));
        g.branch = Some(String::new());
        assert!(matches!(g.strategy().unwrap(), Strategy::Branch(b) if b == "master"));
    }

    #[test]
    fn invalid_refs_are_rejected() {
        for bad in [
            r(|g| g.commit = Some("abc".into())),
            r(|g| g.commit = Some("z".repeat(40))),
            r(|g| g.name = Some("heads/main".into())),
            r(|g| g.name = Some("refs/heads/".into())),
            r(|g| g.semver = Some(">= bar".into())),
            r(|g| g.branch = Some("a..b".into())),
            r(|g| g.tag = Some("bad tag".into())),
        ] {
            let err = bad.strategy().unwrap_err();
            assert!(err.is_stalling(), "{bad:?}: {err}");
        }
    }

    #[test]
    fn auth_from_secret_validates_per_transport() {
        let data = |kv: &[(&str, &str)]| -> BTreeMap<String, Vec<u8>> {
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect()
        };
        let o = AuthOptions::from_secret(
            "https://h/r",
            &data(&[("username", "u"), ("password", "p\n"), ("ca.crt", "PEM")]),
        )
        .unwrap();
        assert_eq!(o.password.as_deref(), Some("p"));
        assert_eq!(o.ca_cert.as_deref(), Some(&b"PEM"[..]));
        assert!(!format!("{o:?}").contains("\"p\""));

        let e = AuthOptions::from_secret("https://h/r", &data(&[("password", "p")])).unwrap_err();
        assert!(e.is_auth(), "{e}");
        let e = AuthOptions::from_secret("ssh://git@h/r", &data(&[("identity", "k")])).unwrap_err();
        assert!(e.to_string().contains("known_hosts"), "{e}");
        let e = AuthOptions::from_secret("git@h:r", &data(&[])).unwrap_err();
        assert!(e.is_stalling(), "{e}");
    }
}
