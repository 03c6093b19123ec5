//! The checked-out commit, its Flux revision string, and the raw data needed to
//! verify PGP signatures on it and on the tag that points to it.

/// Who made a commit or tag, and when (seconds since the epoch and UTC offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// Offset from UTC as written in the object, e.g. `+0200`.
    pub offset: String,
}

/// An annotated tag that points at the checked-out commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedTag {
    /// The tag object's hex id.
    pub hash: String,
    /// The tag name.
    pub name: String,
    /// The tagger.
    pub tagger: Option<Signature>,
    /// The message, without the signature.
    pub message: String,
    /// The ASCII-armored signature, if the tag is signed.
    pub signature: Option<String>,
    /// The tag object without its signature: the data that was signed.
    pub encoded: Vec<u8>,
}

impl AnnotatedTag {
    /// `<name>@<hash>`, as Flux prints tags in verification messages.
    pub fn display(&self) -> String {
        format!("{}@{}", self.name, self.hash)
    }

    /// Parses a raw tag object.
    pub fn from_raw(hash: &str, raw: &[u8]) -> Self {
        let (headers, body) = split_headers(raw);
        let name = header_value(headers, b"tag").unwrap_or_default();
        let tagger = header_value(headers, b"tagger").and_then(|v| parse_signature(&v));
        let (message, signature, encoded) = match find_signature_start(body) {
            Some(pos) => {
                let header_len = raw.len() - body.len();
                (
                    String::from_utf8_lossy(&body[..pos]).into_owned(),
                    Some(String::from_utf8_lossy(&body[pos..]).into_owned()),
                    raw[..header_len + pos].to_vec(),
                )
            }
            None => (
                String::from_utf8_lossy(body).into_owned(),
                None,
                raw.to_vec(),
            ),
        };
        AnnotatedTag {
            hash: hash.to_string(),
            name,
            tagger,
            message,
            signature,
            encoded,
        }
    }
}

/// The commit a checkout resolved to.
///
/// A *partial* commit (see [`Commit::is_concrete`]) is returned when the remote ref
/// still points at the last observed revision and nothing was downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The commit's hex id.
    pub hash: String,
    /// The full reference it was resolved from (`refs/heads/main`, `refs/tags/v1.0.0`,
    /// `refs/pull/1/head`), empty for a bare commit ref.
    pub reference: String,
    /// True when the revision names the full reference (`spec.ref.name`).
    pub full_ref_revision: bool,
    /// The author.
    pub author: Option<Signature>,
    /// The committer.
    pub committer: Option<Signature>,
    /// The commit message.
    pub message: String,
    /// The ASCII-armored `gpgsig` signature, if the commit is signed.
    pub signature: Option<String>,
    /// The commit object without its `gpgsig` header: the data that was signed.
    pub encoded: Vec<u8>,
    /// The annotated tag the commit was checked out through, if any.
    pub referencing_tag: Option<AnnotatedTag>,
}

impl Commit {
    /// A partial commit: only hash and reference are known.
    pub fn partial(hash: &str, reference: &str, full_ref_revision: bool) -> Self {
        Commit {
            hash: hash.to_string(),
            reference: reference.to_string(),
            full_ref_revision,
            author: None,
            committer: None,
            message: String::new(),
            signature: None,
            encoded: Vec::new(),
            referencing_tag: None,
        }
    }

    /// Parses a raw commit object read from the repository.
    pub fn from_raw(hash: &str, reference: &str, full_ref_revision: bool, raw: &[u8]) -> Self {
        let (payload, signature) = split_commit_signature(raw);
        let (headers, body) = split_headers(raw);
        Commit {
            hash: hash.to_string(),
            reference: reference.to_string(),
            full_ref_revision,
            author: header_value(headers, b"author").and_then(|v| parse_signature(&v)),
            committer: header_value(headers, b"committer").and_then(|v| parse_signature(&v)),
            message: String::from_utf8_lossy(body).into_owned(),
            signature,
            encoded: payload,
            referencing_tag: None,
        }
    }

