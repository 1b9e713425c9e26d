//! RFC 8785 (JSON Canonicalization Scheme) for the subset of JSON that audit records use.
//!
//! The subset keeps canonical forms trivially portable: strings, booleans, `null`, arrays,
//! objects and integers within ±(2^53−1). Floats are refused because their JCS form depends on
//! ECMAScript number formatting, which few languages reproduce exactly; larger integers are
//! refused because JavaScript cannot represent them.
//!
//! `serde_json::Value` cannot be used to *check* a line: it silently keeps the last of two
//! duplicate keys and cannot represent a lone surrogate escape. So lines are read with the
//! strict parser below, which reports those cases, and also tells whether the bytes already are
//! their own canonical form (no whitespace, members sorted by UTF-16 code units, shortest
//! escapes, shortest integers). Checking canonicity while parsing avoids re-serializing every
//! line, which matters for the verifier's throughput.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use super::AuditError;

/// Largest integer magnitude allowed in audit JSON (2^53 − 1, JavaScript's safe integer).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// Deepest nesting of arrays and objects accepted (the record object itself is level 1).
/// Bounds recursion on untrusted input.
pub const MAX_DEPTH: usize = 64;

/// A parsed JSON value, borrowing strings from the input where they contained no escape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Str(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// The class of a parse failure, in the order of precedence they are reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fault {
    /// Not UTF-8, not JSON, or nested too deep.
    Syntax,
    /// Valid JSON outside the subset: float, big integer, lone surrogate.
    Value,
    /// An object repeats a member name.
    DuplicateKey,
    /// Valid and in the subset, but not the canonical byte form.
    NonCanonical,
}

/// A parse failure with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub fault: Fault,
    pub offset: usize,
    pub reason: String,
}

impl ParseError {
    /// Turns the failure into the public error, `at` naming where the input came from.
    pub(crate) fn into_audit(self, at: &str) -> AuditError {
        let at = format!("{at} byte {}", self.offset);
        match self.fault {
            Fault::Syntax => AuditError::BadJson { at, reason: self.reason },
            Fault::Value => AuditError::BadValue { at, reason: self.reason },
            Fault::DuplicateKey => AuditError::DuplicateKey { key: self.reason, at },
            Fault::NonCanonical => AuditError::NonCanonical { at, reason: self.reason },
        }
    }
}

/// Parses one JSON text strictly. With `require_canonical`, bytes that are valid but not their
/// own canonical form fail with [`Fault::NonCanonical`].
///
/// The whole input is always parsed before a deferred fault (value, duplicate, non-canonical)
/// is reported, so that the reported class follows the precedence of [`Fault`] and does not
/// depend on where in the text each problem sits.
pub(crate) fn parse(input: &[u8], require_canonical: bool) -> Result<Node<'_>, ParseError> {
    let s = std::str::from_utf8(input).map_err(|e| ParseError {
        fault: Fault::Syntax,
        offset: e.valid_up_to(),
        reason: "invalid utf-8".into(),
    })?;
    let mut p = Parser { s, b: input, i: 0, value_err: None, dup_err: None, noncanon: None };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(p.syntax("trailing characters after the json value"));
    }
    if let Some(e) = p.value_err {
        return Err(e);
    }
    if let Some(e) = p.dup_err {
        return Err(e);
    }
    if require_canonical {
        if let Some(e) = p.noncanon {
            return Err(e);
        }
    }
    Ok(node)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    value_err: Option<ParseError>,
    dup_err: Option<ParseError>,
    noncanon: Option<ParseError>,
}

impl<'a> Parser<'a> {
    fn syntax(&self, reason: &str) -> ParseError {
        ParseError { fault: Fault::Syntax, offset: self.i, reason: reason.to_string() }
    }

    fn defer(slot: &mut Option<ParseError>, fault: Fault, offset: usize, reason: String) {
        if slot.is_none() {
            *slot = Some(ParseError { fault, offset, reason });
        }
    }

