//! Text to tree: YAML or JSON read into a generic tree under size, depth and
//! node-count limits (so anchors and aliases cannot expand a small file into a
//! huge document), and which texts are manifests at all.

use super::at::At;
use super::problem::{codes, Problem};
use super::tree::{Refusal, Seed, Tree};
use crate::pointer;
use regex::Regex;
use serde::de::DeserializeSeed;
use serde_json::Value;
use std::cell::Cell;
use std::sync::LazyLock;

/// Bounds on what a manifest may make the parser do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of objects and arrays.
    pub max_depth: usize,
    /// Most values (after YAML alias expansion) in one document.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 1 << 20, max_depth: 32, max_nodes: 50_000 }
    }
}

/// The format of a manifest text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML 1.2 (JSON is also YAML, but is read faster as JSON).
    Yaml,
    /// JSON.
    Json,
}

/// Parses YAML or JSON text into a generic tree within `limits`.
pub fn parse_document(text: &str, format: Format, limits: &Limits) -> Result<Value, Vec<Problem>> {
    parse_tree(text, format, limits).map(|t| t.to_value())
}

/// Parses YAML or JSON text within `limits` into a [`Tree`] that borrows
/// the text (see `model::tree`): a key repeated in one mapping, too many
/// values (YAML aliases expand into copies) or too deep a nesting are
/// refused as soon as they are read.
pub fn parse_tree<'a>(text: &'a str, format: Format, limits: &Limits) -> Result<Tree<'a>, Vec<Problem>> {
    if text.len() > limits.max_bytes {
        return Err(vec![Problem::new(
            codes::TOO_LARGE,
            "",
            format!("document is {} bytes, larger than the limit of {} bytes", text.len(), limits.max_bytes),
        )]);
    }
    let nodes = Cell::new(0);
    let refused = Cell::new(None);
    let seed = Seed {
        at: At::Root,
        depth: 0,
        max_depth: limits.max_depth,
        max_nodes: limits.max_nodes,
        nodes: &nodes,
        refused: &refused,
    };
    let (msg, location) = match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            match seed.deserialize(&mut de).and_then(|v| de.end().map(|_| v)) {
                Ok(tree) => return Ok(tree),
                Err(e) => (e.to_string(), Some((e.line(), e.column()))),
            }
        }
        Format::Yaml => match seed.deserialize(serde_yaml_ng::Deserializer::from_str(text)) {
            Ok(tree) => return Ok(tree),
            Err(e) => (e.to_string(), e.location().map(|l| (l.line(), l.column()))),
        },
    };
    let at = location.map(|(line, column)| format!(" at line {line} column {column}")).unwrap_or_default();
    let mut problem = match refused.take() {
        Some(Refusal::DuplicateKey(path)) => {
            let key = pointer::last_token(&path);
            let shown = if at.is_empty() { String::new() } else { format!(" ({})", at.trim()) };
            Problem::new(
                codes::DUPLICATE_KEY,
                path.as_str(),
                format!("key \"{key}\" appears more than once in the same mapping{shown}"),
            )
        }
        Some(Refusal::TooManyValues) => Problem::new(
            codes::TOO_COMPLEX,
            "",
            format!("document has more than {} values (yaml aliases expand into copies)", limits.max_nodes),
        ),
        Some(Refusal::TooDeep) => {
            Problem::new(codes::TOO_COMPLEX, "", format!("document nests deeper than {} levels", limits.max_depth))
        }
        None => {
            let code = if msg.contains("recursion limit") || msg.contains("repetition limit") {
                codes::TOO_COMPLEX
            } else {
                codes::SYNTAX
            };
            let kind = if format == Format::Json { "json" } else { "yaml" };
            Problem::new(code, "", format!("invalid {kind}{at}: {msg}"))
        }
    };
    // Where the parser stopped.
    if let Some((line, column)) = location {
        problem.line = Some(line);
        problem.column = Some(column);
    }
    Err(vec![problem])
}

/// Guesses the format from the first non-blank character.
pub fn sniff_format(text: &str) -> Format {
    match text.trim_start_matches('\u{feff}').trim_start().chars().next() {
        Some('{') | Some('[') => Format::Json,
        _ => Format::Yaml,
    }
}

/// The `kind` of a manifest.
pub(crate) const KIND: &str = "MicroApp";
/// What every manifest `apiVersion` starts with, whatever its version.
const API_GROUP: &str = "microgov.dev/";

/// Whether `text` is meant as a MicroApp manifest: the rule `microgov check`
/// applies to each YAML or JSON file it finds in a folder, where other files
/// (expected-result tables, approvals, CI workflows) are skipped.
///
/// - Text that parses to a mapping is a manifest when its top-level `kind` is
///   `MicroApp` or its top-level `apiVersion` starts with `microgov.dev/`.
/// - Text that does not parse, or parses to a list or a scalar, is one when a
///   line, or an entry of a flow mapping, declares either (`kind: MicroApp`,
///   `"kind": "MicroApp"`, `- apiVersion: microgov.dev/v1`): a broken manifest
///   must be reported, not skipped.
///
/// The text is parsed with the default [`Limits`]; a caller that has already
/// parsed it calls [`parsed_looks_like_manifest`] instead.
pub fn looks_like_manifest(text: &str) -> bool {
    let parsed = parse_document(text, sniff_format(text), &Limits::default());
    parsed_looks_like_manifest(text, parsed.as_ref().ok())
}

