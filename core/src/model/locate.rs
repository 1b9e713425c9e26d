//! Where a JSON pointer lands in the text of a YAML or JSON document.
//!
//! Problems and violations name what they are about with an RFC 6901 JSON
//! pointer (`/spec/connectors/1/region`); editors, SARIF viewers and CI
//! annotations want a line and a column. [`SourceMap`] reads the document's
//! structure (block and flow YAML, and JSON, which is flow YAML) with the
//! position of every key and item, and answers pointers with those positions.
//!
//! It only looks for structure and never fails: on text it cannot follow
//! (a syntax error, an exotic YAML feature) it still answers with the nearest
//! position it knows, down to line 1, column 1.

use super::Problem;
use std::fmt;

/// A position in a text: 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// The start of the text.
    pub const START: Location = Location { line: 1, column: 1 };
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[derive(Debug, Clone)]
struct Node {
    /// Byte offset where the value starts.
    at: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Keys in document order, each with the byte offset of the key.
    Map(Vec<(String, usize, Node)>),
    Seq(Vec<Node>),
    Scalar,
}

/// The positions of the keys and items of one YAML or JSON document.
#[derive(Debug, Clone)]
pub struct SourceMap {
    root: Option<Node>,
    line_starts: Vec<usize>,
    text: String,
}

impl SourceMap {
    /// Reads the structure of `text` (YAML or JSON).
    pub fn new(text: &str) -> SourceMap {
        let mut p = Parser { s: text.as_bytes(), i: 0, line_starts: line_starts(text), depth: 0 };
        let root = p.node(-1, true);
        SourceMap { root, line_starts: p.line_starts, text: text.to_string() }
    }

    /// The position of what `pointer` names: a mapping key's own position,
    /// or the start of a list item; `None` when the document has no such
    /// value.
    pub fn find(&self, pointer: &str) -> Option<Location> {
        let (at, complete) = self.walk(pointer);
        complete.then(|| self.location(at))
    }

    /// The position of what `pointer` names or, when the document does not
    /// have it (a missing key), of its nearest ancestor that it has.
    pub fn locate(&self, pointer: &str) -> Location {
        self.location(self.walk(pointer).0)
    }

    /// Follows the pointer as far as the document goes: the byte offset
    /// reached and whether every token was found.
    fn walk(&self, pointer: &str) -> (usize, bool) {
        let Some(mut node) = self.root.as_ref() else {
            return (0, pointer.is_empty());
        };
        let mut at = node.at;
        if pointer.is_empty() {
            return (at, true);
        }
        let Some(rest) = pointer.strip_prefix('/') else {
            return (at, false);
        };
        for raw in rest.split('/') {
            let token = raw.replace("~1", "/").replace("~0", "~");
            let next = match &node.kind {
                // A key given twice points at its last occurrence: the one a
                // duplicate-key problem is about.
                Kind::Map(entries) => {
                    entries.iter().rev().find(|(k, _, _)| *k == token).map(|(_, key_at, v)| (*key_at, v))
                }
                Kind::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)).map(|v| (v.at, v)),
                Kind::Scalar => None,
            };
            match next {
                Some((a, n)) => {
                    at = a;
                    node = n;
                }
                None => return (at, false),
            }
        }
        (at, true)
    }

    fn location(&self, at: usize) -> Location {
        let line = self.line_starts.partition_point(|&s| s <= at).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self.text.get(start..at).map(|s| s.chars().count()).unwrap_or(0) + 1;
        Location { line, column }
    }
}

/// Sets the line and column of each problem found in `text` (the position
/// of its path, as [`SourceMap::locate`] finds it).
pub fn locate_problems(text: &str, problems: &mut [Problem]) {
    if problems.is_empty() {
        return;
    }
    let map = SourceMap::new(text);
    for p in problems {
        let at = map.locate(&p.path);
        p.line = Some(at.line);
        p.column = Some(at.column);
    }
}

/// The position `pointer` names in `text` (YAML or JSON), or that of its
/// nearest ancestor present in the text. See [`SourceMap::locate`].
pub fn locate(text: &str, pointer: &str) -> Location {
    SourceMap::new(text).locate(pointer)
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
    v
}

/// Deepest nesting followed; deeper values are left out of the map.
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line_starts: Vec<usize>,
    depth: usize,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0)
}

