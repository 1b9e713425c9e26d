//! Witness cosignatures: C2SP `tlog-cosignature` (`cosignature/v1`, Ed25519) on checkpoints,
//! and the policy "at least K of these N witnesses cosigned".
//!
//! A witness keeps the last checkpoint it saw of a log, checks that the next one is consistent
//! with it, and adds a signature line to the note. That line is a C2SP signed-note signature
//! with key id `SHA-256(name || 0x0A || 0x04 || public key)[:4]` and, after the id, an 8-byte
//! big-endian POSIX timestamp and the Ed25519 signature of
//!
//! ```text
//! cosignature/v1
//! time <timestamp>
//! <the checkpoint text: origin, size, root and any extension lines>
//! ```
//!
//! Keys are signed-note key strings with signature type 0x04:
//! `<name>+<hex id>+<base64(0x04 || public key)>` and
//! `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>` (the form of
//! `github.com/transparency-dev/formats/note`, whose verifier checks ours in
//! `fixtures/audit/witness/`). A checkpoint cosigned by a witness still carries the log's own
//! signature; verifying one does not depend on the other.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer};
use serde::Serialize;

use super::checkpoint::{check_name, hex_id, key_id_for, parse_key_material, split_note, split_notes, SIG_PREFIX};
use super::{AuditError, Checkpoint};

/// The signature type byte of `cosignature/v1` (Ed25519) keys.
const ALG_COSIGNATURE_V1: u8 = 0x04;
/// Plain signed-note Ed25519 keys, accepted as the same key (as the Go implementation does).
const ALG_ED25519: u8 = 0x01;

/// A witness's public key: checks its cosignatures.
#[derive(Clone, PartialEq, Eq)]
pub struct WitnessKey {
    name: String,
    id: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

/// A witness's signing key: adds cosignatures (for tests and for running a witness).
#[derive(Clone)]
pub struct WitnessSigningKey {
    name: String,
    id: [u8; 4],
    key: ed25519_dalek::SigningKey,
}

/// A valid cosignature found on a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cosignature {
    /// The witness's key name.
    pub witness: String,
    /// When it cosigned, in seconds since the Unix epoch.
    pub time: u64,
}

/// Generates a witness key pair and returns `(signing key string, verifier key string)`.
///
/// ```
/// let (skey, vkey) = microgov::audit::witness_keygen("witness.example/w1").unwrap();
/// assert!(skey.starts_with("PRIVATE+KEY+witness.example/w1+"));
/// assert!(vkey.starts_with("witness.example/w1+"));
/// ```
pub fn witness_keygen(name: &str) -> Result<(String, String), AuditError> {
    let key = WitnessSigningKey::generate(name)?;
    Ok((key.to_skey(), key.verifier().to_vkey()))
}

