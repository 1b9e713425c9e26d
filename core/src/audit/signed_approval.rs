//! Signed approvals: an approval's canonical JSON signed as a C2SP signed note with the
//! audit log's Ed25519 keys, so one tool set (ours, or Go's `sumdb/note`) checks
//! checkpoints and approvals alike (`core/docs/approvals.md`, signed approvals).

use super::checkpoint::{split_note, SigningKey, VerifierKey, SIG_PREFIX};
use super::AuditError;
use crate::model::Approval;
use ed25519_dalek::Signature;

/// Signs `approval` with `key`: sets its `signature` to the signature line over
/// [`Approval::signed_text`] (without the line feed). Sign last: any later change to the
/// approval (its id, digest, dates) breaks the signature.
pub fn sign_approval(approval: &mut Approval, key: &SigningKey) -> Result<(), AuditError> {
    approval.signature = None;
    let text = approval.signed_text().ok_or_else(|| AuditError::BadKey {
        reason: "the approval is outside the canonical JSON subset and cannot be signed".into(),
    })?;
    let line = key.signature_line(&text);
    approval.signature = Some(line.trim_end_matches('\n').to_string());
    Ok(())
}

/// Whether one of `keys` verifies the approval's signature; `Err` says why not (unsigned,
/// malformed, by another key, or not verifying).
pub fn verify_approval(approval: &Approval, keys: &[VerifierKey]) -> Result<(), String> {
    let Some(line) = approval.signature.as_deref() else {
        return Err("it is not signed, and the directory holds a key for its approver".into());
    };
    let Some(text) = approval.signed_text() else {
        return Err("it is outside the canonical JSON subset".into());
    };
    if !line.starts_with(SIG_PREFIX) {
        return Err("its signature is not a signed-note signature line".into());
    }
    let note = format!("{text}\n{line}\n");
    let (text, sigs) =
        split_note(&note).map_err(|_| "its signature is not a signed-note signature line".to_string())?;
    let mut by_known_key = false;
    for sig in &sigs {
        for key in keys.iter().filter(|k| k.name() == sig.name && k.key_id() == sig.id) {
            by_known_key = true;
            let Ok(bytes) = <[u8; 64]>::try_from(sig.sig.as_slice()) else { continue };
            if key.verify_strict(text.as_bytes(), &Signature::from_bytes(&bytes)) {
                return Ok(());
            }
        }
    }
    Err(if by_known_key {
        "its signature does not verify with the approver's key".into()
    } else {
        "it is signed by a key the directory does not hold for its approver".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::approval::approvals_from_str;

    fn approval() -> Approval {
        let text = "- id: apr-1\n  app: hr-onboarding\n  approver: sec.lead@acme.example\n  roles: [security]\n  grantedAt: 2026-11-20T00:00:00Z\n  expiresAt: 2027-02-20T00:00:00Z\n";
        approvals_from_str(text).unwrap().remove(0)
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_seed("sec.lead@acme.example", [seed; 32]).unwrap()
    }

    #[test]
    fn a_signed_approval_verifies_with_its_key_and_no_other() {
        let mut a = approval();
        sign_approval(&mut a, &key(1)).unwrap();
        assert!(a.signature.as_deref().unwrap().starts_with("\u{2014} sec.lead@acme.example "));
        assert_eq!(verify_approval(&a, &[key(1).verifier()]), Ok(()));
        let other = verify_approval(&a, &[key(2).verifier()]).unwrap_err();
        assert!(other.contains("a key the directory does not hold"), "{other}");
    }

    #[test]
    fn any_change_after_signing_breaks_the_signature() {
        let mut a = approval();
        sign_approval(&mut a, &key(1)).unwrap();
        for change in [
            |a: &mut Approval| a.roles.push("data-governance".into()),
            |a: &mut Approval| a.expires_at += chrono::Duration::days(1),
            |a: &mut Approval| a.id.push('x'),
            |a: &mut Approval| a.digest = Some(format!("sha256:{}", "0".repeat(64))),
        ] {
            let mut changed = a.clone();
            change(&mut changed);
            let why = verify_approval(&changed, &[key(1).verifier()]).unwrap_err();
            assert!(why.contains("does not verify"), "{why}");
        }
    }

    #[test]
    fn an_unsigned_or_garbled_signature_is_refused_with_its_reason() {
        let a = approval();
        assert!(verify_approval(&a, &[key(1).verifier()]).unwrap_err().contains("not signed"));
        let mut garbled = approval();
        garbled.signature = Some("\u{2014} sec.lead@acme.example !!!".into());
        assert!(verify_approval(&garbled, &[key(1).verifier()]).unwrap_err().contains("not a signed-note"));
    }
}