    fn noncanonical(&mut self, offset: usize, reason: &str) {
        Self::defer(&mut self.noncanon, Fault::NonCanonical, offset, reason.to_string());
    }

    fn bad_value(&mut self, offset: usize, reason: String) {
        Self::defer(&mut self.value_err, Fault::Value, offset, reason);
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.noncanonical(self.i, "whitespace outside strings");
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        match self.peek() {
            None => Err(self.syntax("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Node::Str(self.string()?)),
            Some(b't') => self.literal("true", Node::Bool(true)),
            Some(b'f') => self.literal("false", Node::Bool(false)),
            Some(b'n') => self.literal("null", Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.syntax("unexpected character")),
        }
    }

    fn literal(&mut self, word: &str, node: Node<'a>) -> Result<Node<'a>, ParseError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(node)
        } else {
            Err(self.syntax("invalid literal"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Node<'a>, ParseError> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let int_start = self.i;
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax("expected a digit")),
        }
        let int_end = self.i;
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.syntax("expected a digit after the decimal point"));
            }
            float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax("expected a digit in the exponent"));
            }
            float = true;
        }
        if float {
            self.bad_value(start, "floating-point numbers are not allowed".into());
            return Ok(Node::Int(0));
        }
        let digits = &self.b[int_start..int_end];
        let mut magnitude: i64 = 0;
        let mut in_range = digits.len() <= 16;
        if in_range {
            for d in digits {
                magnitude = magnitude * 10 + i64::from(d - b'0');
            }
            in_range = magnitude <= MAX_SAFE_INTEGER;
        }
        if !in_range {
            self.bad_value(start, "integer beyond ±(2^53−1)".into());
            return Ok(Node::Int(0));
        }
        if negative && magnitude == 0 {
            self.noncanonical(start, "negative zero");
        }
        Ok(Node::Int(if negative { -magnitude } else { magnitude }))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.b.get(at..at + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + (c as char).to_digit(16)?;
        }
        Some(v)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.i += 1; // opening quote
        let start = self.i;
        loop {
            match self.peek() {
                None => return Err(self.syntax("unterminated string")),
                Some(b'"') => {
                    let s = &self.s[start..self.i];
                    self.i += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(c) if c < 0x20 => return Err(self.syntax("control character in string")),
                Some(_) => self.i += 1,
            }
        }
        let mut out = String::from(&self.s[start..self.i]);
        loop {
            match self.peek() {
                None => return Err(self.syntax("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(c) if c < 0x20 => return Err(self.syntax("control character in string")),
                Some(_) => {
                    let run = self.i;
                    while let Some(c) = self.peek() {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.i += 1;
                    }
                    out.push_str(&self.s[run..self.i]);
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let at = self.i;
        self.i += 1; // backslash
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => {
                self.noncanonical(at, "unnecessary escape");
                '/'
            }
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let Some(cp) = self.hex4(self.i + 1) else {
                    return Err(self.syntax("invalid \\u escape"));
                };
                let raw_lower = self.b[self.i + 1..self.i + 5].iter().all(|c| !c.is_ascii_uppercase());
                self.i += 5;
                if (0xD800..0xDC00).contains(&cp) {
                    let low = if self.b.get(self.i..self.i + 2) == Some(b"\\u") {
                        self.hex4(self.i + 2).filter(|lo| (0xDC00..0xE000).contains(lo))
                    } else {
                        None
                    };
                    if let Some(lo) = low {
                        self.i += 6;
                        let ch = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        self.noncanonical(at, "unnecessary escape");
                        out.push(char::from_u32(ch).unwrap_or('\u{FFFD}'));
                    } else {
                        self.bad_value(at, format!("lone surrogate \\u{cp:04x}"));
                        out.push('\u{FFFD}');
                    }
                    return Ok(());
                }
                if (0xDC00..0xE000).contains(&cp) {
                    self.bad_value(at, format!("lone surrogate \\u{cp:04x}"));
                    out.push('\u{FFFD}');
                    return Ok(());
                }
                let short = matches!(cp, 0x08 | 0x09 | 0x0A | 0x0C | 0x0D);
                if cp >= 0x20 || short {
                    self.noncanonical(at, "unnecessary escape");
                } else if !raw_lower {
                    self.noncanonical(at, "escape not in lowercase hex");
                }
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                return Ok(());
            }
            _ => return Err(self.syntax("invalid escape")),
        };
        self.i += 1;
        out.push(c);
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.syntax("nesting deeper than 64 levels"));
        }
        self.i += 1;
        self.ws();
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Node::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(Node::Array(items));
                }
                _ => return Err(self.syntax("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.syntax("nesting deeper than 64 levels"));
        }
        let start = self.i;
        self.i += 1;
        self.ws();
        let mut members: Vec<(Cow<'a, str>, Node<'a>)> = Vec::new();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Node::Object(members));
        }
        let mut sorted = true;
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.syntax("expected a member name"));
            }
            let key_at = self.i;
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.syntax("expected ':'"));
            }
            self.i += 1;
            self.ws();
            let value = self.value(depth)?;
            if let Some((last, _)) = members.last() {
                if cmp_utf16(last, &key) != Ordering::Less {
                    sorted = false;
                    self.noncanonical(key_at, "members not in canonical order");
                }
            }
            members.push((key, value));
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.syntax("expected ',' or '}'")),
            }
        }
        if !sorted {
            let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_ref()).collect();
            keys.sort_unstable();
            if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
                let key = w[0].to_string();
                Self::defer(&mut self.dup_err, Fault::DuplicateKey, start, key);
            }
        }
        Ok(Node::Object(members))
    }
}

