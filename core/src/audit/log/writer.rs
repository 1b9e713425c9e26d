//! Appending: callers queue encoded records under the lock, and one leader at a time writes,
//! syncs, checkpoints and rotates for all of them (group commit, see the module docs of
//! [`super`]); the background thread runs the rounds that no caller waits for.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use super::{poisoned, sync_dir, with_suffix, FileLog, Shared, State, SyncPolicy, WRITE_THRESHOLD};
use crate::audit::chain::Receipt;
use crate::audit::checkpoint::Checkpoint;
use crate::audit::{AuditError, Event};

impl FileLog {
    /// Appends an event and returns once it is durable under the sync policy. An error means
    /// the record is not acknowledged (it may or may not be in the file).
    pub fn append(&self, event: &Event) -> Result<Receipt, AuditError> {
        let receipt = self.submit(event)?;
        if self.shared.options.sync != SyncPolicy::OnFlush {
            self.wait_durable(receipt.seq)?;
        }
        Ok(receipt)
    }

    /// Appends several events in one go (one lock, one durability wait); they get
    /// consecutive seqs unless another thread appends at the same time.
    pub fn append_batch(&self, events: &[Event]) -> Result<Vec<Receipt>, AuditError> {
        for e in events {
            e.validate()?;
        }
        let receipts = {
            let mut st = self.shared.lock()?;
            st.usable()?;
            let was_empty = st.buf.is_empty();
            let mut receipts = Vec::with_capacity(events.len());
            for e in events {
                let State { chain, buf, .. } = &mut *st;
                receipts.push(chain.append_validated(e, buf)?);
            }
            self.shared.after_submit(st, was_empty)?;
            receipts
        };
        if let (Some(last), true) = (receipts.last(), self.shared.options.sync != SyncPolicy::OnFlush) {
            self.wait_durable(last.seq)?;
        }
        Ok(receipts)
    }

    /// Assigns the record its seq and queues it, without waiting for durability: the record
    /// is *not* acknowledged until [`wait_durable`](AuditLog::wait_durable) returns for its
    /// seq. Lets one thread keep many records in flight.
    pub fn submit(&self, event: &Event) -> Result<Receipt, AuditError> {
        event.validate()?;
        let mut st = self.shared.lock()?;
        st.usable()?;
        let was_empty = st.buf.is_empty();
        let State { chain, buf, .. } = &mut *st;
        let receipt = chain.append_validated(event, buf)?;
        self.shared.after_submit(st, was_empty)?;
        Ok(receipt)
    }

    /// Blocks until record `seq` (and every record before it) is durable. Under
    /// [`SyncPolicy::OnFlush`] this syncs at once.
    pub fn wait_durable(&self, seq: u64) -> Result<(), AuditError> {
        let sh = &self.shared;
        let mut st = sh.lock()?;
        loop {
            if st.durable > seq {
                return Ok(());
            }
            if let Some(reason) = &st.failed {
                return Err(AuditError::Failed { reason: reason.clone() });
            }
            if seq >= st.chain.len() {
                return Err(AuditError::OutOfRange { what: "seq", value: seq, size: st.chain.len() });
            }
            if st.io_busy {
                st = sh.durable_cv.wait(st).map_err(|_| poisoned())?;
                continue;
            }
            match sh.options.sync {
                SyncPolicy::Interval(d) => {
                    let due = st.last_sync + d;
                    let now = Instant::now();
                    if now < due {
                        st = sh.durable_cv.wait_timeout(st, due - now).map_err(|_| poisoned())?.0;
                        continue;
                    }
                    st = sh.io_round(st, true)?;
                }
                SyncPolicy::EveryRecord | SyncPolicy::OnFlush => st = sh.io_round(st, true)?,
            }
        }
    }

    /// Makes every record appended so far durable.
    pub fn flush(&self) -> Result<(), AuditError> {
        let len = {
            let st = self.shared.lock()?;
            st.usable()?;
            st.chain.len()
        };
        match len {
            0 => Ok(()),
            n => self.wait_durable(n - 1),
        }
    }
}

