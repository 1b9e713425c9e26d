//! Errors of loading policy bundles: reading, parsing and checking Rego files and data.

use super::diagnostic::Diagnostic;

/// A policy, bundle or data document could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A Rego file does not parse or compile. Shown on one line (`file:line:col: message`);
    /// [`BundleError::report`] adds the source line and a caret.
    #[error("{}: {message}", at_column(file, *line, *column))]
    Parse {
        /// The file.
        file: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
        /// The source line the error points at, when known.
        source_line: Option<String>,
    },
    /// A bundle's structure is wrong (bad `.manifest`, unreadable tarball ...).
    #[error("{}: {message}", at(file, *line))]
    BadBundle {
        /// The file.
        file: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A data document is not a JSON object.
    #[error("{}: invalid data document: {message}", at(file, *line))]
    BadData {
        /// The file.
        file: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// Two bundles claim overlapping roots.
    #[error("bundle roots overlap: {first} and {second}")]
    RootOverlap {
        /// One bundle and root.
        first: String,
        /// The other.
        second: String,
    },
    /// A package or data path lies outside its bundle's roots.
    #[error("{file}:{line}: {path} is outside the bundle roots ({roots})")]
    OutsideRoot {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The package or data path.
        path: String,
        /// The declared roots.
        roots: String,
    },
    /// A team file's package lies inside a root a bundled bundle owns (`microgov.pii`), which
    /// would merge its rules into the bundled package; a team replaces a bundled bundle with
    /// a `.manifest` whose roots claim that root.
    #[error(
        "{file}:{line}: package {package} belongs to the bundled {bundled_file}; to replace that bundle, \
         give this folder a .manifest whose roots claim {root}, or move the package under a root of your own"
    )]
    BundledPackage {
        /// The team file.
        file: String,
        /// 1-based line of its `package`.
        line: usize,
        /// The package (`microgov.pii`).
        package: String,
        /// A bundled file of that root (`policy-bundles/pii/pii.rego`).
        bundled_file: String,
        /// The bundled root it lies in (`microgov/pii`).
        root: String,
    },
}

/// `file:line`, or `file` alone when the line is unknown.
fn at(file: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    }
}

/// `file:line:col`, leaving out what is unknown.
fn at_column(file: &str, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        _ => at(file, line),
    }
}

/// A 1-based line from a parser that reports 0 for "unknown".
pub(crate) fn known_line(line: usize) -> Option<usize> {
    (line > 0).then_some(line)
}

impl BundleError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Io { .. } => "policy.io",
            BundleError::Parse { .. } => "policy.parse",
            BundleError::BadBundle { .. } => "policy.bad_bundle",
            BundleError::BadData { .. } => "policy.bad_data",
            BundleError::RootOverlap { .. } => "policy.root_overlap",
            BundleError::OutsideRoot { .. } => "policy.outside_root",
            BundleError::BundledPackage { .. } => "policy.bundled_package",
        }
    }

    /// The file the error points at, if any.
    pub fn file(&self) -> Option<&str> {
        match self {
            BundleError::Io { path, .. } => Some(path),
            BundleError::Parse { file, .. }
            | BundleError::BadBundle { file, .. }
            | BundleError::BadData { file, .. }
            | BundleError::OutsideRoot { file, .. }
            | BundleError::BundledPackage { file, .. } => Some(file),
            BundleError::RootOverlap { .. } => None,
        }
    }

    /// The 1-based line the error points at, if known.
    pub fn line(&self) -> Option<usize> {
        match self {
            BundleError::Parse { line, .. }
            | BundleError::BadBundle { line, .. }
            | BundleError::BadData { line, .. } => *line,
            BundleError::OutsideRoot { line, .. } | BundleError::BundledPackage { line, .. } => known_line(*line),
            BundleError::Io { .. } | BundleError::RootOverlap { .. } => None,
        }
    }

    /// The error as microgov shows it everywhere: its one-line message, then for a Rego
    /// parse error the source line and a caret under the column (see `diagnostic`).
    pub fn report(&self) -> String {
        match self {
            BundleError::Parse { file, line, column, message, source_line } => Diagnostic {
                file: Some(file.clone()),
                line: *line,
                column: *column,
                message: message.clone(),
                source_line: source_line.clone(),
            }
            .render(),
            other => other.to_string(),
        }
    }

    /// Turns a regorus parse error (`\n--> file:line:col\n...`) into a typed one; the file
    /// the banner names wins over `file` (a compile error may point at another file).
    pub(crate) fn from_regorus_parse(file: &str, err: &str) -> BundleError {
        let d = Diagnostic::parse(err);
        BundleError::Parse {
            file: d.file.unwrap_or_else(|| file.to_string()),
            line: d.line,
            column: d.column,
            message: d.message,
            source_line: d.source_line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_line_is_left_out_of_the_message() {
        let e = BundleError::BadData { file: "data".into(), line: None, message: "not an object".into() };
        assert_eq!(e.to_string(), "data: invalid data document: not an object");
        let e = BundleError::Parse {
            file: "a.rego".into(),
            line: Some(4),
            column: None,
            message: "unexpected".into(),
            source_line: None,
        };
        assert_eq!(e.to_string(), "a.rego:4: unexpected");
        assert_eq!(e.report(), "a.rego:4: unexpected");
        assert_eq!(e.line(), Some(4));
        let e = BundleError::from_regorus_parse(
            "x.rego",
            "\n--> b.rego:2:5\n  |\n2 | a := {\n  |     ^\nerror: unexpected eof",
        );
        assert_eq!(e.to_string(), "b.rego:2:5: unexpected eof");
        assert_eq!(e.report(), "b.rego:2:5: unexpected eof\n  2 | a := {\n    |     ^");
    }
}
