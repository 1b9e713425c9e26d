//! Approvals and time-bound exceptions, with separation of duties.
//!
//! An approval counts only while it is in force at `now`, when its approver is
//! neither the app's owner nor its builder, when the approver directory grants the
//! roles it claims, when it lives no longer than its kind may, and when its scope
//! matches (`core/docs/approvals.md`). A scoped exception (`scope.exception`) waives
//! only violations of that kind on that dataset or connector.

mod directory;
mod document;
mod material;

pub use directory::{Directory, RoleHolders};
pub use material::{changes, MaterialView};

use super::at::At;
use super::doc::Node;
use super::enums::Encryption;
use super::manifest::Manifest;
use super::problem::{codes, Problem};
use super::read::{parse_document, sniff_format, Limits};
use super::syntax::is_email;
use super::walk::Walker;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An approval of an app, or of one part of it, by a person in some roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Unique id, quoted in decisions that rely on it.
    pub id: String,
    /// The app's `metadata.name`.
    pub app: String,
    /// Who approved (e-mail address).
    pub approver: String,
    /// Roles in which the approver acts (`security`, `data-governance` ...).
    pub roles: Vec<String>,
    /// What is approved; `None` approves the whole app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Start of validity.
    pub granted_at: DateTime<Utc>,
    /// End of validity.
    pub expires_at: DateTime<Utc>,
    /// Why it was granted (a ticket, a review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// `sha256:` of the material view the approver reviewed (for a scoped approval, the part
    /// its scope reaches: [`MaterialView::scoped`]). When the app's differs, the approval is
    /// `stale`; without one it counts and the decision warns (`core/docs/approvals.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The digest of each part of that view, so a stale approval says what changed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reviewed: BTreeMap<String, String>,
    /// A C2SP signed-note signature line (`— <key name> <base64>`) over
    /// [`Approval::signed_text`], by a key the directory holds for the approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// What part of an app an approval covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// A named exception kind, such as `residency.transfer` or `pii.export`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// One dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// One connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
}

/// Why an approval does or does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    /// In force.
    Valid,
    /// For another app.
    WrongApp,
    /// Granted after `now`.
    NotYetValid,
    /// Expired at or before `now`.
    Expired,
    /// Revoked at or before `now`.
    Revoked,
    /// The approver owns or built the app (separation of duties).
    SelfApproval,
    /// Outside `sandbox`, the approver directory does not grant the approver a role the
    /// approval claims (and the engine does not trust claimed roles).
    UnverifiedRole,
    /// The exception kind needs a role the approval does not claim.
    RoleNotHeld,
    /// The scope names a dataset or connector the app does not have.
    ScopeMismatch,
    /// The exception needs the dataset encrypted with the tenant's own key.
    ByokRequired,
    /// It is granted for longer than its kind may be (`max_days`).
    TooLong,
    /// The directory holds a key for the approver, and the approval carries no signature
    /// that key verifies.
    BadSignature,
    /// The material view it was granted for (its `digest`) is not the app's any more.
    Stale,
}

impl std::fmt::Display for ApprovalStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ApprovalStatus {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Valid => "valid",
            ApprovalStatus::WrongApp => "wrong_app",
            ApprovalStatus::NotYetValid => "not_yet_valid",
            ApprovalStatus::Expired => "expired",
            ApprovalStatus::Revoked => "revoked",
            ApprovalStatus::SelfApproval => "self_approval",
            ApprovalStatus::UnverifiedRole => "unverified_role",
            ApprovalStatus::RoleNotHeld => "role_not_held",
            ApprovalStatus::ScopeMismatch => "scope_mismatch",
            ApprovalStatus::ByokRequired => "byok_required",
            ApprovalStatus::TooLong => "too_long",
            ApprovalStatus::BadSignature => "bad_signature",
            ApprovalStatus::Stale => "stale",
        }
    }
}

/// A rule for one exception kind, from bundle data.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExceptionRule {
    /// The dataset must use `encryption: byok`.
    #[serde(default)]
    pub requires_byok: bool,
    /// The approver must act in one of these roles (any role when empty).
    #[serde(default)]
    pub roles: Vec<String>,
    /// The longest an exception of this kind may be granted for, in days (`grantedAt` to
    /// `expiresAt`); none when absent.
    #[serde(default)]
    pub max_days: Option<i64>,
}

