//! Listing remote refs and fetching the objects for one ref with gix.

use std::num::NonZeroU32;

use gix::bstr::ByteSlice;
use gix::remote::fetch::Shallow;

use crate::error::{Error, Result};
use crate::transport::Session;

/// One advertised ref: its name, the object it points to and, for annotated tags,
/// the commit the tag peels to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteRef {
    pub name: String,
    pub target: String,
    pub peeled: Option<String>,
}

impl RemoteRef {
    /// The commit (or other object) the ref ultimately points to.
    pub fn commit(&self) -> &str {
        self.peeled.as_deref().unwrap_or(&self.target)
    }
}

fn to_remote_refs(refs: &[gix::protocol::handshake::Ref]) -> Vec<RemoteRef> {
    refs.iter()
        .filter_map(|r| {
            let (name, target, peeled) = r.unpack();
            Some(RemoteRef {
                name: name.to_str_lossy().into_owned(),
                target: target?.to_hex().to_string(),
                peeled: peeled.map(|p| p.to_hex().to_string()),
            })
        })
        .collect()
}

/// Lists the remote refs matching `pattern` (a ref name or a `refs/tags/*` glob), with
/// an ls-refs request and no object transfer.
pub(crate) fn list_refs(session: &Session, pattern: &str, what: &str) -> Result<Vec<RemoteRef>> {
    let _timer = session.start_timer();
    let spec = if pattern.ends_with('*') {
        format!("{pattern}:{pattern}")
    } else {
        pattern.to_string()
    };
    let remote = session.remote(&[spec])?;
    let conn = session.connect(&remote)?;
    let (ref_map, _handshake) = conn
        .ref_map(gix::progress::Discard, Default::default())
        .map_err(|e| session.classify(&e, what))?;
    let refs = to_remote_refs(&ref_map.remote_refs);
    let exact = !pattern.ends_with('*');
    Ok(refs
        .into_iter()
        .filter(|r| {
            if exact {
                r.name == pattern
            } else {
                r.name.starts_with(pattern.trim_end_matches('*'))
            }
        })
        .collect())
}

/// What a fetch brought in.
pub(crate) enum Fetched {
    /// The remote ref still points at the last observed commit; nothing was fetched.
    Unchanged(RemoteRef),
    /// The ref was fetched.
    Fetched(RemoteRef),
}

/// Fetches `remote_ref` (a full ref name, stored locally under the same name), with
/// depth 1 when `shallow`. When `unchanged` returns true for the advertised ref, the
/// connection is closed before any object is transferred.
pub(crate) fn fetch_ref(
    session: &Session,
    remote_ref: &str,
    shallow: bool,
    what: &str,
    unchanged: impl Fn(&RemoteRef) -> bool,
) -> Result<Fetched> {
    let _timer = session.start_timer();
    let spec = format!("+{remote_ref}:{remote_ref}");
    let remote = session.remote(std::slice::from_ref(&spec))?;
    let conn = session.connect(&remote)?;
    let prepare = conn
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(|e| session.classify(&e, what))?;
    let advertised = to_remote_refs(&prepare.ref_map().remote_refs)
        .into_iter()
        .find(|r| r.name == remote_ref)
        .ok_or_else(|| Error::NotFound {
            url: session.redacted_url.clone(),
            what: what.to_string(),
        })?;
    if unchanged(&advertised) {
        return Ok(Fetched::Unchanged(advertised));
    }
    let prepare = if shallow {
        prepare.with_shallow(Shallow::DepthAtRemote(NonZeroU32::MIN))
    } else {
        prepare
    };
    prepare
        .receive(gix::progress::Discard, session.interrupt())
        .map_err(|e| session.classify(&e, what))?;
    Ok(Fetched::Fetched(advertised))
}

/// Fetches the full history of all branches (`refs/heads/*`), or of one branch.
pub(crate) fn fetch_branches(session: &Session, branch: Option<&str>) -> Result<()> {
    let _timer = session.start_timer();
    let (spec, what) = match branch {
        Some(b) => (
            format!("+refs/heads/{b}:refs/heads/{b}"),
            format!("branch '{b}'"),
        ),
        None => (
            "+refs/heads/*:refs/heads/*".to_string(),
            "branches".to_string(),
        ),
    };
    let remote = session.remote(std::slice::from_ref(&spec))?;
    let conn = session.connect(&remote)?;
    let prepare = conn
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(|e| session.classify(&e, &what))?;
    if prepare.ref_map().mappings.is_empty() {
        return Err(Error::NotFound {
            url: session.redacted_url.clone(),
            what,
        });
    }
    prepare
        .receive(gix::progress::Discard, session.interrupt())
        .map_err(|e| session.classify(&e, &what))?;
    Ok(())
}
