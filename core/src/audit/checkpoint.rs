//! Checkpoints: C2SP `tlog-checkpoint` bodies signed as C2SP signed notes with Ed25519.
//!
//! The formats are those of Go's `golang.org/x/mod/sumdb/note` and of the transparency-log
//! ecosystem (sigsum, Trillian, Sigstore), so checkpoints written here can be checked with
//! their tools, and keys move between them as strings:
//! `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>` and `<name>+<hex id>+<base64(0x01 || pubkey)>`.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer};
use sha2::{Digest, Sha256};

use super::merkle::{truncate, Hash};
use super::AuditError;

/// The signature type byte of Ed25519 in C2SP signed notes.
const ALG_ED25519: u8 = 0x01;

/// The signature line prefix: U+2014 EM DASH and a space.
pub(crate) const SIG_PREFIX: &str = "\u{2014} ";

/// An Ed25519 key that signs checkpoints, with the key name that appears in signature lines.
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    id: [u8; 4],
    key: ed25519_dalek::SigningKey,
}

/// The public half of a [`SigningKey`]: what a verifier needs.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

/// Generates a new signing key with the system's random source and returns
/// `(private key string, verifier key string)`.
///
/// ```
/// let (skey, vkey) = microgov::audit::keygen("example.com/audit").unwrap();
/// assert!(skey.starts_with("PRIVATE+KEY+example.com/audit+"));
/// assert!(vkey.starts_with("example.com/audit+"));
/// ```
pub fn keygen(name: &str) -> Result<(String, String), AuditError> {
    let key = SigningKey::generate(name)?;
    Ok((key.to_skey(), key.verifier().to_vkey()))
}

/// Key names follow the signed-note rules (C2SP `signed-note`, §7.2 of the format): non-empty,
/// no `+`, no Unicode whitespace, no character below U+0020. The error names the first bad
/// character and its position (1-based, in characters).
pub(crate) fn check_name(name: &str) -> Result<(), AuditError> {
    if name.is_empty() {
        return Err(AuditError::BadKey { reason: "key name is empty".into() });
    }
    for (i, c) in name.chars().enumerate() {
        let what = if c < '\u{20}' {
            "control character"
        } else if c.is_whitespace() {
            "space"
        } else if c == '+' {
            "'+'"
        } else {
            continue;
        };
        return Err(AuditError::BadKey {
            reason: format!(
                "key name has a {what} U+{:04X} at character {} (no '+', spaces or control characters): {:?}",
                c as u32,
                i + 1,
                truncate(name, 60)
            ),
        });
    }
    Ok(())
}

/// Key id: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key).
fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    key_id_for(name, ALG_ED25519, public)
}

/// Key id of a key of signature type `alg`: SHA-256(name || 0x0A || alg || public key)[:4].
pub(crate) fn key_id_for(name: &str, alg: u8, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

pub(crate) fn hex_id(id: &[u8; 4]) -> String {
    format!("{:08x}", u32::from_be_bytes(*id))
}

/// Splits `name+hexid+base64` into its parts and decodes the `0x01 || 32 bytes` key material.
fn parse_key_parts(rest: &str) -> Result<(String, [u8; 4], [u8; 32]), AuditError> {
    let (name, id, _, bytes) = parse_key_material(rest, &[ALG_ED25519])?;
    Ok((name, id, bytes))
}

/// Splits `name+hexid+base64` and decodes `alg || 32 bytes`, `alg` one of `algs`.
pub(crate) fn parse_key_material(rest: &str, algs: &[u8]) -> Result<(String, [u8; 4], u8, [u8; 32]), AuditError> {
    let bad = |reason: &str| AuditError::BadKey { reason: reason.to_string() };
    // The base64 part may itself contain '+'.
    let mut parts = rest.splitn(3, '+');
    let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected <name>+<hex key id>+<base64 key>"));
    };
    check_name(name)?;
    if id.len() != 8 || !id.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
        return Err(bad("key id must be 8 lowercase hex digits"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| bad("key id must be 8 hex digits"))?.to_be_bytes();
    let raw = B64.decode(material.trim_end()).map_err(|_| bad("key is not valid base64"))?;
    if raw.len() != 33 || !algs.contains(&raw[0]) {
        let want: Vec<String> = algs.iter().map(|a| format!("0x{a:02x}")).collect();
        return Err(AuditError::BadKey {
            reason: format!("key is not an ed25519 key of this kind (expected {} and 32 bytes)", want.join(" or ")),
        });
    }
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&raw[1..]);
    Ok((name.to_string(), id, raw[0], bytes))
}

