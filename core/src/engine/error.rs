//! Errors of evaluating policies (loading them is [`crate::bundle::BundleError`]).

/// An evaluation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// Evaluation failed (a builtin error, a conflict between rule values ...).
    #[error("policy evaluation failed: {0}")]
    Failed(String),
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

impl EvalError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::Failed(_) => "policy.eval",
            EvalError::Limit(_) => "policy.limit",
            EvalError::BadResult { .. } => "policy.bad_result",
        }
    }

    /// Sorts a regorus evaluation error into a budget stop or a failure.
    pub(crate) fn classify(msg: &str) -> EvalError {
        let lower = msg.to_ascii_lowercase();
        if lower.contains("instruction")
            || lower.contains("time limit")
            || lower.contains("timer")
            || lower.contains("timeout")
            || lower.contains("exceeded")
            || lower.contains("recursion")
            || lower.contains("stack")
        {
            EvalError::Limit(msg.trim().to_string())
        } else {
            EvalError::Failed(msg.trim().to_string())
        }
    }
}
