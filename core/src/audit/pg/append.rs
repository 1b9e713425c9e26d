//! Append rounds: callers queue their events, one leader at a time takes the whole queue into
//! one transaction (see the module docs of [`super`]).

use std::sync::MutexGuard;
use std::time::{Duration, Instant};

use postgres::Client;

use super::{again, connect, poisoned, schema, store_error, Head, Outcome, PgLog, Request, State};
use crate::audit::chain::{encode, Receipt};
use crate::audit::checkpoint::Checkpoint;
use crate::audit::merkle::push_hex;
use crate::audit::{AuditError, Event};

/// The longest a round waits for the callers of the last one to queue again: a fraction of a
/// round's own cost (a commit, and so a WAL flush, takes from 0.3 ms to several ms).
const GATHER: Duration = Duration::from_micros(200);

/// What a committed round leaves for the handle.
struct Committed {
    outcomes: Vec<(u64, Outcome)>,
    note: Option<String>,
}

impl PgLog {
    /// Queues `events` and returns their receipts once a round committed them; the caller
    /// runs that round itself when none is running.
    pub(super) fn run(&self, events: Vec<Event>, checkpoint: bool) -> Result<Vec<Receipt>, AuditError> {
        let mut st = self.lock()?;
        if st.closed {
            return Err(AuditError::Closed);
        }
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.pending.push(Request { ticket, events, checkpoint });
        if st.gathering {
            self.cv.notify_all();
        }
        loop {
            if let Some(outcome) = st.done.remove(&ticket) {
                return outcome;
            }
            if st.busy {
                st = self.cv.wait(st).map_err(|_| poisoned())?;
                continue;
            }
            st.busy = true;
            st = self.gather(st)?;
            let batch = std::mem::take(&mut st.pending);
            st.last_batch = batch.len();
            let conn = st.conn.take();
            drop(st);
            let tickets: Vec<u64> = batch.iter().map(|r| r.ticket).collect();
            let (conn, result) = self.round(conn, batch);
            st = self.lock()?;
            st.busy = false;
            match result {
                Ok(c) => {
                    st.conn = conn;
                    if c.note.is_some() {
                        st.latest_note = c.note;
                    }
                    st.done.extend(c.outcomes);
                }
                Err(e) => {
                    // The connection may be broken: the next round opens a new one.
                    for t in tickets {
                        st.done.insert(t, Err(again(&e)));
                    }
                }
            }
            self.cv.notify_all();
        }
    }