    /// True when the commit was read from the repository (not a partial commit).
    pub fn is_concrete(&self) -> bool {
        !self.encoded.is_empty()
    }

    /// `sha1:<hex>` (Flux's `Hash.Digest()`).
    pub fn digest(&self) -> String {
        let algo = if self.hash.len() == 40 {
            "sha1"
        } else {
            "sha256"
        };
        format!("{algo}:{}", self.hash)
    }

    /// Flux's artifact revision: `<short ref>@sha1:<hex>` for branches and tags
    /// (`main@sha1:…`, `v1.2.3@sha1:…`, `feature/x@sha1:…`), `<full ref>@sha1:<hex>` for
    /// `spec.ref.name` (`refs/pull/1/head@sha1:…`) and `sha1:<hex>` for a bare commit.
    pub fn revision(&self) -> String {
        if self.reference.is_empty() {
            return self.digest();
        }
        if self.full_ref_revision {
            return format!("{}@{}", self.reference, self.digest());
        }
        // Flux's Commit.String(): everything after the second '/'.
        let mut parts = self.reference.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(_), Some(_), Some(short)) => format!("{short}@{}", self.digest()),
            _ => self.digest(),
        }
    }

    /// The first line of the message, cut at 50 characters with `...` (Flux's
    /// `ShortMessage`, used in `NewArtifact` events).
    pub fn short_message(&self) -> String {
        let subject = self.message.lines().next().unwrap_or_default();
        if subject.chars().count() > 50 {
            format!("{}...", subject.chars().take(50).collect::<String>())
        } else {
            subject.to_string()
        }
    }
}

/// Converts the pre-v1 revision format `main/<sha>` to `main@sha1:<sha>`, as Flux's
/// `TransformRevision` does; other strings are returned unchanged.
pub fn transform_revision(revision: &str) -> String {
    if revision.is_empty() || revision.contains('@') || revision.starts_with("sha1:") {
        return revision.to_string();
    }
    if let Some((r, sha)) = revision.rsplit_once('/')
        && sha.len() == 40
        && sha.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return format!("{r}@sha1:{sha}");
    }
    revision.to_string()
}

fn split_headers(raw: &[u8]) -> (&[u8], &[u8]) {
    match raw.windows(2).position(|w| w == b"\n\n") {
        Some(pos) => (&raw[..pos + 1], &raw[pos + 2..]),
        None => (raw, &[]),
    }
}

/// The value of the first header named `key` (single-line headers only).
fn header_value(headers: &[u8], key: &[u8]) -> Option<String> {
    headers.split(|b| *b == b'\n').find_map(|line| {
        line.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(b" "))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    })
}

/// Parses `Name <email> 1633681364 +0300`.
fn parse_signature(value: &str) -> Option<Signature> {
    let open = value.rfind('<')?;
    let close = value.rfind('>')?;
    if close < open {
        return None;
    }
    let name = value[..open].trim().to_string();
    let email = value[open + 1..close].to_string();
    let mut rest = value[close + 1..].split_whitespace();
    let time = rest.next()?.parse().ok()?;
    let offset = rest.next().unwrap_or("+0000").to_string();
    Some(Signature {
        name,
        email,
        time,
        offset,
    })
}

/// Splits a raw commit into the signed payload (without the `gpgsig` header and its
/// continuation lines) and the signature, the way `git verify-commit` does.
fn split_commit_signature(raw: &[u8]) -> (Vec<u8>, Option<String>) {
    let (headers, _) = split_headers(raw);
    let header_len = headers.len();
    let mut payload = Vec::with_capacity(raw.len());
    let mut signature: Option<Vec<u8>> = None;
    let mut in_sig = false;
    for line in headers.split_inclusive(|b| *b == b'\n') {
        if in_sig {
            if let Some(cont) = line.strip_prefix(b" ") {
                if let Some(sig) = signature.as_mut() {
                    sig.extend_from_slice(cont);
                }
                continue;
            }
            in_sig = false;
        }
        if let Some(value) = line.strip_prefix(b"gpgsig ")
            && signature.is_none()
        {
            signature = Some(value.to_vec());
            in_sig = true;
            continue;
        }
        payload.extend_from_slice(line);
    }
    payload.extend_from_slice(&raw[header_len..]);
    let signature = signature.map(|s| {
        String::from_utf8_lossy(&s)
            .trim_end_matches('\n')
            .to_string()
    });
    (payload, signature)
}

