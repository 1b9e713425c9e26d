//! Reading a record line that the scan has already verified, without parsing it into a tree.
//!
//! The line is canonical JSON (no whitespace, strings escaped only where JSON must), so a
//! value's bytes are themselves valid JSON, and a string's escaped content can be copied into
//! another JSON document as it is. Export reads members as such slices and copies them: no
//! allocation, no unescaping and re-escaping. Every function is total: on bytes that are not
//! what it expects it returns what it has (a shorter slice, `None`), never panics.

use crate::canonical::next_special;

/// End (exclusive) of the string whose opening quote is at `i`.
fn skip_str(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    loop {
        // Eight bytes at a time to the next quote, backslash or control character.
        j = next_special(b, j);
        match b.get(j) {
            Some(b'\\') => j += 2,
            Some(b'"') => return j + 1,
            Some(_) => j += 1,
            None => return b.len(),
        }
    }
}

/// End (exclusive) of the value starting at `i`.
fn skip(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_str(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = skip_str(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while let Some(&c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']') {
                    break;
                }
                j += 1;
            }
            j
        }
    }
}

/// The members of an object (`{...}`): name (escaped content) and value (its JSON bytes).
pub(crate) fn members(obj: &str) -> Members<'_> {
    members_at(obj, 0)
}

/// The members of the object that starts at byte `at` of `s` (and may be followed by more
/// text); once they are read, [`Members::end`] is where the object ends.
pub(crate) fn members_at(s: &str, at: usize) -> Members<'_> {
    let open = s.as_bytes().get(at) == Some(&b'{');
    Members { s, i: at + 1, open, end: at }
}

pub(crate) struct Members<'a> {
    s: &'a str,
    i: usize,
    open: bool,
    end: usize,
}

impl<'a> Members<'a> {
    /// After the last member: the byte after the object's closing brace.
    pub(crate) fn end(&self) -> usize {
        self.end
    }

    /// The next member's name and where its value starts; the caller reads the value and
    /// hands its end to [`Members::advance`].
    pub(crate) fn next_key(&mut self) -> Option<(&'a str, usize)> {
        let b = self.s.as_bytes();
        if !self.open {
            return None;
        }
        if b.get(self.i) != Some(&b'"') {
            self.open = false;
            self.end = self.i + 1;
            return None;
        }
        let key_end = skip_str(b, self.i);
        let key = self.s.get(self.i + 1..key_end.saturating_sub(1))?;
        Some((key, key_end + 1))
    }

    /// Moves past a value that ends at `end`.
    pub(crate) fn advance(&mut self, end: usize) {
        let b = self.s.as_bytes();
        if b.get(end) == Some(&b',') {
            self.i = end + 1;
        } else {
            self.open = false;
            self.end = end + 1;
        }
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let (key, start) = self.next_key()?;
        let end = skip(self.s.as_bytes(), start);
        let value = self.s.get(start..end)?;
        self.advance(end);
        Some((key, value))
    }
}

/// End (exclusive) of the value starting at byte `at` of `s`.
pub(crate) fn value_end(s: &str, at: usize) -> usize {
    skip(s.as_bytes(), at)
}

/// The elements of an array (`[...]`), each as its JSON bytes.
pub(crate) fn elements(arr: &str) -> Elements<'_> {
    let empty = arr.starts_with("[]") || !arr.starts_with('[');
    Elements { s: arr, i: if empty { arr.len() } else { 1 } }
}

pub(crate) struct Elements<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        if self.i >= b.len() {
            return None;
        }
        let end = skip(b, self.i);
        let value = self.s.get(self.i..end)?;
        self.i = if b.get(end) == Some(&b',') { end + 1 } else { b.len() };
        Some(value)
    }
}

/// A string value's escaped content (between its quotes).
pub(crate) fn as_str(value: &str) -> Option<&str> {
    value.strip_prefix('"')?.strip_suffix('"')
}

/// The value of member `name` of an object.
pub(crate) fn member<'a>(obj: &'a str, name: &str) -> Option<&'a str> {
    members(obj).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// The escaped content of string member `name`.
pub(crate) fn str_member<'a>(obj: &'a str, name: &str) -> Option<&'a str> {
    member(obj, name).and_then(as_str)
}

/// Whether a value is an integer (its bytes are then its canonical decimal form).
pub(crate) fn is_int(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_elements_of_canonical_json() {
        let obj = r#"{"a":[1,{"b":"x\"}"}],"c":"\\","d":{},"e":-3,"f":null}"#;
        let m: Vec<(&str, &str)> = members(obj).collect();
        assert_eq!(m, vec![("a", r#"[1,{"b":"x\"}"}]"#), ("c", r#""\\""#), ("d", "{}"), ("e", "-3"), ("f", "null")]);
        let e: Vec<&str> = elements(m[0].1).collect();
        assert_eq!(e, vec!["1", r#"{"b":"x\"}"}"#]);
        assert_eq!(str_member(e[1], "b"), Some(r#"x\"}"#));
        assert_eq!(elements("[]").count(), 0);
        assert_eq!(members("{}").count(), 0);
        assert!(is_int("-3") && !is_int("null") && !is_int("-"));
        // Not what was expected: nothing, no panic.
        assert_eq!(members("[1]").count(), 0);
        assert_eq!(elements(r#"["unterminated"#).count(), 1);
        assert_eq!(as_str("1"), None);
        // An object inside a longer text: where it ends.
        let text = r#"{"x":{"a":"}","b":[{}]},"y":1}"#;
        let mut it = members_at(text, 5);
        assert_eq!(it.by_ref().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(&text[5..it.end()], r#"{"a":"}","b":[{}]}"#);
        let mut empty = members_at("{}", 0);
        assert!(empty.next().is_none());
        assert_eq!(empty.end(), 2);
    }
}