impl SigningKey {
    /// A new key from the operating system's random source.
    pub fn generate(name: &str) -> Result<SigningKey, AuditError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| AuditError::BadKey { reason: format!("no system randomness: {e}") })?;
        SigningKey::from_seed(name, seed)
    }

    /// The key with this 32-byte Ed25519 seed (deterministic: for tests and key import).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SigningKey, AuditError> {
        check_name(name)?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(SigningKey { name: name.to_string(), id, key })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`; the id must match.
    pub fn parse(skey: &str) -> Result<SigningKey, AuditError> {
        let rest = skey
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| AuditError::BadKey { reason: "a signing key starts with PRIVATE+KEY+".into() })?;
        let (name, id, seed) = parse_key_parts(rest)?;
        let key = SigningKey::from_seed(&name, seed)?;
        if key.id != id {
            return Err(AuditError::BadKey { reason: "key id does not match the key".into() });
        }
        Ok(key)
    }

    /// The private key string (keep it secret).
    pub fn to_skey(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{}+{}", self.name, hex_id(&self.id), B64.encode(raw))
    }

    /// The key name, as it appears in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> [u8; 4] {
        self.id
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The signature line (with its line feed) for note text `text`.
    pub(crate) fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut raw = Vec::with_capacity(68);
        raw.extend_from_slice(&self.id);
        raw.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the seed.
        write!(f, "SigningKey({}+{})", self.name, hex_id(&self.id))
    }
}

impl VerifierKey {
    /// Parses `<name>+<hex id>+<base64(0x01 || public key)>`; the id must match.
    pub fn parse(vkey: &str) -> Result<VerifierKey, AuditError> {
        let (name, id, public) = parse_key_parts(vkey.trim())?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|_| AuditError::BadKey { reason: "not a valid ed25519 public key".into() })?;
        if key_id(&name, &public) != id {
            return Err(AuditError::BadKey { reason: "key id does not match the key".into() });
        }
        Ok(VerifierKey { name, id, key })
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex_id(&self.id), B64.encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> [u8; 4] {
        self.id
    }

    /// Whether `signature` is this key's Ed25519 signature of `message` (strict: no
    /// malleable or small-order forms).
    pub(crate) fn verify_strict(&self, message: &[u8], signature: &Signature) -> bool {
        self.key.verify_strict(message, signature).is_ok()
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// A tree head: the log (origin), how many records it covers and their Merkle root.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Checkpoint {
    /// The log's `log_id`.
    pub origin: String,
    /// Number of records covered (the first `size` records, seq 0..size-1).
    pub size: u64,
    /// RFC 6962 root of those records.
    pub root: Hash,
    /// Extension lines after the root, kept as read (this crate writes none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
}

fn bad_checkpoint(reason: impl Into<String>) -> AuditError {
    AuditError::BadCheckpoint { reason: reason.into() }
}

impl Checkpoint {
    /// The `tlog-checkpoint` body: origin, size and base64 root, each on its own line.
    pub fn body(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root.0));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a body. The size must be in canonical decimal and the root must be 32 bytes of
    /// canonical (padded) base64, so that one checkpoint has exactly one text.
    pub fn parse_body(text: &str) -> Result<Checkpoint, AuditError> {
        let Some(text) = text.strip_suffix('\n') else {
            return Err(bad_checkpoint("checkpoint body must end with a newline"));
        };
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or("");
        if origin.is_empty() {
            return Err(bad_checkpoint("empty origin line"));
        }
        let size_line = lines.next().ok_or_else(|| bad_checkpoint("missing tree size line"))?;
        let size: u64 = size_line.parse().map_err(|_| bad_checkpoint("tree size is not a decimal number"))?;
        if size.to_string() != size_line {
            return Err(bad_checkpoint("tree size is not in canonical decimal form"));
        }
        let root_line = lines.next().ok_or_else(|| bad_checkpoint("missing root hash line"))?;
        let raw = B64.decode(root_line).map_err(|_| bad_checkpoint("root hash is not base64"))?;
        let root: [u8; 32] = raw.try_into().map_err(|_| bad_checkpoint("root hash is not 32 bytes"))?;
        if B64.encode(root) != root_line {
            return Err(bad_checkpoint("root hash is not canonical base64"));
        }
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad_checkpoint("empty extension line"));
        }
        Ok(Checkpoint { origin: origin.to_string(), size, root: Hash(root), extensions })
    }

    /// The signed note: body, blank line, one signature line.
    pub fn sign(&self, key: &SigningKey) -> String {
        let body = self.body();
        let sig = key.signature_line(&body);
        format!("{body}\n{sig}")
    }

    /// Parses a signed note holding a checkpoint. With a key, at least one signature line must
    /// carry that key's name and id and verify ([`AuditError::BadSignature`] otherwise); other
    /// signatures (witnesses, other keys) are ignored. Without a key no signature is checked.
    pub fn open(note: &str, key: Option<&VerifierKey>) -> Result<Checkpoint, AuditError> {
        let (text, sigs) = split_note(note)?;
        let cp = Checkpoint::parse_body(text)?;
        if let Some(key) = key {
            let mut matching = 0;
            for sig in &sigs {
                if sig.name == key.name && sig.id == key.id {
                    matching += 1;
                    // Signatures of other lengths belong to other kinds of key: they never verify.
                    let Ok(bytes) = <[u8; 64]>::try_from(sig.sig.as_slice()) else { continue };
                    let signature = Signature::from_bytes(&bytes);
                    if key.key.verify_strict(text.as_bytes(), &signature).is_ok() {
                        return Ok(cp);
                    }
                }
            }
            return Err(AuditError::BadSignature {
                reason: if matching == 0 {
                    format!("no signature by key {}+{}", key.name, hex_id(&key.id))
                } else {
                    format!("signature by key {}+{} does not verify", key.name, hex_id(&key.id))
                },
            });
        }
        Ok(cp)
    }
}

/// Whether a note carries a signature line with this key's name and id (valid or not).
pub(crate) fn has_signature_by(note: &str, key: &VerifierKey) -> bool {
    split_note(note).is_ok_and(|(_, sigs)| sigs.iter().any(|s| s.name == key.name && s.id == key.id))
}

pub(crate) struct NoteSig<'a> {
    pub name: &'a str,
    pub id: [u8; 4],
    /// The bytes after the key id (a plain Ed25519 signature is 64 of them; a cosignature is
    /// an 8-byte timestamp and 64 bytes).
    pub sig: Vec<u8>,
}

/// Splits a signed note into its text (ending in a newline) and its signatures, per the C2SP
/// signed-note rules: UTF-8 without control characters other than newline; the text ends at
/// the last blank line; every line after it is `— <name> <base64(id || signature)>`.
pub(crate) fn split_note(note: &str) -> Result<(&str, Vec<NoteSig<'_>>), AuditError> {
    // C2SP forbids only characters below U+0020 (other than LF); U+007F..U+009F are allowed.
    if note.chars().any(|c| c < '\u{20}' && c != '\n') {
        return Err(bad_checkpoint("note contains a control character"));
    }
    if !note.ends_with('\n') {
        return Err(bad_checkpoint("note must end with a newline"));
    }
    let split = note.rfind("\n\n").ok_or_else(|| bad_checkpoint("note has no signature block"))?;
    let text = &note[..split + 1];
    let block = &note[split + 2..];
    if block.is_empty() {
        return Err(bad_checkpoint("note has no signatures"));
    }
    let mut sigs = Vec::new();
    for line in block.split_terminator('\n') {
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or_else(|| bad_checkpoint("signature line must start with an em dash and a space"))?;
        let (name, b64) = rest.split_once(' ').ok_or_else(|| bad_checkpoint("malformed signature line"))?;
        check_name(name).map_err(|_| bad_checkpoint("malformed key name in signature line"))?;
        let raw = B64.decode(b64).map_err(|_| bad_checkpoint("signature is not base64"))?;
        if raw.len() < 5 {
            return Err(bad_checkpoint("signature too short"));
        }
        let id = [raw[0], raw[1], raw[2], raw[3]];
        sigs.push(NoteSig { name, id, sig: raw[4..].to_vec() });
    }
    Ok((text, sigs))
}

/// Splits the text of a checkpoints file (notes, each followed by one blank line) into notes.
/// Returns the notes and the byte length of the complete part; whatever follows is a torn
/// tail. A last note whose signature lines are complete but lack the blank line is accepted,
/// so a single note can be passed too.
pub(crate) fn split_notes(text: &str) -> Result<(Vec<&str>, usize), AuditError> {
    let mut notes = Vec::new();
    let mut note_start = 0;
    let mut complete = 0;
    let mut body_lines = 0;
    let mut sig_lines = 0;
    let mut in_sigs = false;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        if !line.ends_with('\n') {
            break; // torn
        }
        let content = &line[..line.len() - 1];
        if !in_sigs {
            if content.is_empty() {
                if body_lines == 0 {
                    return Err(bad_checkpoint(format!("empty line at byte {start} where a checkpoint should start")));
                }
                in_sigs = true;
            } else {
                body_lines += 1;
            }
        } else if content.is_empty() {
            if sig_lines == 0 {
                return Err(bad_checkpoint(format!("checkpoint without signature at byte {note_start}")));
            }
            notes.push(&text[note_start..start]);
            note_start = pos;
            complete = pos;
            body_lines = 0;
            sig_lines = 0;
            in_sigs = false;
        } else if content.starts_with(SIG_PREFIX) {
            sig_lines += 1;
        } else {
            return Err(bad_checkpoint(format!("expected a signature line at byte {start}")));
        }
    }
    if in_sigs && sig_lines > 0 && pos == text.len() && text.ends_with('\n') {
        notes.push(&text[note_start..]);
        complete = text.len();
    }
    Ok((notes, complete))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_seed("example.com/log", [7; 32]).unwrap()
    }

    #[test]
    fn key_strings_round_trip() {
        let k = key();
        let skey = k.to_skey();
        let vkey = k.verifier().to_vkey();
        assert!(skey.starts_with("PRIVATE+KEY+example.com/log+"));
        let again = SigningKey::parse(&skey).unwrap();
        assert_eq!(again.to_skey(), skey);
        assert_eq!(VerifierKey::parse(&vkey).unwrap(), k.verifier());
        assert!(!format!("{k:?}").contains(&skey[skey.len() - 20..]));
        // A changed name no longer matches the key id.
        let renamed = vkey.replacen("example.com/log", "example.com/other", 1);
        assert_eq!(VerifierKey::parse(&renamed).unwrap_err().code(), "audit.bad_key");
        assert_eq!(VerifierKey::parse("nope").unwrap_err().code(), "audit.bad_key");
        assert_eq!(SigningKey::from_seed("a b", [0; 32]).unwrap_err().code(), "audit.bad_key");
        assert_eq!(SigningKey::from_seed("a+b", [0; 32]).unwrap_err().code(), "audit.bad_key");
        let (s, v) = keygen("x").unwrap();
        assert_eq!(SigningKey::parse(&s).unwrap().verifier().to_vkey(), v);
    }

    /// The key of Go's `golang.org/x/mod/sumdb/note` package documentation and tests,
    /// `PeterNeumann`, and the note it signs there: checks key ids, key strings and
    /// signature lines against an independent implementation.
    #[test]
    fn go_note_vector() {
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let k = SigningKey::parse(skey).unwrap();
        assert_eq!(k.verifier().to_vkey(), vkey);
        let text = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
        let line = k.signature_line(text);
        assert_eq!(
            line,
            "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        );
    }

    #[test]
    fn checkpoints_sign_and_open() {
        let k = key();
        let cp = Checkpoint { origin: "example.com/log".into(), size: 10, root: Hash([3; 32]), extensions: vec![] };
        let note = cp.sign(&k);
        assert!(note.starts_with("example.com/log\n10\nAwMD"));
        assert_eq!(Checkpoint::open(&note, Some(&k.verifier())).unwrap(), cp);
        assert_eq!(Checkpoint::open(&note, None).unwrap(), cp);
        let other = SigningKey::from_seed("example.com/log", [8; 32]).unwrap();
        assert_eq!(Checkpoint::open(&note, Some(&other.verifier())).unwrap_err().code(), "audit.bad_signature");
        let forged = note.replacen("\n10\n", "\n11\n", 1);
        assert_eq!(Checkpoint::open(&forged, Some(&k.verifier())).unwrap_err().code(), "audit.bad_signature");
        assert_eq!(Checkpoint::open("x\n", None).unwrap_err().code(), "audit.bad_checkpoint");
        assert_eq!(Checkpoint::parse_body("o\n010\nAwMD\n").unwrap_err().code(), "audit.bad_checkpoint");
        // Several signatures: ours is found among them.
        let witness = SigningKey::from_seed("witness", [9; 32]).unwrap();
        let both = format!("{}{}", note, witness.signature_line(&cp.body()));
        assert!(Checkpoint::open(&both, Some(&k.verifier())).is_ok());
        assert!(Checkpoint::open(&both, Some(&witness.verifier())).is_ok());
    }

    /// C2SP signed-note key names: no character below U+0020 (a note holding one is refused
    /// by Go's `note.Open`), no Unicode space, no `+`; the error names the character and where.
    #[test]
    fn key_names_without_control_characters() {
        for (name, code, at) in [("a\u{1}b", "U+0001", 2), ("\u{1b}[31m", "U+001B", 1), ("ab\u{a0}", "U+00A0", 3)] {
            let e = SigningKey::from_seed(name, [0; 32]).unwrap_err();
            assert_eq!(e.code(), "audit.bad_key");
            let msg = e.to_string();
            assert!(msg.contains(code) && msg.contains(&format!("at character {at}")), "{msg}");
            assert!(!msg.contains('\u{1b}') && !msg.contains('\u{1}'), "{msg}");
            assert!(keygen(name).is_err());
        }
        assert!(SigningKey::from_seed("a+b", [0; 32]).unwrap_err().to_string().contains("U+002B at character 2"));
        assert_eq!(SigningKey::from_seed("", [0; 32]).unwrap_err().to_string(), "bad key: key name is empty");
        // A key string naming a control character is refused too.
        let skey = SigningKey::from_seed("ab", [0; 32]).unwrap().to_skey().replacen("+ab+", "+a\u{1}+", 1);
        assert_eq!(SigningKey::parse(&skey).unwrap_err().code(), "audit.bad_key");
        // U+007F and U+0080 are not below U+0020: allowed.
        assert!(SigningKey::from_seed("a\u{7f}\u{80}", [0; 32]).is_ok());
    }

    /// C2SP forbids only characters below U+0020 in a note: a witness named with U+007F or
    /// U+0080 (Rust's `char::is_control`) does not make a valid note unreadable.
    #[test]
    fn notes_allow_del_and_c1_characters() {
        let k = key();
        let cp = Checkpoint { origin: "example.com/log".into(), size: 10, root: Hash([3; 32]), extensions: vec![] };
        for name in ["w\u{7f}", "w\u{80}", "w\u{9f}"] {
            let witness = SigningKey::from_seed(name, [9; 32]).unwrap();
            let note = format!("{}{}", cp.sign(&k), witness.signature_line(&cp.body()));
            assert_eq!(Checkpoint::open(&note, Some(&k.verifier())).unwrap(), cp);
            assert_eq!(Checkpoint::open(&note, Some(&witness.verifier())).unwrap(), cp);
        }
        let note = cp.sign(&k).replacen("example.com/log\n", "example.com/log\n\u{1}\n", 1);
        assert_eq!(Checkpoint::open(&note, None).unwrap_err().code(), "audit.bad_checkpoint");
    }

    #[test]
    fn checkpoints_files() {
        let k = key();
        let a = Checkpoint { origin: "o".into(), size: 1, root: Hash([1; 32]), extensions: vec![] }.sign(&k);
        let b = Checkpoint { origin: "o".into(), size: 2, root: Hash([2; 32]), extensions: vec![] }.sign(&k);
        let file = format!("{a}\n{b}\n");
        let (notes, complete) = split_notes(&file).unwrap();
        assert_eq!(notes, vec![a.as_str(), b.as_str()]);
        assert_eq!(complete, file.len());
        let (notes, _) = split_notes(&a).unwrap();
        assert_eq!(notes, vec![a.as_str()]);
        let torn = &file[..file.len() - 30];
        let (notes, complete) = split_notes(torn).unwrap();
        assert_eq!(notes, vec![a.as_str()]);
        assert_eq!(complete, a.len() + 1);
        assert!(split_notes("\n\n").is_err());
    }
}