/// `cosignature/v1\ntime <t>\n<text>`: the message a witness signs.
fn message(time: u64, text: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(text.len() + 40);
    m.extend_from_slice(b"cosignature/v1\ntime ");
    m.extend_from_slice(time.to_string().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(text.as_bytes());
    m
}

impl WitnessSigningKey {
    /// A new key from the operating system's random source.
    pub fn generate(name: &str) -> Result<WitnessSigningKey, AuditError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| AuditError::BadKey { reason: format!("no system randomness: {e}") })?;
        WitnessSigningKey::from_seed(name, seed)
    }

    /// The key of this seed (deterministic, for tests).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<WitnessSigningKey, AuditError> {
        check_name(name)?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let id = key_id_for(name, ALG_COSIGNATURE_V1, key.verifying_key().as_bytes());
        Ok(WitnessSigningKey { name: name.to_string(), id, key })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>` (a plain 0x01 signing key
    /// is taken as the same Ed25519 key); the id must be the key's `cosignature/v1` id.
    pub fn parse(skey: &str) -> Result<WitnessSigningKey, AuditError> {
        let rest = skey
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| AuditError::BadKey { reason: "a signing key starts with PRIVATE+KEY+".into() })?;
        let (name, id, alg, seed) = parse_key_material(rest, &[ALG_COSIGNATURE_V1, ALG_ED25519])?;
        let key = WitnessSigningKey::from_seed(&name, seed)?;
        let expected = key_id_for(&name, alg, key.key.verifying_key().as_bytes());
        if id != expected {
            return Err(AuditError::BadKey { reason: "key id does not match the key".into() });
        }
        Ok(key)
    }

    /// The private key string (keep it secret).
    pub fn to_skey(&self) -> String {
        let mut raw = vec![ALG_COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{}+{}", self.name, hex_id(&self.id), B64.encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching public key.
    pub fn verifier(&self) -> WitnessKey {
        WitnessKey { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The cosignature line (with its line feed) over note text `text` at `time`.
    pub fn signature_line(&self, text: &str, time: u64) -> String {
        let sig = self.key.sign(&message(time, text));
        let mut raw = Vec::with_capacity(76);
        raw.extend_from_slice(&self.id);
        raw.extend_from_slice(&time.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }

    /// Adds this witness's cosignature, made at `time` (seconds since the Unix epoch), to a
    /// signed checkpoint note. The note must hold a well-formed checkpoint; checking the log's
    /// signature and the consistency with the previous checkpoint is the caller's job (the
    /// CLI's `audit cosign` does both). A cosignature by this key already present is replaced.
    ///
    /// `time` must not exceed 2^63 − 1 (C2SP).
    pub fn cosign(&self, note: &str, time: u64) -> Result<String, AuditError> {
        if time > i64::MAX as u64 {
            return Err(AuditError::InvalidArgument { reason: "cosignature time exceeds 2^63-1".into() });
        }
        let (text, sigs) = split_note(note)?;
        Checkpoint::parse_body(text)?;
        let mut out = String::with_capacity(note.len() + 120);
        out.push_str(text);
        out.push('\n');
        let block = &note[text.len() + 1..];
        for (line, sig) in block.split_inclusive('\n').zip(&sigs) {
            if !(sig.name == self.name && sig.id == self.id) {
                out.push_str(line);
            }
        }
        out.push_str(&self.signature_line(text, time));
        Ok(out)
    }
}

impl fmt::Debug for WitnessSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WitnessSigningKey({}+{})", self.name, hex_id(&self.id))
    }
}

impl WitnessKey {
    /// Parses `<name>+<hex id>+<base64(0x04 || public key)>`. A plain signed-note key
    /// (`0x01`, with its own id) names the same Ed25519 key and is accepted too; its
    /// cosignatures carry the `0x04` id.
    pub fn parse(vkey: &str) -> Result<WitnessKey, AuditError> {
        let (name, id, alg, public) = parse_key_material(vkey.trim(), &[ALG_COSIGNATURE_V1, ALG_ED25519])?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|_| AuditError::BadKey { reason: "not a valid ed25519 public key".into() })?;
        if key_id_for(&name, alg, &public) != id {
            return Err(AuditError::BadKey { reason: "key id does not match the key".into() });
        }
        Ok(WitnessKey { id: key_id_for(&name, ALG_COSIGNATURE_V1, &public), name, key })
    }

    /// The verifier key string (type 0x04).
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![ALG_COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex_id(&self.id), B64.encode(raw))
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The valid cosignature by this witness on `note`, if any. A line with this key's name
    /// and id that does not verify is [`AuditError::BadSignature`]; a note with none is `Ok(None)`.
    pub fn cosignature(&self, note: &str) -> Result<Option<Cosignature>, AuditError> {
        let (text, sigs) = split_note(note)?;
        let mut seen = false;
        for sig in sigs.iter().filter(|s| s.name == self.name && s.id == self.id) {
            seen = true;
            if sig.sig.len() != 72 {
                continue;
            }
            let mut t = [0u8; 8];
            t.copy_from_slice(&sig.sig[..8]);
            let time = u64::from_be_bytes(t);
            let mut s = [0u8; 64];
            s.copy_from_slice(&sig.sig[8..]);
            if time <= i64::MAX as u64
                && self.key.verify_strict(&message(time, text), &Signature::from_bytes(&s)).is_ok()
            {
                return Ok(Some(Cosignature { witness: self.name.clone(), time }));
            }
        }
        if seen {
            return Err(AuditError::BadSignature {
                reason: format!("cosignature by witness {}+{} does not verify", self.name, hex_id(&self.id)),
            });
        }
        Ok(None)
    }
}

impl fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

impl fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// "At least `threshold` of these witnesses cosigned the checkpoint."
///
/// ```
/// use microgov::audit::{Checkpoint, SigningKey, WitnessPolicy, WitnessSigningKey};
/// let log = SigningKey::from_seed("example.com/log", [1; 32])?;
/// let w1 = WitnessSigningKey::from_seed("w1.example", [2; 32])?;
/// let w2 = WitnessSigningKey::from_seed("w2.example", [3; 32])?;
/// let cp = Checkpoint { origin: "example.com/log".into(), size: 3, root: microgov::audit::Hash([0; 32]), extensions: vec![] };
/// let note = w1.cosign(&cp.sign(&log), 1_700_000_000)?;
/// let one_of_two = WitnessPolicy::new(vec![w1.verifier(), w2.verifier()], 1)?;
/// assert_eq!(one_of_two.check(&note)?.len(), 1);
/// let two_of_two = WitnessPolicy::new(vec![w1.verifier(), w2.verifier()], 2)?;
/// assert_eq!(two_of_two.check(&note).unwrap_err().code(), "audit.bad_signature");
/// # Ok::<(), microgov::audit::AuditError>(())
/// ```
#[derive(Debug, Clone)]
pub struct WitnessPolicy {
    keys: Vec<WitnessKey>,
    threshold: usize,
}

