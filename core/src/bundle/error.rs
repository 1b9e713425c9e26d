//! Errors of loading policy bundles: reading, parsing and checking Rego files and data.

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
    /// A Rego file does not parse or compile.
    #[error("{}: {message}", at(file, *line))]
    Parse {
        /// The file.
        file: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
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
}

/// `file:line`, or `file` alone when the line is unknown.
fn at(file: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
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
        }
    }

    /// The file the error points at, if any.
    pub fn file(&self) -> Option<&str> {
        match self {
            BundleError::Io { path, .. } => Some(path),
            BundleError::Parse { file, .. }
            | BundleError::BadBundle { file, .. }
            | BundleError::BadData { file, .. }
            | BundleError::OutsideRoot { file, .. } => Some(file),
            BundleError::RootOverlap { .. } => None,
        }
    }

    /// The 1-based line the error points at, if known.
    pub fn line(&self) -> Option<usize> {
        match self {
            BundleError::Parse { line, .. }
            | BundleError::BadBundle { line, .. }
            | BundleError::BadData { line, .. } => *line,
            BundleError::OutsideRoot { line, .. } => known_line(*line),
            BundleError::Io { .. } | BundleError::RootOverlap { .. } => None,
        }
    }

    /// Turns a regorus parse error (`\n--> file:line:col\n...`) into a typed one.
    pub(crate) fn from_regorus_parse(file: &str, err: &str) -> BundleError {
        let text = err.trim();
        let line = regex::Regex::new(r"(?m):(\d+):(\d+)")
            .ok()
            .and_then(|re| re.captures(text).and_then(|c| c.get(1)).and_then(|m| m.as_str().parse().ok()))
            .and_then(known_line);
        BundleError::Parse {
            file: file.to_string(),
            line,
            message: text.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" | "),
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
        let e = BundleError::Parse { file: "a.rego".into(), line: Some(4), message: "unexpected".into() };
        assert_eq!(e.to_string(), "a.rego:4: unexpected");
        assert_eq!(e.line(), Some(4));
    }
}
