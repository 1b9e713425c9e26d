//! One writer per log: the writer lock on `<path>.lock`.

use std::fs::{File, OpenOptions};
use std::path::Path;

use super::with_suffix;
use crate::audit::AuditError;

/// Takes the log's writer lock: an exclusive `flock` on `<path>.lock`, a file of its own
/// because rotation renames the log. Held until the log is closed or dropped; the kernel
/// releases it if the process dies, so a crash never leaves a stale lock behind.
pub(super) fn lock_writer(path: &Path) -> Result<File, AuditError> {
    let lock_path = with_suffix(path, ".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| AuditError::io(&lock_path, "open", e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(AuditError::Locked { path: path.display().to_string(), lock: lock_path.display().to_string() })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(AuditError::io(&lock_path, "lock", e)),
    }
}
