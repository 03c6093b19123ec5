//! Recognising HTTP status codes in error messages of clients that only give text.

/// True when `code` (e.g. "401") stands in `message` as a status code, not inside a port, an
/// address or a hash: `127.0.0.1:40401` and `sha256-…4010…` do not contain status 401.
pub fn has_status_code(message: &str, code: &str) -> bool {
    let bytes = message.as_bytes();
    message.match_indices(code).any(|(i, _)| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + code.len()).copied();
        !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'.')
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_not_matched_inside_ports_addresses_or_hashes() {
        assert!(has_status_code("server replied 401 Unauthorized", "401"));
        assert!(has_status_code("(403)", "403"));
        assert!(has_status_code("code: 401, message", "401"));
        assert!(!has_status_code(
            "url http://127.0.0.1:40401/v2/signed/app/manifests/x.sig: manifest unknown",
            "401"
        ));
        assert!(!has_status_code("http://127.0.0.1:8401/repo", "401"));
        assert!(!has_status_code("sha256-4013e0", "401"));
        assert!(!has_status_code("10.0.0.403", "403"));
        assert!(!has_status_code(
            "https://127.0.0.1:44031/org/repo.git",
            "403"
        ));
    }
}
