//! Git for Flux sources: resolve a GitRepository `spec.ref`, fetch it and check it
//! out, compute Flux's revision string, and verify PGP signatures.
//!
//! - [`checkout`] fetches the ref chosen by Flux's precedence (commit > name > semver >
//!   tag > branch, `master` by default) and writes its tree into a directory.
//!   Branch, tag, semver and name refs are fetched with depth 1 when
//!   [`CheckoutOptions::shallow`] is set (the controller always sets it, as Flux
//!   does); a commit ref fetches the full history of its branch, or of all branches.
//!   A semver ref lists the tags with ls-refs and fetches only the chosen tag.
//! - [`remote_head`] asks the server for the ref's current revision without
//!   downloading objects, so the controller can skip unchanged repositories
//!   (`OptimizedGitClones`). [`checkout`] does the same check itself when
//!   [`CheckoutOptions::last_observed_commit`] is set.
//! - [`Commit::revision`] gives `main@sha1:<hex>`, `refs/pull/1/head@sha1:<hex>` or
//!   `sha1:<hex>`.
//! - [`verify_commit`] and [`verify_tag`] check PGP signatures against armored keys.
//!
//! Everything is blocking; call it from `spawn_blocking`. No kube client is used.
//!
//! # gix and the git CLI
//! Fetching (HTTP(S) through gix's reqwest transport, SSH through the `ssh` program,
//! `file://` through `git-upload-pack`) and ls-refs use gix. HTTP(S) auth is done
//! in-process: basic auth through gix's credential callback, bearer tokens as an
//! `Authorization` extra header, and `ca.crt`, `tls.crt`/`tls.key` and the proxy by
//! configuring gix's reqwest client. What gix cannot do is handled here or delegated:
//! - sparse checkout: gix has none; the tree is written by this crate and only the
//!   requested directories are written (see the `worktree` module);
//! - submodules (`recurseSubmodules`): gix cannot clone or update them
//!   (gitoxide#2387), so that case runs the **git CLI** (`cli` module) with the same
//!   credentials;
//! - SSH: gix has no native client; `ssh` runs with the Secret's identity and
//!   known_hosts from 0600 temporary files and `StrictHostKeyChecking=yes`;
//! - signature verification: gix does not verify signatures; this crate uses `pgp`;
//! - SOCKS5 proxies are not supported by the reqwest build used here.
//!
//! Secrets never appear in errors: URLs are redacted and transport messages are
//! scrubbed of passwords and tokens.

mod checkout;
mod cli;
mod commit;
mod error;
mod fetch;
mod options;
mod redact;
mod transport;
mod verify;
mod worktree;

pub use checkout::{checkout, remote_head, remote_head_with_timeout};
pub use commit::{AnnotatedTag, Commit, Signature, transform_revision};
pub use error::{Error, ErrorKind, Result};
pub use options::{
    AuthOptions, CheckoutOptions, DEFAULT_BRANCH, GitReference, ProxyOptions, Strategy, Transport,
};
pub use redact::redact_url;
pub use verify::{KeyId, verify_commit, verify_tag};
