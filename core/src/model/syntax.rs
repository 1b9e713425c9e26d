//! Syntax of the strings a manifest holds: e-mail addresses, DNS labels and
//! the host of a plainly written URL.

/// Whether `s` looks like an e-mail address: one `@`, a non-empty local
/// part, a domain with a dot, no spaces.
pub(crate) fn is_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Whether `name` is an RFC 1123 DNS label (lowercase letters, digits, `-`, at most 63).
pub fn is_dns_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// The host of an `http(s)` URL written plainly — the scheme, `//`, letters,
/// digits, `-` and `.` in non-empty labels, an optional port, then `/`, `?`,
/// `#` or the end — lowercased: exactly what a WHATWG parser gives for it
/// (a test checks that on generated URLs). `None` for anything else, which
/// the caller hands to the full parser: credentials, percent signs, spaces
/// or controls anywhere, backslashes, IP addresses (a last label starting
/// with a digit), punycode, extra slashes. Saves that parser on the common
/// case: it was an eighth of validating a manifest.
pub(crate) fn plain_host(url: &str) -> Option<String> {
    if url.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return None;
    }
    let starts = |prefix: &str| url.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    let rest = if starts("https://") {
        &url[8..]
    } else if starts("http://") {
        &url[7..]
    } else {
        return None;
    };
    let authority = &rest[..rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\')).unwrap_or(rest.len())];
    if rest[authority.len()..].starts_with('\\') {
        return None;
    }
    let host = match authority.split_once(':') {
        Some((host, port)) => {
            if port.is_empty()
                || port.len() > 5
                || !port.bytes().all(|b| b.is_ascii_digit())
                || port.parse::<u32>().ok()? > 65_535
            {
                return None;
            }
            host
        }
        None => authority,
    };
    let mut labels = host.split('.');
    let last = labels.next_back()?;
    let plain = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    };
    if !plain(last) || last.as_bytes()[0].is_ascii_digit() || !labels.all(plain) {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::plain_host;
    use proptest::prelude::*;

    #[test]
    fn plain_hosts_are_read_without_the_parser() {
        assert_eq!(
            plain_host("https://svc0.Internal.acme.example/x?y#z").as_deref(),
            Some("svc0.internal.acme.example")
        );
        assert_eq!(plain_host("HTTP://db-1.corp:5432").as_deref(), Some("db-1.corp"));
        assert_eq!(plain_host("https://hrdb").as_deref(), Some("hrdb"));
        for tricky in [
            "https://user@evil.example",
            "https://evil.example\\@good.example",
            "https:///evil.example",
            "https://127.0.0.1/",
            "https://0x7f.1/",
            "https://a.0x7f/",
            "https://xn--nxasmq6b.example/",
            "https://ev%69l.example/",
            "https://evil.example\t/",
            "https://a..b/",
            "https://a.b.:443/",
            "https://[::1]/",
            "https://a.example:99999/",
            "ftp://a.example/",
        ] {
            assert_eq!(plain_host(tricky), None, "{tricky}");
        }
    }

    proptest! {
        /// Whenever the shortcut answers, it answers what the WHATWG parser does.
        #[test]
        fn plain_host_agrees_with_the_url_parser(scheme in "(?i)(https?|ftp|wss)", tail in "[a-zA-Z0-9.:@/\\\\?#%\\[\\] \t-]{0,24}") {
            agrees(&format!("{scheme}://{tail}"))?;
        }

        /// The same on URLs shaped like hosts, so that most take the shortcut.
        #[test]
        fn plain_host_agrees_on_host_like_urls(
            scheme in "(?i)(https?|wss)",
            host in "([a-zA-Z0-9-]{1,5}[.]){0,3}[a-zA-Z0-9-]{1,6}[.]?",
            port in "(:[0-9]{0,6})?",
            tail in "([/?#\\\\@%:.][a-zA-Z0-9.:@/?#%]{0,8})?",
        ) {
            agrees(&format!("{scheme}://{host}{port}{tail}"))?;
        }
    }

    fn agrees(url: &str) -> Result<(), TestCaseError> {
        if let Some(host) = plain_host(url) {
            let parsed = url::Url::parse(url).map_err(|e| TestCaseError::fail(format!("{url}: {e}")))?;
            prop_assert_eq!(Some(host.as_str()), parsed.host_str(), "{}", url);
        }
        Ok(())
    }
}
