//! Reading a record line that the scan has already verified, without parsing it into a tree.
//!
//! The line is canonical JSON (no whitespace, strings escaped only where JSON must), so a
//! value's bytes are themselves valid JSON, and a string's escaped content can be copied into
//! another JSON document as it is. Export reads members as such slices and copies them: no
//! allocation, no unescaping and re-escaping. Every function is total: on bytes that are not
//! what it expects it returns what it has (a shorter slice, `None`), never panics.

/// End (exclusive) of the string whose opening quote is at `i`.
fn skip_str(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(&c) = b.get(j) {
        match c {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
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
    Members { s: obj, i: 1, open: obj.starts_with('{') }
}

pub(crate) struct Members<'a> {
    s: &'a str,
    i: usize,
    open: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        if !self.open || b.get(self.i) != Some(&b'"') {
            return None;
        }
        let key_end = skip_str(b, self.i);
        let key = self.s.get(self.i + 1..key_end.saturating_sub(1))?;
        let start = key_end + 1; // the ':'
        let end = skip(b, start);
        let value = self.s.get(start..end)?;
        self.i = if b.get(end) == Some(&b',') { end + 1 } else { b.len() };
        Some((key, value))
    }
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
    }
}
