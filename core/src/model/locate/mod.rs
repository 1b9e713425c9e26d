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

mod scan;

use super::problem::Problem;
use crate::pointer;
use scan::{Kind, Node, Parser};
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
            let token = pointer::unescape(raw);
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