/// The rules approvals are checked against (bundle data, overridable).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApprovalPolicy {
    /// Who holds which role, and approvers' keys.
    #[serde(default)]
    pub directory: Directory,
    /// Approver → the roles they hold: a per-person form of the directory's `roles`
    /// (either grants a role).
    #[serde(default)]
    pub approvers: BTreeMap<String, Vec<String>>,
    /// The longest an approval that is no exception may be granted for, in days; none when
    /// absent.
    #[serde(default)]
    pub approval_max_days: Option<i64>,
    /// Trust the roles an approval claims when the directory does not grant them (demos and
    /// tests: an engine option, never bundle data).
    #[serde(skip)]
    pub trust_claimed_roles: bool,
    /// Exception kind → its rule.
    #[serde(default)]
    pub exceptions: BTreeMap<String, ExceptionRule>,
    /// Tier → roles whose approval the tier requires.
    #[serde(default)]
    pub required_approvals: BTreeMap<String, Vec<String>>,
}

impl Approval {
    /// Checks the engine's validity rules in order and returns the first that fails: dates,
    /// owner and builder, roles held, scope, BYOK, lifetime. (The engine adds the signature
    /// check, and the decision what was reviewed: `stale`.)
    pub fn status(&self, app: &Manifest, now: DateTime<Utc>, policy: &ApprovalPolicy) -> ApprovalStatus {
        self.check(app, now, policy).0
    }

    /// [`Approval::status`] and why, in words (what `explain` shows).
    pub fn check(&self, app: &Manifest, now: DateTime<Utc>, policy: &ApprovalPolicy) -> (ApprovalStatus, String) {
        use ApprovalStatus as S;
        if self.app != app.metadata.name {
            return (S::WrongApp, format!("granted for app {}", self.app));
        }
        if self.revoked_at.is_some_and(|r| r <= now) {
            return (S::Revoked, "revoked".into());
        }
        if self.granted_at > now {
            return (S::NotYetValid, "granted for a later time".into());
        }
        if self.expires_at <= now {
            return (S::Expired, "expired".into());
        }
        let same = |p: &str| self.approver.trim().eq_ignore_ascii_case(p.trim());
        if same(&app.metadata.owner) {
            return (S::SelfApproval, "the approver owns the app".into());
        }
        if app.metadata.builder.as_deref().is_some_and(same) {
            return (S::SelfApproval, "the approver built the app".into());
        }
        if let Some(role) = self.roles.iter().find(|r| !self.role_verified(r, app, policy)) {
            return (
                S::UnverifiedRole,
                format!("the approver directory does not grant {} the role {role}", self.approver),
            );
        }
        if let Some(scope) = &self.scope {
            if let Some(d) = scope.dataset.as_deref().filter(|d| app.dataset(d).is_none()) {
                return (S::ScopeMismatch, format!("its scope names dataset {d}, which the app does not have"));
            }
            if let Some(c) = scope.connector.as_deref().filter(|c| app.connector(c).is_none()) {
                return (S::ScopeMismatch, format!("its scope names connector {c}, which the app does not have"));
            }
            if let Some((kind, rule)) = scope.exception.as_deref().and_then(|e| policy.exceptions.get_key_value(e)) {
                if !rule.roles.is_empty() && !self.roles.iter().any(|r| rule.roles.contains(r)) {
                    return (
                        S::RoleNotHeld,
                        format!("a {kind} exception needs one of the roles {}", rule.roles.join(", ")),
                    );
                }
                if rule.requires_byok {
                    let datasets: Vec<&str> = match (&scope.dataset, &scope.connector) {
                        (Some(d), _) => vec![d.as_str()],
                        (None, Some(c)) => app
                            .connector(c)
                            .map(|c| c.datasets.iter().map(String::as_str).collect())
                            .unwrap_or_default(),
                        (None, None) => app.spec.datasets.iter().map(|d| d.name.as_str()).collect(),
                    };
                    if let Some(d) =
                        datasets.iter().find(|d| app.dataset(d).is_some_and(|d| d.encryption != Encryption::Byok))
                    {
                        return (
                            S::ByokRequired,
                            format!("a {kind} exception needs dataset {d} encrypted with the tenant's own key"),
                        );
                    }
                }
            }
        }
        let (what, max) = match self.scope.as_ref().and_then(|s| s.exception.as_deref()) {
            Some(kind) => (
                format!("a {kind} exception"),
                policy.exceptions.get(kind).and_then(|r| r.max_days).or(policy.approval_max_days),
            ),
            None => ("an approval".to_string(), policy.approval_max_days),
        };
        let days = self.lifetime_days();
        if let Some(max) = max.filter(|&max| days > max) {
            return (S::TooLong, format!("granted for {days} days; {what} may last at most {max}"));
        }
        (S::Valid, "in force".into())
    }

