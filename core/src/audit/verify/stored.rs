//! What a log holds, wherever it lives: its lines (for export, in the file format's exact
//! bytes) and its checkpoints (for verification against them).

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use super::scan::{open_sources, read_error};
use super::LogSource;
use crate::audit::checkpoint::{has_signature_by, split_notes, VerifierKey};
use crate::audit::location::is_store_url;
use crate::audit::record::MAX_LINE;
use crate::audit::AuditError;

/// Calls `f` with every complete line of the log (without its line feed), in log order:
/// rotated segments then the file, or a PostgreSQL log's rows in seq order. The lines are
/// passed as stored, not checked (that is [`verify`](crate::audit::verify)'s job); a last line
/// without a line feed (a torn write) is not a record and is left out. Returns the number of
/// lines.
///
/// This is what exporters build on: `microgov audit export` writes the lines as they are, and
/// other formats turn each into something else.
pub fn for_each_line<'a>(
    log: impl Into<LogSource<'a>>,
    mut f: impl FnMut(&[u8]) -> Result<(), AuditError>,
) -> Result<u64, AuditError> {
    let mut count = 0;
    let mut buf = Vec::with_capacity(1024);
    for mut input in open_sources(log.into())? {
        loop {
            buf.clear();
            let limit = MAX_LINE as u64 + 2;
            let n = (&mut input.reader).take(limit).read_until(b'\n', &mut buf).map_err(|e| read_error(&input, e))?;
            if n == 0 || buf.last() != Some(&b'\n') {
                if n as u64 == limit {
                    let at = input.name.clone().unwrap_or_else(|| "<reader>".into());
                    return Err(AuditError::BadJson {
                        at: format!("{at} record {count}"),
                        reason: format!("line longer than {MAX_LINE} bytes"),
                    });
                }
                break;
            }
            buf.pop();
            f(&buf)?;
            count += 1;
        }
    }
    Ok(count)
}

/// Writes the log's lines, each followed by a line feed, to `out`: byte for byte the file a
/// file log with the same records holds, so every file verifier (`microgov audit verify`,
/// `fixtures/audit/verify.py`) checks the copy. Returns the number of lines.
pub fn write_lines<'a>(log: impl Into<LogSource<'a>>, out: &mut dyn Write) -> Result<u64, AuditError> {
    let io = |e: std::io::Error| AuditError::Io { path: "<output>".into(), op: "write", source: e };
    for_each_line(log, |line| {
        out.write_all(line).map_err(io)?;
        out.write_all(b"\n").map_err(io)
    })
}

/// The checkpoints stored with a log, as the text of a checkpoints file: `<path>.checkpoints`
/// beside a file log, the `microgov_audit_checkpoints` rows of a PostgreSQL log. With
/// `signer`, only the notes that key signed (after a change of key, the older notes are
/// another key's). `None` when there are none.
pub fn read_checkpoints(log: impl AsRef<Path>, signer: Option<&VerifierKey>) -> Result<Option<String>, AuditError> {
    let log = log.as_ref();
    let text = match log.to_str() {
        Some(url) if is_store_url(url) => store_checkpoints(url, signer)?,
        _ => {
            let mut p = log.as_os_str().to_os_string();
            p.push(".checkpoints");
            let p = PathBuf::from(p);
            match std::fs::read_to_string(&p) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(AuditError::io(&p, "read", e)),
            }
        }
    };
    let Some(text) = text else { return Ok(None) };
    let (notes, _) = split_notes(&text)?;
    let mut kept = String::new();
    for note in notes.into_iter().filter(|n| signer.is_none_or(|k| has_signature_by(n, k))) {
        kept.push_str(note);
        kept.push('\n');
    }
    Ok((!kept.is_empty()).then_some(kept))
}

#[cfg(feature = "postgres")]
fn store_checkpoints(url: &str, signer: Option<&VerifierKey>) -> Result<Option<String>, AuditError> {
    let key_id = signer.map(|k| {
        let mut hex = String::with_capacity(8);
        crate::audit::merkle::push_hex(&mut hex, &k.key_id());
        hex
    });
    crate::audit::pg::checkpoints_text(url, key_id.as_deref())
}

#[cfg(not(feature = "postgres"))]
fn store_checkpoints(url: &str, _: Option<&VerifierKey>) -> Result<Option<String>, AuditError> {
    Err(crate::audit::location::unsupported(url))
}