/// Orders strings by their UTF-16 code units, as RFC 8785 §3.2.3 sorts member names.
///
/// UTF-8 byte order equals code point order, which differs from UTF-16 order only between
/// supplementary characters (surrogate pairs, 0xD800..) and U+E000..U+FFFF, so the common
/// ASCII case is a byte comparison.
pub(crate) fn cmp_utf16(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let same = ab.iter().zip(bb).take_while(|(x, y)| x == y).count();
    match (ab.get(same), bb.get(same)) {
        (Some(&x), Some(&y)) if x < 0x80 || y < 0x80 => x.cmp(&y),
        (Some(_), Some(_)) => a.encode_utf16().cmp(b.encode_utf16()),
        _ => ab.len().cmp(&bb.len()),
    }
}

/// Whether any of the eight bytes of `x` is `"`, `\` or below 0x20: exactly the bytes a JSON
/// string must escape. SWAR (eight bytes per step), because strings are most of a record.
#[inline]
pub(crate) fn has_special_byte(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_20 = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    (has_zero(x ^ (ONES * u64::from(b'"'))) | has_zero(x ^ (ONES * u64::from(b'\\'))) | below_20) != 0
}

/// The index of the first byte at or after `i` that a JSON string must escape (or `b.len()`).
#[inline]
pub(crate) fn next_special(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if has_special_byte(u64::from_le_bytes(word)) {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// Writes a JSON string in RFC 8785 form: only `"`, `\` and C0 controls are escaped, with the
/// two-character forms where JSON has them and `\u00xx` (lowercase hex) otherwise.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let j = next_special(b, i);
        out.extend_from_slice(&b[i..j]);
        let Some(&c) = b.get(j) else { break };
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x0D => out.extend_from_slice(b"\\r"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 0xF)]);
            }
        }
        i = j + 1;
    }
    out.push(b'"');
}

/// Writes an integer in its shortest decimal form.
pub(crate) fn write_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[pos..]);
}

/// Writes a parsed node canonically.
pub(crate) fn write_node(out: &mut Vec<u8>, node: &Node<'_>) {
    match node {
        Node::Null => out.extend_from_slice(b"null"),
        Node::Bool(true) => out.extend_from_slice(b"true"),
        Node::Bool(false) => out.extend_from_slice(b"false"),
        Node::Int(n) => write_int(out, *n),
        Node::Str(s) => write_str(out, s),
        Node::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_node(out, item);
            }
            out.push(b']');
        }
        Node::Object(members) => {
            let mut sorted: Vec<&(Cow<'_, str>, Node<'_>)> = members.iter().collect();
            sorted.sort_by(|a, b| cmp_utf16(&a.0, &b.0));
            out.push(b'{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_node(out, v);
            }
            out.push(b'}');
        }
    }
}