impl WitnessPolicy {
    /// A policy over distinct witness keys; `threshold` is between 1 and their number.
    pub fn new(keys: Vec<WitnessKey>, threshold: usize) -> Result<WitnessPolicy, AuditError> {
        if threshold == 0 || threshold > keys.len() {
            return Err(AuditError::InvalidArgument {
                reason: format!(
                    "witness threshold {threshold} must be between 1 and the {} witness key(s) given",
                    keys.len()
                ),
            });
        }
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].iter().any(|o| o.name == k.name && o.id == k.id) {
                return Err(AuditError::InvalidArgument { reason: format!("witness key {} is given twice", k.name) });
            }
        }
        Ok(WitnessPolicy { keys, threshold })
    }

    /// The witness keys.
    pub fn keys(&self) -> &[WitnessKey] {
        &self.keys
    }

    /// How many must have cosigned.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Checks one note: returns the valid cosignatures by the policy's witnesses, or
    /// [`AuditError::BadSignature`] when fewer than the threshold are there (a cosignature line
    /// of a listed witness that does not verify counts as missing, and is named).
    pub fn check(&self, note: &str) -> Result<Vec<Cosignature>, AuditError> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for k in &self.keys {
            match k.cosignature(note) {
                Ok(Some(c)) => found.push(c),
                Ok(None) => missing.push(format!("{} (no cosignature)", k.name)),
                Err(AuditError::BadSignature { .. }) => {
                    missing.push(format!("{} (cosignature does not verify)", k.name))
                }
                Err(e) => return Err(e),
            }
        }
        if found.len() < self.threshold {
            return Err(AuditError::BadSignature {
                reason: format!(
                    "checkpoint cosigned by {} of the {} witness(es), {} required; missing: {}",
                    found.len(),
                    self.keys.len(),
                    self.threshold,
                    missing.join(", ")
                ),
            });
        }
        Ok(found)
    }
}