    /// Before a round, waits a moment (at most [`GATHER`]) while fewer callers are queued than
    /// the last round carried: the callers that round woke are on their way back, and a round
    /// that left without them would leave them the next whole round to wait (on two cores the
    /// first one back otherwise leads alone, and batches alternate between 1 and N-1).
    fn gather<'a>(&self, mut st: MutexGuard<'a, State>) -> Result<MutexGuard<'a, State>, AuditError> {
        let until = Instant::now() + GATHER;
        st.gathering = true;
        while st.pending.len() < st.last_batch {
            let now = Instant::now();
            if now >= until {
                break;
            }
            st = self.cv.wait_timeout(st, until - now).map_err(|_| poisoned())?.0;
        }
        st.gathering = false;
        Ok(st)
    }

    /// One round: connect if needed, then one transaction for the whole batch. Returns the
    /// connection to keep (none after an error).
    fn round(&self, conn: Option<Client>, batch: Vec<Request>) -> (Option<Client>, Result<Committed, AuditError>) {
        let mut client = match conn {
            Some(c) if !c.is_closed() => c,
            _ => match connect(&self.url) {
                Ok(c) => c,
                Err(e) => return (None, Err(e)),
            },
        };
        match self.transaction(&mut client, batch) {
            Ok(c) => (Some(client), Ok(c)),
            Err(e) => (None, Err(e)),
        }
    }

    fn transaction(&self, client: &mut Client, batch: Vec<Request>) -> Result<Committed, AuditError> {
        let url = &self.url;
        let fail = |op: &'static str| move |e: postgres::Error| store_error(url, op, &e);
        let mut tx = client.transaction().map_err(fail("begin"))?;
        let row = tx.query_opt(schema::LOCK_HEAD, &[&self.log_id]).map_err(fail("lock head"))?;
        let row = row.ok_or_else(|| AuditError::StoreUnavailable {
            store: url.display.clone(),
            reason: format!("log {} has no head row (was it deleted?)", self.log_id),
        })?;
        let mut head = Head::from_row(url, &self.log_id, &row)?;
        let age: f64 = row.try_get(4).map_err(fail("read head"))?;

        let (mut seqs, mut lines, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut checkpoint_wanted = false;
        let mut buf = Vec::with_capacity(512);
        for req in batch {
            checkpoint_wanted |= req.checkpoint;
            // A request is all or nothing: a record it cannot encode (over 1 MiB) rolls back
            // only its own records.
            let saved = (head.size, head.last, head.frontier.clone(), seqs.len());
            let mut receipts = Vec::with_capacity(req.events.len());
            let mut failed = None;
            for e in &req.events {
                buf.clear();
                match encode(&self.log_id, head.size, &head.last, e, &mut buf) {
                    Ok(hash) => {
                        buf.pop(); // the line feed: rows hold the line alone
                        receipts.push(Receipt { seq: head.size, hash });
                        seqs.push(head.size as i64);
                        lines.push(buf.clone());
                        hashes.push(hash.0.to_vec());
                        head.frontier.push(hash);
                        head.last = hash;
                        head.size += 1;
                    }
                    Err(err) => {
                        failed = Some(err);
                        break;
                    }
                }
            }
            match failed {
                None => outcomes.push((req.ticket, Ok(receipts))),
                Some(err) => {
                    (head.size, head.last, head.frontier) = (saved.0, saved.1, saved.2);
                    seqs.truncate(saved.3);
                    lines.truncate(saved.3);
                    hashes.truncate(saved.3);
                    outcomes.push((req.ticket, Err(err)));
                }
            }
        }

        let note = self.due_note(&head, checkpoint_wanted, age);
        let new_checkpoint = note.as_ref().map(|_| head.size as i64);
        if !seqs.is_empty() || new_checkpoint.is_some() {
            tx.execute(
                schema::APPEND,
                &[
                    &self.log_id,
                    &seqs,
                    &lines,
                    &hashes,
                    &(head.size as i64),
                    &&head.last.0[..],
                    &head.frontier.to_bytes(),
                    &new_checkpoint,
                ],
            )
            .map_err(fail("insert records"))?;
        }
        if let (Some(text), Some(key)) = (&note, &self.settings.signing_key) {
            let mut key_id = String::with_capacity(8);
            push_hex(&mut key_id, &key.key_id());
            tx.execute(schema::ADD_CHECKPOINT, &[&self.log_id, &(head.size as i64), &key_id, text])
                .map_err(fail("insert checkpoint"))?;
        }
        tx.commit().map_err(fail("commit"))?;
        Ok(Committed { outcomes, note })
    }

    /// The checkpoint to sign in this round, if one is due: asked for (`checkpoint`, close),
    /// or `checkpoint_every` records or `checkpoint_interval` after the last one (by any
    /// writer of the log).
    fn due_note(&self, head: &Head, asked: bool, age_secs: f64) -> Option<String> {
        let key = self.settings.signing_key.as_ref()?;
        if head.size == 0 || (head.size <= head.checkpoint_size && !asked) {
            return None;
        }
        let grown = head.size - head.checkpoint_size.min(head.size);
        let by_count = self.settings.checkpoint_every.is_some_and(|n| grown >= n);
        let by_time = self.settings.checkpoint_interval.is_some_and(|d| age_secs >= d.as_secs_f64());
        if !(asked || by_count || by_time) {
            return None;
        }
        let cp = Checkpoint {
            origin: self.log_id.clone(),
            size: head.size,
            root: head.frontier.root(),
            extensions: Vec::new(),
        };
        Some(cp.sign(key))
    }
}