/// Writes a `serde_json::Value` canonically, refusing what lies outside the subset. `path` is
/// the JSON pointer of `v`, used in errors.
pub(crate) fn write_value(out: &mut Vec<u8>, v: &Value, path: &mut String, depth: usize) -> Result<(), AuditError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => match n.as_i64() {
            Some(i) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i) => write_int(out, i),
            Some(_) => return Err(bad_value(path, "integer beyond ±(2^53−1)")),
            None if n.is_u64() => return Err(bad_value(path, "integer beyond ±(2^53−1)")),
            None => return Err(bad_value(path, "floating-point numbers are not allowed")),
        },
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(AuditError::BadJson { at: pointer(path), reason: "nesting deeper than 64 levels".into() });
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push('/');
                write_usize(path, i);
                write_value(out, item, path, depth + 1)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => write_map(out, map, path, depth)?,
    }
    Ok(())
}

/// Writes a JSON object canonically; see [`write_value`].
pub(crate) fn write_map(
    out: &mut Vec<u8>,
    map: &serde_json::Map<String, Value>,
    path: &mut String,
    depth: usize,
) -> Result<(), AuditError> {
    if depth >= MAX_DEPTH {
        return Err(AuditError::BadJson { at: pointer(path), reason: "nesting deeper than 64 levels".into() });
    }
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_by(|a, b| cmp_utf16(a.0, b.0));
    out.push(b'{');
    for (i, (k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        let len = path.len();
        path.push('/');
        // RFC 6901 escaping so that the pointer in an error is unambiguous (rarely needed, so
        // the common case does not allocate).
        if k.contains(['~', '/']) {
            path.push_str(&k.replace('~', "~0").replace('/', "~1"));
        } else {
            path.push_str(k);
        }
        write_value(out, v, path, depth + 1)?;
        path.truncate(len);
    }
    out.push(b'}');
    Ok(())
}

fn write_usize(out: &mut String, n: usize) {
    use std::fmt::Write as _;
    let _ = write!(out, "{n}");
}

fn pointer(path: &str) -> String {
    if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    }
}

fn bad_value(path: &str, reason: &str) -> AuditError {
    AuditError::BadValue { at: pointer(path), reason: reason.to_string() }
}

/// Converts a parsed node into a `serde_json::Value` (after a strict parse, so no duplicate
/// key is lost).
pub(crate) fn node_to_value(node: &Node<'_>) -> Value {
    match node {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(n) => Value::from(*n),
        Node::Str(s) => Value::String(s.to_string()),
        Node::Array(items) => Value::Array(items.iter().map(node_to_value).collect()),
        Node::Object(members) => {
            Value::Object(members.iter().map(|(k, v)| (k.to_string(), node_to_value(v))).collect())
        }
    }
}

/// The RFC 8785 canonical form of a JSON value, refusing floats and integers beyond ±(2^53−1).
///
/// ```
/// let v = serde_json::json!({"b": [true, null], "a": "\u{20ac}\n"});
/// assert_eq!(microgov::audit::jcs::canonicalize(&v).unwrap(), "{\"a\":\"\u{20ac}\\n\",\"b\":[true,null]}");
/// assert!(microgov::audit::jcs::canonicalize(&serde_json::json!(1.5)).is_err());
/// ```
pub fn canonicalize(value: &Value) -> Result<String, AuditError> {
    let mut out = Vec::new();
    write_value(&mut out, value, &mut String::new(), 0)?;
    // write_value only ever writes valid UTF-8 (input strings plus ASCII).
    String::from_utf8(out).map_err(|e| AuditError::BadJson { at: "/".into(), reason: e.to_string() })
}