impl Shared {
    pub(super) fn lock(&self) -> Result<MutexGuard<'_, State>, AuditError> {
        self.state.lock().map_err(|_| poisoned())
    }

    /// Bookkeeping after records were added to the buffer.
    pub(super) fn after_submit(&self, st: MutexGuard<'_, State>, was_empty: bool) -> Result<(), AuditError> {
        if was_empty {
            // The background thread sleeps while nothing is pending; it has deadlines now.
            self.ticker_cv.notify_one();
        }
        if self.options.sync == SyncPolicy::OnFlush && st.buf.len() >= WRITE_THRESHOLD && !st.io_busy {
            drop(self.io_round(st, false)?);
        }
        Ok(())
    }

    fn checkpoint_due(&self, st: &State, size: u64) -> bool {
        if self.options.signing_key.is_none() || size <= st.checkpoint_size {
            return false;
        }
        st.checkpoint_requested
            || self.options.checkpoint_every.is_some_and(|n| size - st.checkpoint_size >= n)
            || self.options.checkpoint_interval.is_some_and(|d| st.checkpoint_time.elapsed() >= d)
    }

    /// One I/O round, run by the holder of the I/O token: write the buffer, sync (with
    /// `sync`), write a checkpoint if due and rotate if the file is full. The lock is released
    /// during the I/O and held again on return.
    pub(super) fn io_round<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        sync: bool,
    ) -> Result<MutexGuard<'a, State>, AuditError> {
        st.io_busy = true;
        let spare = std::mem::take(&mut st.spare);
        let mut buf = std::mem::replace(&mut st.buf, spare);
        let upto = st.chain.len();
        let file = Arc::clone(&st.file);
        let checkpoint = if sync && self.checkpoint_due(&st, upto) {
            Some(Checkpoint {
                origin: st.chain.log_id().to_string(),
                size: upto,
                root: st.chain.root(),
                extensions: Vec::new(),
            })
        } else {
            None
        };
        let checkpoints_file = st.checkpoints_file.clone();
        let new_len = st.file_len + buf.len() as u64;
        let rotate = sync && self.options.rotate_bytes.is_some_and(|max| new_len >= max);
        let segment = st.next_segment;
        drop(st);

        let result = self.do_io(&file, &buf, sync, checkpoint.as_ref(), checkpoints_file.as_deref(), rotate, segment);

        let mut st = self.lock()?;
        st.io_busy = false;
        buf.clear();
        if buf.capacity() <= 4 * WRITE_THRESHOLD {
            st.spare = buf;
        }
        let outcome = match result {
            Ok((note, rotated)) => {
                st.file_len = new_len;
                if sync {
                    st.durable = upto;
                    st.last_sync = Instant::now();
                }
                if let Some(note) = note {
                    st.checkpoint_size = upto;
                    st.checkpoint_time = Instant::now();
                    st.checkpoint_requested = false;
                    st.latest_note = Some(note);
                }
                if let Some(f) = rotated {
                    st.file = Arc::new(f);
                    st.file_len = 0;
                    st.next_segment += 1;
                }
                Ok(())
            }
            Err(e) => {
                st.failed = Some(e.to_string());
                Err(e)
            }
        };
        self.durable_cv.notify_all();
        self.ticker_cv.notify_all();
        outcome.map(|()| st)
    }

    #[allow(clippy::too_many_arguments)]
    fn do_io(
        &self,
        mut file: &File,
        buf: &[u8],
        sync: bool,
        checkpoint: Option<&Checkpoint>,
        mut checkpoints_file: Option<&File>,
        rotate: bool,
        segment: u64,
    ) -> Result<(Option<String>, Option<File>), AuditError> {
        let path = &self.path;
        if !buf.is_empty() {
            file.write_all(buf).map_err(|e| AuditError::io(path, "write", e))?;
        }
        if sync {
            #[cfg(test)]
            if self.fail_next_sync.swap(false, std::sync::atomic::Ordering::SeqCst) {
                let e = std::io::Error::other("injected fdatasync failure");
                return Err(AuditError::io(path, "fdatasync", e));
            }
            file.sync_data().map_err(|e| AuditError::io(path, "fdatasync", e))?;
        }
        let mut note = None;
        if let (Some(cp), Some(key), Some(cf)) = (checkpoint, &self.options.signing_key, checkpoints_file.as_mut()) {
            let text = cp.sign(key);
            let cpath = &self.checkpoints_path;
            let mut bytes = text.clone().into_bytes();
            bytes.push(b'\n');
            cf.write_all(&bytes).map_err(|e| AuditError::io(cpath, "write", e))?;
            cf.sync_data().map_err(|e| AuditError::io(cpath, "fdatasync", e))?;
            note = Some(text);
        }
        let mut rotated = None;
        if rotate {
            // The active file is synced; rename it to the next segment number and start an
            // empty one. A crash in between leaves either state, both of which open() reads.
            let target = with_suffix(path, &format!(".{segment}"));
            std::fs::rename(path, &target).map_err(|e| AuditError::io(path, "rename", e))?;
            let f = OpenOptions::new()
                .append(true)
                .create_new(true)
                .open(path)
                .map_err(|e| AuditError::io(path, "create", e))?;
            sync_dir(&self.dir)?;
            rotated = Some(f);
        }
        Ok((note, rotated))
    }

    /// The background thread: syncs under `Interval` when records wait, and writes
    /// time-based checkpoints.
    pub(super) fn ticker(&self) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        loop {
            if st.closed || st.failed.is_some() {
                return;
            }
            let now = Instant::now();
            let mut due = false;
            let mut next: Option<Instant> = None;
            let mut consider = |at: Instant| {
                if now >= at {
                    due = true;
                } else {
                    next = Some(next.map_or(at, |n: Instant| n.min(at)));
                }
            };
            if let SyncPolicy::Interval(d) = self.options.sync {
                if st.durable < st.chain.len() {
                    consider(st.last_sync + d);
                }
            }
            if let (Some(_), Some(d)) = (&self.options.signing_key, self.options.checkpoint_interval) {
                if st.chain.len() > st.checkpoint_size {
                    consider(st.checkpoint_time + d);
                }
            }
            if due && !st.io_busy {
                match self.io_round(st, true) {
                    Ok(g) => st = g,
                    Err(_) => return, // recorded in the state; every caller now sees it
                }
                continue;
            }
            let wait = match (due, next) {
                // Another thread holds the I/O token; it notifies us when done.
                (true, _) | (false, None) => self.ticker_cv.wait(st).map_err(|_| ()),
                (false, Some(at)) => self.ticker_cv.wait_timeout(st, at - now).map(|(g, _)| g).map_err(|_| ()),
            };
            match wait {
                Ok(g) => st = g,
                Err(_) => return,
            }
        }
    }
}