/// [`looks_like_manifest`] for text already parsed: `parsed` is its document,
/// `None` when it did not parse.
pub fn parsed_looks_like_manifest(text: &str, parsed: Option<&Value>) -> bool {
    match parsed.and_then(Value::as_object) {
        Some(m) => {
            m.get("kind").and_then(Value::as_str) == Some(KIND)
                || m.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with(API_GROUP))
        }
        None => declares_manifest(text),
    }
}

/// A line or flow-mapping entry `kind: MicroApp` or `apiVersion: microgov.dev/...`,
/// keys and values quoted or not, a list item's `-` allowed.
static DECLARATION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)(^|[{,])\s*-?\s*["']?(kind["']?\s*:\s*["']?MicroApp\b|apiVersion["']?\s*:\s*["']?microgov\.dev/)"#,
    )
    .ok()
});

/// Whether unparseable (or oddly shaped) text still says it is a manifest.
fn declares_manifest(text: &str) -> bool {
    DECLARATION.as_ref().is_some_and(|re| re.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::{codes, looks_like_manifest, parse_tree, parsed_looks_like_manifest, Format, Limits, Tree};
    use std::borrow::Cow;

    #[test]
    fn strings_without_escapes_are_borrowed_from_the_text() {
        let tree = parse_tree(
            r#"{"a": "plain", "b": "esc\"aped", "c": [1, 2.5, null, true]}"#,
            Format::Json,
            &Limits::default(),
        )
        .unwrap();
        let Tree::Map(entries) = &tree else { panic!("{tree:?}") };
        assert!(matches!(&entries[0], (Cow::Borrowed("a"), Tree::Str(Cow::Borrowed("plain")))));
        assert!(matches!(&entries[1].1, Tree::Str(Cow::Owned(s)) if s == "esc\"aped"));
        assert_eq!(tree.to_value(), serde_json::json!({"a": "plain", "b": "esc\"aped", "c": [1, 2.5, null, true]}));
    }

    #[test]
    fn a_repeated_key_is_refused_where_it_is_in_small_and_large_mappings() {
        let mut big: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        big.push("\"k7\": 0".to_string());
        for (text, path) in [
            (r#"{"spec": {"x": 1, "y": 2, "x": 3}}"#.to_string(), "/spec/x"),
            (format!(r#"{{"labels": {{{}}}}}"#, big.join(", ")), "/labels/k7"),
            ("spec:\n  list:\n    - {a: 1, a: 2}\n".to_string(), "/spec/list/0/a"),
        ] {
            let format = if text.starts_with('{') { Format::Json } else { Format::Yaml };
            let problems = parse_tree(&text, format, &Limits::default()).unwrap_err();
            assert_eq!((problems[0].code.as_str(), problems[0].path.as_str()), (codes::DUPLICATE_KEY, path), "{text}");
            assert!(problems[0].message.contains("line"), "{}", problems[0].message);
        }
    }

    #[test]
    fn limits_are_checked_while_reading() {
        let limits = Limits { max_bytes: 1 << 20, max_depth: 3, max_nodes: 10 };
        let deep = parse_tree("[[[[1]]]]", Format::Json, &limits).unwrap_err();
        assert_eq!(deep[0].code, codes::TOO_COMPLEX);
        assert!(deep[0].message.contains("deeper than 3"), "{}", deep[0].message);
        let many = parse_tree("[1,2,3,4,5,6,7,8,9,10,11]", Format::Json, &limits).unwrap_err();
        assert!(many[0].message.contains("more than 10 values"), "{}", many[0].message);
        assert!(parse_tree("[[[1]]]", Format::Json, &limits).is_ok());
    }

    #[test]
    fn manifests_are_told_from_other_yaml_and_json() {
        assert!(looks_like_manifest("apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata: {name: a}\n"));
        assert!(looks_like_manifest("{\"apiVersion\": \"microgov.dev/v2\", \"spec\": {}}"));
        assert!(looks_like_manifest("kind: \"MicroApp\"\n"));
        // Broken or misshapen manifests still count, so that they are reported.
        assert!(looks_like_manifest("apiVersion: microgov.dev/v1\nkind: MicroApp\nspec: {"));
        assert!(looks_like_manifest("- apiVersion: microgov.dev/v1\n  kind: MicroApp\n"));
        assert!(looks_like_manifest("{\"kind\": \"MicroApp\""));
        // A mapping whose top level says otherwise is not one, whatever it nests.
        assert!(!looks_like_manifest("kind: Table\ncases:\n  - kind: MicroApp\n"));
        assert!(!looks_like_manifest("{\"about\": \"expected results for MicroApp manifests\"}"));
        assert!(!looks_like_manifest("name: build\non: push\n"));
        assert!(!looks_like_manifest("- id: apr-1\n  app: hr\n"));
        assert!(!looks_like_manifest(""));
    }

    #[test]
    fn a_parsed_document_is_judged_without_parsing_again() {
        let doc = serde_json::json!({"kind": "MicroApp"});
        assert!(parsed_looks_like_manifest("", Some(&doc)));
        assert!(!parsed_looks_like_manifest("kind: MicroApp", Some(&serde_json::json!({"kind": "Other"}))));
        assert!(parsed_looks_like_manifest("kind: MicroApp\n: :", None));
    }
}
