//! What a run produced: one report per file (its decision, or why there is none) and the
//! counts per outcome. `check` and `inventory` make reports; the `format` modules write
//! them, and import nothing from the commands.

use crate::common::{exit, to_failure, Failure, Item};
use crate::progress::{par_map, Progress};
use microgov::{Decision, Manifest, Outcome};

/// The result for one file.
pub struct Report {
    /// The path as shown to the user.
    pub shown: String,
    /// The file's text (for locating pointers).
    pub text: String,
    /// The manifest, when it is valid.
    pub manifest: Option<Manifest>,
    /// The decision, or why there is none.
    pub result: Result<Decision, Failure>,
}

impl Report {
    /// The app's name, or the file's stem when it has no valid manifest.
    pub fn name(&self) -> String {
        match (&self.result, &self.manifest) {
            (Ok(d), _) => d.app.clone(),
            (_, Some(m)) => m.metadata.name.clone(),
            _ => std::path::Path::new(&self.shown)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| self.shown.clone()),
        }
    }

    /// `allow`, `review`, `deny` or `invalid`.
    pub fn outcome(&self) -> &'static str {
        match &self.result {
            Ok(d) => d.outcome.as_str(),
            Err(_) => "invalid",
        }
    }

    /// The JSON pointer of what a violation is about (see `Violation::pointer_in`).
    pub fn pointer_of(&self, v: &microgov::engine::Violation) -> String {
        match &self.manifest {
            Some(m) => v.pointer_in(m),
            None => v.path.clone().unwrap_or_else(|| "/metadata/name".into()),
        }
    }

    /// The JSON pointer of what a missing approval is for.
    pub fn approval_pointer(&self, a: &microgov::engine::RequiredApproval) -> String {
        match &self.manifest {
            Some(m) => a.pointer_in(m),
            None => "/metadata/name".into(),
        }
    }
}

/// Counts per outcome.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Summary {
    /// Files reported on.
    pub total: usize,
    /// Apps allowed.
    pub allow: usize,
    /// Apps that await approvals.
    pub review: usize,
    /// Apps denied.
    pub deny: usize,
    /// Files without a decision (unreadable, invalid, or the evaluation failed).
    pub invalid: usize,
}

impl Summary {
    /// The counts of `reports`.
    pub fn of(reports: &[Report]) -> Summary {
        let mut s = Summary { total: reports.len(), ..Summary::default() };
        for r in reports {
            match &r.result {
                Ok(d) => match d.outcome {
                    Outcome::Allow => s.allow += 1,
                    Outcome::Review => s.review += 1,
                    Outcome::Deny => s.deny += 1,
                },
                Err(_) => s.invalid += 1,
            }
        }
        s
    }

    /// The exit code: invalid input first, then deny, then review (which fails the gate
    /// as a denial does when `fail_on_review`).
    pub fn exit_code(&self, fail_on_review: bool) -> u8 {
        if self.invalid > 0 {
            exit::INVALID
        } else if self.deny > 0 {
            exit::DENY
        } else if self.review > 0 {
            if fail_on_review {
                exit::DENY
            } else {
                exit::REVIEW
            }
        } else {
            exit::OK
        }
    }

    /// `14 apps: 2 allowed, 3 need review, 8 denied, 1 invalid`.
    pub fn line(&self) -> String {
        format!(
            "{} app(s) checked: {} allowed, {} need review, {} denied, {} invalid",
            self.total, self.allow, self.review, self.deny, self.invalid
        )
    }
}

/// Evaluates every valid manifest (on all cores) and pairs each file with its result.
pub fn evaluate(
    engine: &microgov::Engine,
    ctx: &microgov::Context,
    items: Vec<Item>,
    show_progress: bool,
) -> Vec<Report> {
    let mut manifests = Vec::new();
    let mut slots = Vec::with_capacity(items.len());
    for item in items {
        match item.result {
            Ok(m) => {
                slots.push((item.shown, item.text, None));
                manifests.push(m);
            }
            Err(f) => slots.push((item.shown, item.text, Some(f))),
        }
    }
    let mut progress = if show_progress { Progress::new(manifests.len(), "checking") } else { Progress::hidden() };
    let decisions = par_map(
        &manifests,
        &mut progress,
        |m| engine.evaluate(m, ctx).map_err(to_failure),
        || Err(Failure::internal("an evaluation panicked (a bug in microgov, please report it)")),
    );
    progress.finish();
    let mut decisions = decisions.into_iter();
    let mut manifests = manifests.into_iter();
    slots
        .into_iter()
        .map(|(shown, text, failure)| match failure {
            Some(f) => Report { shown, text, manifest: None, result: Err(f) },
            None => {
                let manifest = manifests.next();
                let result = decisions.next().unwrap_or_else(|| Err(Failure::internal("no decision")));
                Report { shown, text, manifest, result }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_fails_the_gate_only_when_asked() {
        let s = Summary { total: 1, review: 1, ..Summary::default() };
        assert_eq!(s.exit_code(false), exit::REVIEW);
        assert_eq!(s.exit_code(true), exit::DENY);
    }
}