fn find_signature_start(body: &[u8]) -> Option<usize> {
    const MARKERS: [&[u8]; 2] = [
        b"-----BEGIN PGP SIGNATURE-----",
        b"-----BEGIN SSH SIGNATURE-----",
    ];
    let mut offset = 0;
    for line in body.split_inclusive(|b| *b == b'\n') {
        if MARKERS.iter().any(|m| line.starts_with(m)) {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "5394cb7f48332b2de7c17dd8b8384bbc84b7e738";

    #[test]
    fn revision_strings_match_flux() {
        let c = |r: &str, full: bool| Commit::partial(HASH, r, full).revision();
        assert_eq!(c("refs/heads/main", false), format!("main@sha1:{HASH}"));
        assert_eq!(
            c("refs/heads/feature/branch", false),
            format!("feature/branch@sha1:{HASH}")
        );
        assert_eq!(c("refs/tags/v1.2.3", false), format!("v1.2.3@sha1:{HASH}"));
        assert_eq!(
            c("refs/pull/1/head", true),
            format!("refs/pull/1/head@sha1:{HASH}")
        );
        assert_eq!(c("", false), format!("sha1:{HASH}"));
    }

    #[test]
    fn legacy_revisions_are_transformed() {
        assert_eq!(
            transform_revision(&format!("main/{HASH}")),
            format!("main@sha1:{HASH}")
        );
        let modern = format!("main@sha1:{HASH}");
        assert_eq!(transform_revision(&modern), modern);
        assert_eq!(transform_revision(""), "");
    }

    #[test]
    fn signed_commit_is_split_into_payload_and_signature() {
        let raw = b"tree f0c5\nparent eb16\nauthor A U <a@x> 1633681364 +0300\ncommitter C <c@x> 1633681365 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iHUEABEIAB0W\n =+Wlj\n -----END PGP SIGNATURE-----\n\nSubject line\n\nBody\n";
        let c = Commit::from_raw(HASH, "refs/heads/main", false, raw);
        assert_eq!(
            String::from_utf8(c.encoded.clone()).unwrap(),
            "tree f0c5\nparent eb16\nauthor A U <a@x> 1633681364 +0300\ncommitter C <c@x> 1633681365 +0000\n\nSubject line\n\nBody\n"
        );
        assert_eq!(
            c.signature.as_deref(),
            Some(
                "-----BEGIN PGP SIGNATURE-----\n\niHUEABEIAB0W\n=+Wlj\n-----END PGP SIGNATURE-----"
            )
        );
        let author = c.author.as_ref().unwrap();
        assert_eq!(
            (author.name.as_str(), author.email.as_str(), author.time),
            ("A U", "a@x", 1633681364)
        );
        assert_eq!(c.message, "Subject line\n\nBody\n");
        assert_eq!(c.short_message(), "Subject line");
        assert!(c.is_concrete());
    }

    #[test]
    fn signed_tag_is_split_into_payload_and_signature() {
        let raw = b"object 5394\ntype commit\ntag v1.0.0\ntagger T <t@x> 1 +0000\n\nrelease\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
        let t = AnnotatedTag::from_raw("ab12", raw);
        assert_eq!(t.name, "v1.0.0");
        assert_eq!(t.message, "release\n");
        assert_eq!(
            String::from_utf8(t.encoded.clone()).unwrap(),
            "object 5394\ntype commit\ntag v1.0.0\ntagger T <t@x> 1 +0000\n\nrelease\n"
        );
        assert_eq!(t.display(), "v1.0.0@ab12");
        assert!(
            t.signature
                .unwrap()
                .starts_with("-----BEGIN PGP SIGNATURE-----")
        );
    }
}
