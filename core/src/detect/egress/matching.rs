//! Matching a URL against declared egress entries: host patterns and path prefixes.

use super::NormalizedUrl;
use crate::detect::text::ends_with_ci;

/// Host pattern match: exact (ASCII case-insensitive, one trailing dot ignored), or
/// `*.domain`, which matches any name below `domain` at a dot boundary:
/// `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`
/// nor `badexample.com`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let p = pattern.strip_suffix('.').filter(|p| !p.is_empty()).unwrap_or(pattern);
    let h = host.strip_suffix('.').filter(|h| !h.is_empty()).unwrap_or(host);
    match p.strip_prefix("*.") {
        Some(domain) => {
            h.len() > domain.len() + 1
                && ends_with_ci(h, domain)
                && h.as_bytes().get(h.len() - domain.len() - 1) == Some(&b'.')
        }
        None => !p.is_empty() && p.eq_ignore_ascii_case(h),
    }
}

/// Whether `prefix` is a path prefix of `path` at a segment boundary: `/v1` covers
/// `/v1` and `/v1/x`, not `/v10`; an empty or `/` prefix covers everything.
pub fn path_prefix_matches(prefix: &str, path: &str) -> bool {
    if prefix.is_empty() || prefix == "/" {
        return true;
    }
    path.starts_with(prefix)
        && (prefix.ends_with('/') || path.len() == prefix.len() || path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// Index of the first declared entry that allows `url`: same scheme, same effective
/// port, host equal (or matched by a declared `*.domain`), and the entry's path a
/// prefix of the URL's path at a segment boundary. Query and fragment are ignored.
/// URLs without a host never match. Callers decide separately what the URL's
/// [`NormalizedUrl::issues`] mean (credentials, encoded separators, ...).
pub fn match_declared(declared: &[NormalizedUrl], url: &NormalizedUrl) -> Option<usize> {
    let host = url.host();
    if host.is_empty() {
        return None;
    }
    let (scheme, path) = (url.scheme(), url.path());
    declared.iter().position(|d| {
        let d_host = d.host();
        d.port == url.port
            && !d_host.is_empty()
            && host_matches(d_host, host)
            && d.scheme() == scheme
            && path_prefix_matches(d.path(), path)
    })
}
