//! The approver directory: who may approve in which role, and the keys they sign with
//! (`data.microgov.governance.directory`, `core/docs/approvals.md`).
//!
//! ```json
//! {"roles":  {"security": {"principals": ["sec.lead@acme.example"], "groups": ["secops"]}},
//!  "groups": {"secops": ["ana@acme.example", "bo@acme.example"]},
//!  "keys":   {"sec.lead@acme.example": ["sec.lead@acme.example+1a2b3c4d+AQ..."]}}
//! ```
//!
//! Principals are e-mail addresses, compared without regard to ASCII case (as the owner
//! is). Keys are C2SP signed-note verifier keys, the audit log's format; the engine parses
//! them when it is built, so a malformed key is a bundle error, not a silent pass.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who holds each role, the members of each group, and approvers' public keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// Role → the principals and groups that hold it.
    #[serde(default)]
    pub roles: BTreeMap<String, RoleHolders>,
    /// Group → its members (e-mail addresses).
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    /// Approver (e-mail address) → verifier keys of theirs. With a key on file, an
    /// approval by them counts only when it carries a signature one of the keys verifies.
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
}

/// The holders of one role.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleHolders {
    /// People who hold the role (e-mail addresses).
    #[serde(default)]
    pub principals: Vec<String>,
    /// Groups whose every member holds the role.
    #[serde(default)]
    pub groups: Vec<String>,
}

fn same_person(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Directory {
    /// Whether the directory grants `role` to `principal`: it is among the role's
    /// principals, or a member of one of its groups.
    pub fn grants(&self, principal: &str, role: &str) -> bool {
        let Some(holders) = self.roles.get(role) else { return false };
        holders.principals.iter().any(|p| same_person(p, principal))
            || holders
                .groups
                .iter()
                .filter_map(|g| self.groups.get(g))
                .any(|members| members.iter().any(|m| same_person(m, principal)))
    }

    /// The verifier keys on file for `principal` (empty when none).
    pub fn keys_of(&self, principal: &str) -> &[String] {
        self.keys.iter().find(|(p, _)| same_person(p, principal)).map(|(_, k)| k.as_slice()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        serde_json::from_value(serde_json::json!({
            "roles": {
                "security": {"principals": ["Sec.Lead@acme.example"], "groups": ["secops"]},
                "data-governance": {"groups": ["missing-group"]}
            },
            "groups": {"secops": ["ana@acme.example"]},
            "keys": {"ana@acme.example": ["k"]}
        }))
        .unwrap()
    }

    #[test]
    fn a_role_is_granted_to_its_principals_and_group_members_only() {
        let d = directory();
        assert!(d.grants("sec.lead@acme.example", "security"), "principals compare without ASCII case");
        assert!(d.grants("ana@acme.example", "security"), "a group member holds the group's roles");
        assert!(!d.grants("bo@acme.example", "security"));
        assert!(!d.grants("ana@acme.example", "data-governance"), "an undefined group grants nobody");
        assert!(!d.grants("sec.lead@acme.example", "unknown-role"));
    }

    #[test]
    fn keys_are_found_by_principal_and_absent_keys_are_empty() {
        let d = directory();
        assert_eq!(d.keys_of("ANA@acme.example"), ["k".to_string()]);
        assert!(d.keys_of("bo@acme.example").is_empty());
    }

    #[test]
    fn unknown_members_are_refused() {
        let e = serde_json::from_value::<Directory>(serde_json::json!({"role": {}})).unwrap_err();
        assert!(e.to_string().contains("unknown field `role`"), "{e}");
    }
}