    /// Days from `grantedAt` to `expiresAt`, a started day counting as a whole one.
    pub fn lifetime_days(&self) -> i64 {
        let span = self.expires_at - self.granted_at;
        let days = span.num_days();
        if span > chrono::Duration::days(days) {
            days + 1
        } else {
            days
        }
    }

    /// Whether `role`, claimed by this approval, counts for `app`: the directory (or the
    /// per-person `approvers` map) grants it, or claimed roles are trusted (in `sandbox`,
    /// or by the engine option).
    fn role_verified(&self, role: &str, app: &Manifest, policy: &ApprovalPolicy) -> bool {
        policy.trust_claimed_roles
            || app.spec.environment == super::enums::Environment::Sandbox
            || policy.directory.grants(&self.approver, role)
            || policy
                .approvers
                .iter()
                .any(|(a, held)| a.trim().eq_ignore_ascii_case(self.approver.trim()) && held.iter().any(|h| h == role))
    }

    /// The material view this approval binds to: the whole app's, or what its scope reaches.
    pub fn material_view(&self, app: &Manifest) -> MaterialView {
        MaterialView::scoped(app, self.scope.as_ref())
    }

    /// Binds this approval to what its approver sees in `app` now: sets `digest` and
    /// `reviewed` from [`Approval::material_view`].
    pub fn bind_to(&mut self, app: &Manifest) {
        let view = self.material_view(app);
        self.digest = Some(view.digest());
        self.reviewed = view.part_digests();
    }

    /// Whether this approval, if valid, gives `role` for the whole app or for
    /// the dataset / connector a requirement names. Exceptions never do.
    pub fn grants_role(&self, role: &str, dataset: Option<&str>, connector: Option<&str>) -> bool {
        if !self.roles.iter().any(|r| r == role) {
            return false;
        }
        match &self.scope {
            None => true,
            Some(s) if s.exception.is_some() => false,
            Some(s) => {
                (s.dataset.is_none() || s.dataset.as_deref() == dataset)
                    && (s.connector.is_none() || s.connector.as_deref() == connector)
                    && (s.dataset.is_some() || s.connector.is_some())
                    && (dataset.is_some() || connector.is_some())
            }
        }
    }

    /// Whether this approval, if valid, waives a violation of exception kind
    /// `exception` that concerns `datasets` (every dataset it names, see
    /// [`crate::Violation::datasets`]) and `connector`: each item the scope names must
    /// be among the violation's, so a narrower scope never waives less.
    pub fn waives(&self, exception: &str, datasets: &[String], connector: Option<&str>) -> bool {
        let Some(s) = &self.scope else { return false };
        s.exception.as_deref() == Some(exception)
            && s.dataset.as_ref().is_none_or(|d| datasets.contains(d))
            && (s.connector.is_none() || s.connector.as_deref() == connector)
    }
}