impl Parser<'_> {
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn eof(&self) -> bool {
        self.i >= self.s.len()
    }

    fn line_of(&self, i: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= i)
    }

    /// Byte column of `i` in its line (indentation is ASCII spaces).
    fn col(&self, i: usize) -> usize {
        let line = self.line_of(i).max(1);
        i - self.line_starts.get(line - 1).copied().unwrap_or(0)
    }

    fn at_line_start(&self, i: usize) -> bool {
        self.col(i) == 0
    }

    fn skip_line(&mut self) {
        while !self.eof() && self.at(self.i) != b'\n' {
            self.i += 1;
        }
    }

    fn skip_inline_ws(&mut self) {
        while matches!(self.at(self.i), b' ' | b'\t' | b'\r') && !self.eof() {
            self.i += 1;
        }
    }

    /// Skips whitespace, line breaks, comments, directives and document markers.
    fn skip_ws(&mut self) {
        loop {
            if self.eof() {
                return;
            }
            let b = self.at(self.i);
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                self.i += 1;
            } else if b == 0xEF && self.i == 0 && self.s.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.i += 3;
            } else if (b == b'#' && (self.i == 0 || is_blank(self.at(self.i - 1))))
                || (b == b'%' && self.at_line_start(self.i))
            {
                // A comment, or a directive (`%YAML 1.2`).
                self.skip_line();
            } else if self.at_line_start(self.i)
                && (self.s[self.i..].starts_with(b"---") || self.s[self.i..].starts_with(b"..."))
                && is_blank(self.at(self.i + 3))
            {
                self.i += 3;
            } else {
                return;
            }
        }
    }

    fn is_dash(&self, i: usize) -> bool {
        self.at(i) == b'-' && is_blank(self.at(i + 1))
    }

    /// Whether a block mapping key (`key:` followed by a blank) starts at `i`.
    fn is_key(&self, i: usize) -> bool {
        let mut j = i;
        match self.at(j) {
            q @ (b'"' | b'\'') => {
                j = self.quoted_end(j, q);
                while matches!(self.at(j), b' ' | b'\t') {
                    j += 1;
                }
                self.at(j) == b':' && is_blank(self.at(j + 1))
            }
            b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'#' | b'%' | b'@' | b'`' | 0 => false,
            b'-' if self.is_dash(j) => false,
            _ => {
                while j < self.s.len() {
                    match self.at(j) {
                        b'\n' => return false,
                        b':' if is_blank(self.at(j + 1)) => return true,
                        b'#' if j > i && is_blank(self.at(j - 1)) => return false,
                        _ => j += 1,
                    }
                }
                false
            }
        }
    }

    /// The offset just past a quoted scalar that opens at `i`.
    fn quoted_end(&self, i: usize, q: u8) -> usize {
        let mut j = i + 1;
        while j < self.s.len() {
            let b = self.at(j);
            if q == b'"' && b == b'\\' {
                j += 2;
            } else if b == q {
                if q == b'\'' && self.at(j + 1) == b'\'' {
                    j += 2;
                } else {
                    return j + 1;
                }
            } else {
                j += 1;
            }
        }
        self.s.len()
    }

    fn quoted(&mut self) -> String {
        let q = self.at(self.i);
        let end = self.quoted_end(self.i, q);
        let inner = self.s.get(self.i + 1..end.saturating_sub(1).max(self.i + 1)).unwrap_or_default();
        self.i = end;
        let raw = String::from_utf8_lossy(inner);
        if q == b'\'' {
            return raw.replace("''", "'");
        }
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        out.push(c);
                    }
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    /// A block-context key up to and including its `:`.
    fn block_key(&mut self) -> String {
        let key = if matches!(self.at(self.i), b'"' | b'\'') {
            self.quoted()
        } else {
            let start = self.i;
            while !self.eof() {
                let b = self.at(self.i);
                if b == b'\n' || (b == b':' && is_blank(self.at(self.i + 1))) {
                    break;
                }
                self.i += 1;
            }
            String::from_utf8_lossy(&self.s[start..self.i]).trim_end().to_string()
        };
        self.skip_inline_ws();
        if self.at(self.i) == b':' {
            self.i += 1;
        }
        key
    }

    /// A value (if any) that belongs to a parent indented by `parent`: on
    /// the current line, or on later lines indented deeper. `seq_at_parent`
    /// admits a block sequence at the parent's own indentation (`key:\n- a`).
    fn node(&mut self, parent: isize, seq_at_parent: bool) -> Option<Node> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        let start_line = self.line_of(self.i);
        self.skip_ws();
        if self.eof() {
            return None;
        }
        let at = self.i;
        let col = self.col(at);
        let icol = isize::try_from(col).unwrap_or(isize::MAX);
        if self.line_of(at) != start_line && icol <= parent && !(seq_at_parent && icol == parent && self.is_dash(at)) {
            return None;
        }
        self.depth += 1;
        let node = match self.at(at) {
            b'-' if self.is_dash(at) => self.block_seq(col),
            b'[' | b'{' => self.flow(),
            b'|' | b'>' => {
                self.skip_line();
                loop {
                    let line_start = self.i + 1;
                    if line_start >= self.s.len() {
                        self.i = self.s.len();
                        break;
                    }
                    let mut j = line_start;
                    while matches!(self.at(j), b' ' | b'\t') {
                        j += 1;
                    }
                    let blank = matches!(self.at(j), b'\n' | b'\r' | 0);
                    let indent = isize::try_from(j - line_start).unwrap_or(isize::MAX);
                    if blank || indent > parent {
                        self.i = line_start;
                        self.skip_line();
                    } else {
                        break;
                    }
                }
                Node { at, kind: Kind::Scalar }
            }
            b'&' | b'!' => {
                while !is_blank(self.at(self.i)) && !self.eof() {
                    self.i += 1;
                }
                self.skip_inline_ws();
                match self.node(parent, seq_at_parent) {
                    Some(n) => n,
                    None => Node { at, kind: Kind::Scalar },
                }
            }
            _ if self.is_key(at) => self.block_map(col),
            b'"' | b'\'' => {
                self.quoted();
                self.skip_inline_ws();
                Node { at, kind: Kind::Scalar }
            }
            _ => {
                while !self.eof()
                    && self.at(self.i) != b'\n'
                    && !(self.at(self.i) == b'#' && is_blank(self.at(self.i.wrapping_sub(1))))
                {
                    self.i += 1;
                }
                Node { at, kind: Kind::Scalar }
            }
        };
        self.depth -= 1;
        Some(node)
    }

    fn block_map(&mut self, indent: usize) -> Node {
        let at = self.i;
        let mut entries = Vec::new();
        let iindent = isize::try_from(indent).unwrap_or(isize::MAX);
        loop {
            let key_at = self.i;
            let key = self.block_key();
            let value = self.node(iindent, true).unwrap_or(Node { at: key_at, kind: Kind::Scalar });
            entries.push((key, key_at, value));
            self.skip_ws();
            // Lines indented deeper than the keys continue a multi-line
            // scalar this reader does not follow: pass over them.
            while !self.eof() && self.col(self.i) > indent && self.line_of(self.i) != self.line_of(key_at) {
                self.skip_line();
                self.skip_ws();
            }
            if self.eof()
                || self.col(self.i) != indent
                || self.is_dash(self.i)
                || !self.is_key(self.i)
                || self.line_of(self.i) == self.line_of(key_at)
            {
                break;
            }
        }
        Node { at, kind: Kind::Map(entries) }
    }

    fn block_seq(&mut self, indent: usize) -> Node {
        let at = self.i;
        let mut items = Vec::new();
        let iindent = isize::try_from(indent).unwrap_or(isize::MAX);
        loop {
            let dash = self.i;
            self.i += 1;
            let item = self.node(iindent, false).unwrap_or(Node { at: dash, kind: Kind::Scalar });
            items.push(item);
            self.skip_ws();
            if self.eof()
                || self.col(self.i) != indent
                || !self.is_dash(self.i)
                || self.line_of(self.i) == self.line_of(dash)
            {
                break;
            }
        }
        Node { at, kind: Kind::Seq(items) }
    }

    /// A flow collection (`{...}` or `[...]`), which may span lines.
    fn flow(&mut self) -> Node {
        let at = self.i;
        let open = self.at(self.i);
        let close = if open == b'{' { b'}' } else { b']' };
        self.i += 1;
        let mut entries = Vec::new();
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.eof() {
                break;
            }
            match self.at(self.i) {
                b if b == close => {
                    self.i += 1;
                    break;
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                b'}' | b']' => {
                    // A mismatched bracket: stop here rather than run on.
                    self.i += 1;
                    break;
                }
                _ => {}
            }
            let before = self.i;
            if open == b'{' {
                let key_at = self.i;
                let key = self.flow_scalar(true);
                self.skip_ws();
                let value = if self.at(self.i) == b':' {
                    self.i += 1;
                    self.flow_value()
                } else {
                    Node { at: key_at, kind: Kind::Scalar }
                };
                entries.push((key, key_at, value));
            } else {
                items.push(self.flow_value());
            }
            if self.i == before {
                self.i += 1;
            }
        }
        Node { at, kind: if open == b'{' { Kind::Map(entries) } else { Kind::Seq(items) } }
    }

    fn flow_value(&mut self) -> Node {
        self.skip_ws();
        while matches!(self.at(self.i), b'&' | b'!') {
            while !is_blank(self.at(self.i)) && !matches!(self.at(self.i), b',' | b'}' | b']') && !self.eof() {
                self.i += 1;
            }
            self.skip_ws();
        }
        let at = self.i;
        if matches!(self.at(self.i), b'{' | b'[') && self.depth <= MAX_DEPTH {
            self.depth += 1;
            let n = self.flow();
            self.depth -= 1;
            return n;
        }
        self.flow_scalar(false);
        Node { at, kind: Kind::Scalar }
    }

    /// A scalar inside a flow collection; as a key it ends at `:`.
    fn flow_scalar(&mut self, key: bool) -> String {
        if matches!(self.at(self.i), b'"' | b'\'') {
            return self.quoted();
        }
        let start = self.i;
        while !self.eof() {
            let b = self.at(self.i);
            let ends_key = key
                && b == b':'
                && (is_blank(self.at(self.i + 1)) || matches!(self.at(self.i + 1), b',' | b'}' | b']'));
            if matches!(b, b',' | b'}' | b']' | b'\n')
                || ends_key
                || (b == b'#' && is_blank(self.at(self.i.wrapping_sub(1))))
            {
                break;
            }
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "# comment\napiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata:\n  name: x   # trailing\n  labels:\n    \"a/b\": c\nspec:\n  auth: { sso: oidc, mfa: \"yes\" }\n  datasets:\n    - name: metrics\n      fields:\n        - { name: week }\n    - name: metrics\n  egress:\n  - https://a.example\n  - https://b.example\n  purpose: |\n    line one\n    line two: not a key\n  env: { A: 1 }\n";

    fn at(line: usize, column: usize) -> Option<Location> {
        Some(Location { line, column })
    }

    #[test]
    fn finds_block_keys_items_and_flow_keys() {
        let m = SourceMap::new(YAML);
        assert_eq!(m.find(""), at(2, 1));
        assert_eq!(m.find("/kind"), at(3, 1));
        assert_eq!(m.find("/metadata/name"), at(5, 3));
        assert_eq!(m.find("/metadata/labels/a~1b"), at(7, 5));
        assert_eq!(m.find("/spec/auth/mfa"), at(9, 22));
        assert_eq!(m.find("/spec/datasets/1"), at(14, 7));
        assert_eq!(m.find("/spec/datasets/1/name"), at(14, 7));
        assert_eq!(m.find("/spec/datasets/0/fields/0/name"), at(13, 13));
        assert_eq!(m.find("/spec/egress/1"), at(17, 5));
        assert_eq!(m.find("/spec/purpose"), at(18, 3));
        assert_eq!(m.find("/spec/env/A"), at(21, 10));
        assert_eq!(m.find("/spec/nope"), None);
    }

    #[test]
    fn missing_keys_fall_back_to_the_nearest_ancestor() {
        let m = SourceMap::new(YAML);
        assert_eq!(m.locate("/spec/datasets/0/classification"), Location { line: 11, column: 7 });
        assert_eq!(m.locate("/nope/deeper"), Location { line: 2, column: 1 });
    }

    #[test]
    fn reads_json() {
        let json = "{\n  \"apiVersion\": \"microgov.dev/v1\",\n  \"spec\": {\"connectors\": [\n    {\"name\": \"a\"},\n    {\"name\": \"b\", \"region\": \"x\"}\n  ]}\n}\n";
        let m = SourceMap::new(json);
        assert_eq!(m.find("/apiVersion"), at(2, 3));
        assert_eq!(m.find("/spec/connectors/1/region"), at(5, 19));
        assert_eq!(m.find("/spec/connectors/0"), at(4, 5));
    }

    #[test]
    fn never_panics_on_broken_text() {
        for text in [
            "",
            "{",
            "[",
            "a: [1, {b: ",
            "- - -",
            "\"unterminated",
            "key: 'x",
            "? complex\n: v",
            "a:\n\t- b",
            "---\n---\n",
            "{]}",
        ] {
            let m = SourceMap::new(text);
            let _ = m.locate("/a/0/b");
        }
    }
}