/// Parses JSON text strictly (duplicate keys, lone surrogates, floats and big integers are
/// errors) and returns its canonical form. The input need not be canonical.
pub fn canonicalize_str(text: &str) -> Result<String, AuditError> {
    let node = parse(text.as_bytes(), false).map_err(|e| e.into_audit("input"))?;
    let mut out = Vec::with_capacity(text.len());
    write_node(&mut out, &node);
    String::from_utf8(out).map_err(|e| AuditError::BadJson { at: "input".into(), reason: e.to_string() })
}

/// Checks that `bytes` are exactly the canonical form of a JSON text in the subset; the error
/// says what is wrong and at which byte.
pub fn check_canonical(bytes: &[u8]) -> Result<(), AuditError> {
    parse(bytes, true).map(|_| ()).map_err(|e| e.into_audit("input"))
}

/// Parses JSON text strictly into a `serde_json::Value`, refusing what `serde_json` would
/// silently accept or alter (duplicate keys, lone surrogates) and what lies outside the subset.
pub fn parse_strict(text: &str) -> Result<Value, AuditError> {
    let node = parse(text.as_bytes(), false).map_err(|e| e.into_audit("input"))?;
    Ok(node_to_value(&node))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        canonicalize_str(text).unwrap()
    }

    fn fault(text: &str) -> Fault {
        parse(text.as_bytes(), true).unwrap_err().fault
    }

    /// RFC 8785 §3.2.3: the sorting example, written out from the RFC.
    #[test]
    fn rfc8785_sorting_vector() {
        let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
                        \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
                        \"\u{1f600}\":\"Emoji: Grinning Face\",\
                        \"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(canon(input), expected);
        // The expected output is itself canonical.
        assert!(check_canonical(expected.as_bytes()).is_ok());
    }

    /// RFC 8785 §3.2.2.2: string escaping, from the RFC's example (numbers left out: the
    /// subset has no floats).
    #[test]
    fn rfc8785_string_vector() {
        let input = r#"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}"#;
        let expected = "{\"literals\":[null,true,false],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assert_eq!(canon(input), expected);
    }

    /// The RFC's appendix B table, restricted to the integers of the subset.
    #[test]
    fn integer_forms() {
        assert_eq!(canon("0"), "0");
        assert_eq!(canon("-0"), "0");
        assert_eq!(canon("9007199254740991"), "9007199254740991");
        assert_eq!(canon("-9007199254740991"), "-9007199254740991");
        assert_eq!(canon("[1, -1, 295]"), "[1,-1,295]");
        assert_eq!(fault("9007199254740992"), Fault::Value);
        assert_eq!(fault("-9007199254740992"), Fault::Value);
        assert_eq!(fault("123456789012345678901234567890"), Fault::Value);
        assert_eq!(fault("1.0"), Fault::Value);
        assert_eq!(fault("1e3"), Fault::Value);
        assert_eq!(fault("-0"), Fault::NonCanonical);
        assert_eq!(fault("01"), Fault::Syntax);
        assert_eq!(fault("1."), Fault::Syntax);
    }

    #[test]
    fn utf16_order_differs_from_code_point_order() {
        // U+1F600 is a surrogate pair (0xD83D ...) and sorts before U+FB33 in UTF-16.
        assert_eq!(cmp_utf16("\u{1f600}", "\u{fb33}"), Ordering::Less);
        assert_eq!(cmp_utf16("a", "ab"), Ordering::Less);
        assert_eq!(cmp_utf16("\r", "1"), Ordering::Less);
        assert_eq!(cmp_utf16("é", "ê"), Ordering::Less);
    }

    #[test]
    fn strictness() {
        assert_eq!(fault(r#"{"a":1,"a":2}"#), Fault::DuplicateKey);
        assert_eq!(fault(r#"{"b":1,"a":2,"b":3}"#), Fault::DuplicateKey);
        assert_eq!(fault(r#"["\ud800"]"#), Fault::Value);
        assert_eq!(fault(r#"["\udc00\ud800"]"#), Fault::Value);
        assert_eq!(fault(r#"["\ud83d\ude00"]"#), Fault::NonCanonical);
        assert_eq!(fault(r#"["\u001F"]"#), Fault::NonCanonical);
        assert!(check_canonical(br#"["\u001f"]"#).is_ok());
        assert_eq!(fault(r#"["\/"]"#), Fault::NonCanonical);
        assert_eq!(fault(r#"["\u0041"]"#), Fault::NonCanonical);
        assert_eq!(fault("[\"\\u000a\"]"), Fault::NonCanonical);
        assert_eq!(fault(r#"{"b":1,"a":2}"#), Fault::NonCanonical);
        assert_eq!(fault(r#"{"a": 1}"#), Fault::NonCanonical);
        assert_eq!(fault(r#"{"a":1,}"#), Fault::Syntax);
        assert_eq!(fault("\u{feff}{}"), Fault::Syntax);
        assert_eq!(fault("[\"a\u{1}\"]"), Fault::Syntax);
        assert_eq!(fault("[NaN]"), Fault::Syntax);
        assert_eq!(parse(b"[\"\xff\"]", true).unwrap_err().fault, Fault::Syntax);
        assert!(check_canonical("[\"\u{7f}\u{2028}\"]".as_bytes()).is_ok());
        let deep = "[".repeat(65) + &"]".repeat(65);
        assert_eq!(fault(&deep), Fault::Syntax);
        let ok = "[".repeat(64) + &"]".repeat(64);
        assert!(check_canonical(ok.as_bytes()).is_ok());
    }

    #[test]
    fn fault_precedence_is_positional_independent() {
        // A float after a duplicate key still reports the value fault first.
        assert_eq!(fault(r#"{"a":1,"a":[1.5]}"#), Fault::Value);
        // Whitespace before a duplicate still reports the duplicate.
        assert_eq!(fault(r#"{ "a":1,"a":2}"#), Fault::DuplicateKey);
        // A syntax error after everything else wins.
        assert_eq!(fault(r#"{"a":1,"a":1.5,"#), Fault::Syntax);
    }

    #[test]
    fn serde_values() {
        let v = json!({"z": {"y": [1, "\u{1f}"]}, "a": null});
        assert_eq!(canonicalize(&v).unwrap(), r#"{"a":null,"z":{"y":[1,"\u001f"]}}"#);
        let e = canonicalize(&json!({"a": [1, 2.5]})).unwrap_err();
        assert_eq!(e.code(), "audit.bad_value");
        assert!(e.to_string().contains("/a/1"), "{e}");
        assert_eq!(canonicalize(&json!(u64::MAX)).unwrap_err().code(), "audit.bad_value");
        assert_eq!(parse_strict(r#"{"a":1,"a":1}"#).unwrap_err().code(), "audit.duplicate_key");
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[\\x00-\\x20\"\\\\\u{7f}-\u{a0}\u{e000}-\u{ffff}\u{10000}-\u{10ffff}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z\u{e000}\u{10000}\u{1f600}\r\u{80}]{0,3}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonical_round_trip(v in arb_json()) {
            let c = canonicalize(&v).unwrap();
            prop_assert!(check_canonical(c.as_bytes()).is_ok(), "{}", c);
            prop_assert_eq!(&canonicalize_str(&c).unwrap(), &c);
            prop_assert_eq!(parse_strict(&c).unwrap(), v.clone());
            // serde_json's own (non-canonical) output canonicalizes to the same bytes.
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(canonicalize_str(&pretty).unwrap(), c);
        }

        /// The in-parse canonicity check agrees with "re-serialize and compare bytes".
        #[test]
        fn canonical_check_matches_reserialization(s in "[\\[\\]{}\",:a-c0-9\\\\u \\-]{0,24}") {
            if let Ok(node) = parse(s.as_bytes(), false) {
                let mut out = Vec::new();
                write_node(&mut out, &node);
                prop_assert_eq!(parse(s.as_bytes(), true).is_ok(), out == s.as_bytes());
            }
        }
    }
}