/// `sha256:` and 64 lowercase hex digits.
fn is_sha256(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// The members of an approvals file item, in the order the file format lists them (and
/// `microgov approve` writes them).
pub const FILE_KEYS: [&str; 12] = [
    "id",
    "app",
    "approver",
    "roles",
    "scope",
    "grantedAt",
    "expiresAt",
    "justification",
    "revokedAt",
    "digest",
    "reviewed",
    "signature",
];

/// Reads a list of approvals from YAML or JSON, reporting every problem.
pub fn approvals_from_str(text: &str) -> Result<Vec<Approval>, Vec<Problem>> {
    let doc = parse_document(text, sniff_format(text), &Limits::default())?;
    approvals_from_value(&doc).map_err(|mut problems| {
        super::locate::locate_problems(text, &mut problems);
        problems
    })
}

/// Reads a list of approvals from a parsed document, reporting every problem.
pub fn approvals_from_value(doc: &serde_json::Value) -> Result<Vec<Approval>, Vec<Problem>> {
    let mut w = Walker::new();
    let mut out = Vec::new();
    let items: &[serde_json::Value] = match doc {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Null => &[],
        other => {
            w.push(
                codes::WRONG_TYPE,
                "",
                format!("expected a list of approvals, found {}", (&other).kind().described()),
            );
            &[]
        }
    };
    let mut ids = std::collections::BTreeSet::new();
    for (i, v) in items.iter().enumerate() {
        let at = At::Index(&At::Root, i);
        let Some(
            [id, app, approver, roles, scope, granted_at, expires_at, justification, revoked_at, digest, reviewed, signature],
        ) = w.members(&v, &at, FILE_KEYS)
        else {
            continue;
        };
        let id = w.req_str(&at, &id);
        let app = w.req_str(&at, &app);
        let approver_key = approver.key;
        let approver = w.req_str(&at, &approver);
        if let Some(a) = &approver {
            if !is_email(a) {
                w.push_at(
                    codes::INVALID_EMAIL,
                    &At::Key(&at, approver_key),
                    format!("approver \"{a}\" is not an e-mail address"),
                );
            }
        }
        let roles_key = roles.key;
        let roles = w.str_list(&at, &roles);
        if roles.is_empty() {
            w.push_at(codes::MISSING, &At::Key(&at, roles_key), "an approval needs at least one role");
        }
        let scope = scope.present().and_then(|s| {
            let sp = At::Key(&at, "scope");
            w.members(s, &sp, ["exception", "dataset", "connector"]).map(|[exception, dataset, connector]| Scope {
                exception: w.opt_str(&sp, &exception),
                dataset: w.opt_str(&sp, &dataset),
                connector: w.opt_str(&sp, &connector),
            })
        });
        let expires_key = expires_at.key;
        let granted_at = w.req_time(&at, &granted_at);
        let expires_at = w.req_time(&at, &expires_at);
        if let (Some(g), Some(e)) = (granted_at, expires_at) {
            if e <= g {
                w.push_at(
                    codes::EXPIRY_BEFORE_CREATION,
                    &At::Key(&at, expires_key),
                    "expiresAt is not after grantedAt",
                );
            }
        }
        let justification = w.opt_str(&at, &justification);
        let revoked_at = w.opt_time(&at, &revoked_at);
        let digest_key = digest.key;
        let digest = w.opt_str(&at, &digest);
        let reviewed = w.str_map(&at, &reviewed);
        let signature_key = signature.key;
        let signature = w.opt_str(&at, &signature);
        if let Some(sig) = &signature {
            if !sig.starts_with('\u{2014}') || sig.contains('\n') {
                w.push_at(
                    codes::UNKNOWN_VALUE,
                    &At::Key(&at, signature_key),
                    "signature is not a signed-note signature line (an em dash, a space, the key name, a space, base64)",
                );
            }
        }
        for (key, d) in digest.iter().map(|d| (digest_key, d)) {
            if !is_sha256(d) {
                w.push_at(
                    codes::UNKNOWN_VALUE,
                    &At::Key(&at, key),
                    format!("digest \"{d}\" is not sha256 and 64 lowercase hex digits"),
                );
            }
        }
        if let Some(id) = &id {
            if !ids.insert(id.clone()) {
                w.push_at(
                    codes::DUPLICATE_NAME,
                    &At::Key(&at, "id"),
                    format!("approval id \"{id}\" appears more than once"),
                );
            }
        }
        if let (Some(id), Some(app), Some(approver), Some(granted_at), Some(expires_at)) =
            (id, app, approver, granted_at, expires_at)
        {
            out.push(Approval {
                id,
                app,
                approver,
                roles,
                scope,
                granted_at,
                expires_at,
                justification,
                revoked_at,
                digest,
                reviewed,
                signature,
            });
        }
    }
    if w.problems.is_empty() {
        Ok(out)
    } else {
        Err(w.problems)
    }
}
