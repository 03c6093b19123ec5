//! Removing credentials from URLs and messages before they reach errors or logs.

/// Replaces the userinfo of a URL (`https://user:pass@host/...`) with `***`.
/// Strings that are not URLs are returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let user = &authority[..at];
            // A bare user name (ssh://git@host) is not a secret; a password or token is.
            let shown = if user.contains(':') || user.len() > 32 {
                "***"
            } else {
                user
            };
            format!("{}{}@{}", &url[..scheme_end + 3], shown, &rest[at + 1..])
        }
        None => url.to_string(),
    }
}

/// Removes every occurrence of the given secrets from `message`, and redacts any
/// URL-looking userinfo.
pub(crate) fn redact_message(message: &str, secrets: &[String]) -> String {
    let mut out = message.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(secret, "***");
    }
    out.split(' ')
        .map(|word| {
            if word.contains("://") && word.contains('@') {
                redact_url(word)
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_and_tokens_but_keeps_ssh_user() {
        assert_eq!(
            redact_url("https://user:s3cret@example.com/org/repo.git"),
            "https://***@example.com/org/repo.git"
        );
        assert_eq!(
            redact_url("ssh://git@example.com:22/org/repo"),
            "ssh://git@example.com:22/org/repo"
        );
        assert_eq!(
            redact_url("https://example.com/a@b"),
            "https://example.com/a@b"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn redacts_secrets_in_messages() {
        let msg = "failed for https://u:tok@h/r with token tok123";
        let out = redact_message(msg, &["tok123".to_string()]);
        assert!(!out.contains("tok123"), "{out}");
        assert!(out.contains("https://***@h/r"), "{out}");
    }
}