impl WitnessPolicy {
    /// Checks checkpoints as `verify` takes them (one note or a checkpoints file): the note with
    /// the largest tree size, the one that attests the most records, must meet the policy
    /// (older notes are tied to it by the log itself). Returns that checkpoint and its
    /// cosignatures.
    pub fn check_latest(&self, checkpoints: &str) -> Result<(Checkpoint, Vec<Cosignature>), AuditError> {
        let (notes, complete) = split_notes(checkpoints)?;
        if complete != checkpoints.len() || notes.is_empty() {
            return Err(AuditError::BadCheckpoint { reason: format!("incomplete checkpoint note at byte {complete}") });
        }
        let mut latest: Option<(Checkpoint, &str)> = None;
        for note in notes {
            let cp = Checkpoint::open(note, None)?;
            if latest.as_ref().is_none_or(|(l, _)| cp.size > l.size) {
                latest = Some((cp, note));
            }
        }
        let Some((cp, note)) = latest else {
            return Err(AuditError::BadCheckpoint { reason: "no checkpoint".into() });
        };
        let found = self.check(note)?;
        Ok((cp, found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Hash, SigningKey};

    fn checkpoint_note() -> String {
        let log = SigningKey::from_seed("example.com/log", [1; 32]).unwrap();
        Checkpoint { origin: "example.com/log".into(), size: 10, root: Hash([7; 32]), extensions: vec![] }.sign(&log)
    }

    /// The key hash uses type byte 0x04, and the signed message is exactly the C2SP form.
    #[test]
    fn cosignature_line_layout() {
        let w = WitnessSigningKey::from_seed("witness.example/w1", [5; 32]).unwrap();
        let pk = w.key.verifying_key();
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"witness.example/w1\n\x04");
        h.update(pk.as_bytes());
        let d = h.finalize();
        assert_eq!(w.id, [d[0], d[1], d[2], d[3]]);
        let note = w.cosign(&checkpoint_note(), 1_679_315_147).unwrap();
        let line = note.lines().last().unwrap();
        let b64 = line.strip_prefix("\u{2014} witness.example/w1 ").unwrap();
        let raw = B64.decode(b64).unwrap();
        assert_eq!(raw.len(), 4 + 8 + 64);
        assert_eq!(&raw[..4], &w.id);
        assert_eq!(u64::from_be_bytes(raw[4..12].try_into().unwrap()), 1_679_315_147);
        let text = "example.com/log\n10\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n";
        let msg = format!("cosignature/v1\ntime 1679315147\n{text}");
        let sig = Signature::from_bytes(&raw[12..].try_into().unwrap());
        assert!(pk.verify_strict(msg.as_bytes(), &sig).is_ok());
        // The log's own signature is still there and still verifies.
        let log = SigningKey::from_seed("example.com/log", [1; 32]).unwrap();
        assert!(Checkpoint::open(&note, Some(&log.verifier())).is_ok());
    }

    #[test]
    fn keys_round_trip_and_plain_keys_are_accepted() {
        let w = WitnessSigningKey::from_seed("w", [5; 32]).unwrap();
        assert_eq!(WitnessSigningKey::parse(&w.to_skey()).unwrap().to_skey(), w.to_skey());
        assert_eq!(WitnessKey::parse(&w.verifier().to_vkey()).unwrap(), w.verifier());
        // The same seed as a plain signed-note key (0x01): the same witness.
        let plain = SigningKey::from_seed("w", [5; 32]).unwrap();
        assert_eq!(WitnessKey::parse(&plain.verifier().to_vkey()).unwrap(), w.verifier());
        assert_eq!(WitnessSigningKey::parse(&plain.to_skey()).unwrap().to_skey(), w.to_skey());
        // A 0x04 key string with the 0x01 id is refused.
        let wrong = w.verifier().to_vkey().replacen(&hex_id(&w.id), &hex_id(&plain.key_id()), 1);
        assert_eq!(WitnessKey::parse(&wrong).unwrap_err().code(), "audit.bad_key");
        assert_eq!(WitnessKey::parse("w+00000000+AQ==").unwrap_err().code(), "audit.bad_key");
    }

    #[test]
    fn policy_counts_distinct_valid_witnesses() {
        let ws: Vec<WitnessSigningKey> =
            (0..3u8).map(|i| WitnessSigningKey::from_seed(&format!("w{i}.example"), [10 + i; 32]).unwrap()).collect();
        let keys: Vec<WitnessKey> = ws.iter().map(WitnessSigningKey::verifier).collect();
        let mut note = checkpoint_note();
        for w in &ws[..2] {
            note = w.cosign(&note, 1_700_000_000).unwrap();
        }
        // Cosigning again replaces the earlier line.
        note = ws[0].cosign(&note, 1_700_000_001).unwrap();
        assert_eq!(note.matches("w0.example").count(), 1);
        let two = WitnessPolicy::new(keys.clone(), 2).unwrap();
        let found = two.check(&note).unwrap();
        assert_eq!(
            found.iter().map(|c| (c.witness.as_str(), c.time)).collect::<Vec<_>>(),
            vec![("w0.example", 1_700_000_001), ("w1.example", 1_700_000_000)]
        );
        let three = WitnessPolicy::new(keys.clone(), 3).unwrap();
        let e = three.check(&note).unwrap_err();
        assert_eq!(e.code(), "audit.bad_signature");
        assert!(e.to_string().contains("cosigned by 2 of the 3 witness(es), 3 required; missing: w2.example"), "{e}");
        // A cosignature over another checkpoint does not count.
        let forged = note.replacen("\n10\n", "\n11\n", 1);
        let e = WitnessPolicy::new(keys.clone(), 1).unwrap().check(&forged).unwrap_err();
        assert!(e.to_string().contains("does not verify"), "{e}");
        // A plain signature (no timestamp) by the witness key is not a cosignature.
        let plain = SigningKey::from_seed("w2.example", [12; 32]).unwrap();
        let text_end = note.find("\n\n").unwrap() + 1;
        let with_plain = format!("{note}{}", plain.signature_line(&note[..text_end]));
        assert!(WitnessPolicy::new(keys.clone(), 3).unwrap().check(&with_plain).is_err());
        assert_eq!(WitnessPolicy::new(keys.clone(), 0).unwrap_err().code(), "audit.invalid_argument");
        assert_eq!(WitnessPolicy::new(keys.clone(), 4).unwrap_err().code(), "audit.invalid_argument");
        let twice = vec![keys[0].clone(), keys[0].clone()];
        assert_eq!(WitnessPolicy::new(twice, 1).unwrap_err().code(), "audit.invalid_argument");
    }

    #[test]
    fn cosign_refuses_what_is_not_a_checkpoint() {
        let w = WitnessSigningKey::from_seed("w", [5; 32]).unwrap();
        assert_eq!(w.cosign("hello\n", 1).unwrap_err().code(), "audit.bad_checkpoint");
        assert_eq!(w.cosign(&checkpoint_note(), u64::MAX).unwrap_err().code(), "audit.invalid_argument");
    }
}
