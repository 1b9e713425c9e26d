//! The strict parser: reads a JSON text into a [`Node`], reporting what `serde_json` would
//! accept or alter, and whether the bytes already are their own canonical form.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use super::{cmp_utf16, Fault, ParseError, MAX_DEPTH, MAX_SAFE_INTEGER};

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
