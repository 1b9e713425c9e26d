//! Errors of loading and evaluating policies.

/// A policy, bundle or data document could not be loaded or evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A Rego file does not parse or compile.
    #[error("{file}:{line}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A bundle's structure is wrong (bad `.manifest`, unreadable tarball ...).
    #[error("{file}:{line}: {message}")]
    BadBundle {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A data document is not a JSON object.
    #[error("{file}:{line}: invalid data document: {message}")]
    BadData {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
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
    /// Evaluation failed (a builtin error, a conflict between rule values ...).
    #[error("policy evaluation failed: {0}")]
    Eval(String),
    /// Evaluation ran past its instruction or time budget.
    #[error("policy evaluation stopped by the limit: {0}")]
    Limit(String),
    /// A policy produced a result microgov cannot read.
    #[error("policy {policy} produced an unreadable {rule}: {message}")]
    BadResult {
        /// The package.
        policy: String,
        /// The rule head (`violation`, `obligation` ...).
        rule: String,
        /// What is wrong.
        message: String,
    },
}

impl PolicyError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Io { .. } => "policy.io",
            PolicyError::Parse { .. } => "policy.parse",
            PolicyError::BadBundle { .. } => "policy.bad_bundle",
            PolicyError::BadData { .. } => "policy.bad_data",
            PolicyError::RootOverlap { .. } => "policy.root_overlap",
            PolicyError::OutsideRoot { .. } => "policy.outside_root",
            PolicyError::Eval(_) => "policy.eval",
            PolicyError::Limit(_) => "policy.limit",
            PolicyError::BadResult { .. } => "policy.bad_result",
        }
    }

    /// The file the error points at, if any.
    pub fn file(&self) -> Option<&str> {
        match self {
            PolicyError::Io { path, .. } => Some(path),
            PolicyError::Parse { file, .. }
            | PolicyError::BadBundle { file, .. }
            | PolicyError::BadData { file, .. }
            | PolicyError::OutsideRoot { file, .. } => Some(file),
            _ => None,
        }
    }

    /// The 1-based line the error points at, if known.
    pub fn line(&self) -> Option<usize> {
        match self {
            PolicyError::Parse { line, .. }
            | PolicyError::BadBundle { line, .. }
            | PolicyError::BadData { line, .. }
            | PolicyError::OutsideRoot { line, .. } => (*line > 0).then_some(*line),
            _ => None,
        }
    }

    /// Turns a regorus parse error (`\n--> file:line:col\n...`) into a typed one.
    pub(crate) fn from_regorus_parse(file: &str, err: &str) -> PolicyError {
        let text = err.trim();
        let line = regex::Regex::new(r"(?m):(\d+):(\d+)")
            .ok()
            .and_then(|re| re.captures(text).and_then(|c| c.get(1)).and_then(|m| m.as_str().parse().ok()))
            .unwrap_or(0);
        PolicyError::Parse {
            file: file.to_string(),
            line,
            message: text.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" | "),
        }
    }
}
