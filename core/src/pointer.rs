//! RFC 6901 JSON pointers: the one place microgov escapes and unescapes them.
//!
//! Every path microgov reports (a manifest problem, a detector finding, a
//! canonical-JSON error, a violation) is a JSON pointer into the document as
//! the user wrote it. A reference token escapes `~` as `~0` and `/` as `~1`.

/// Appends `/` and one reference token to `out`, escaped as RFC 6901 requires.
pub fn push_token(out: &mut String, token: &str) {
    out.push('/');
    push_escaped(out, token);
}

/// Appends one reference token to `out`, escaped, without the leading `/`.
pub fn push_escaped(out: &mut String, token: &str) {
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Appends `/` and an array index to `out`.
pub fn push_index(out: &mut String, index: usize) {
    use std::fmt::Write;
    out.push('/');
    // Writing to a String cannot fail.
    let _ = write!(out, "{index}");
}

/// `base` followed by one escaped reference token.
pub fn join(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    push_token(&mut out, token);
    out
}

/// One reference token, escaped.
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// One reference token with its escapes undone (`~1` → `/`, then `~0` → `~`, in that
/// order, as RFC 6901 section 4 requires).
pub fn unescape(token: &str) -> String {
    if !token.contains('~') {
        return token.to_string();
    }
    token.replace("~1", "/").replace("~0", "~")
}

/// The last reference token of `pointer`, unescaped (`""` for the whole document).
pub fn last_token(pointer: &str) -> String {
    match pointer.rsplit_once('/') {
        Some((_, last)) => unescape(last),
        None => unescape(pointer),
    }
}

/// The reference tokens of `pointer`, unescaped. `""` is the whole document (no token);
/// a pointer that does not start with `/` is read as if it did.
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer.strip_prefix('/').unwrap_or(pointer).split('/').map(unescape).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_escaped_and_unescaped_as_rfc_6901_says() {
        assert_eq!(join("/spec", "a/b~c"), "/spec/a~1b~0c");
        assert_eq!(escape("plain"), "plain");
        // `~01` is the token `~1`, not `/`: unescape `~1` first, then `~0`.
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
        assert_eq!(last_token("/spec/a~1b"), "a/b");
        assert_eq!(tokens("/spec/connectors/0/a~1b"), vec!["spec", "connectors", "0", "a/b"]);
        assert!(tokens("").is_empty());
        assert_eq!(tokens("/"), vec![""]);
        let mut p = String::new();
        push_token(&mut p, "spec");
        push_index(&mut p, 3);
        assert_eq!(p, "/spec/3");
    }
}
