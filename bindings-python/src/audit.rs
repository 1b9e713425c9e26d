//! The audit log from Python: `AuditLog`, `verify_audit`, `generate_audit_key`.
//!
//! Every call that touches the disk (appends wait for `fdatasync` by default)
//! runs with the GIL released, so other Python threads keep running while a
//! record becomes durable.

use crate::decision::Decision;
use crate::errors::{guard, os_error, BindError};
use crate::json::to_json;
use microgov::audit::{self, AuditOptions, Event, SigningKey, SyncPolicy};
use microgov::ffi::HostArg;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use std::path::PathBuf;
use std::time::Duration;

fn audit_err(e: audit::AuditError) -> BindError {
    BindError::Core(microgov::Error::from(e))
}

/// Text given inline or as a file: a `PathLike`, or a one-line `str` naming
/// an existing file, is read; any other `str` is the text itself.
fn text_or_file(obj: &Bound<'_, PyAny>, what: &str, multiline: bool) -> PyResult<String> {
    let path: Option<PathBuf> = if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?;
        let p = PathBuf::from(s.trim());
        // A checkpoint note always spans lines, so a one-line value is a path.
        if !s.contains('\n') && (p.is_file() || multiline) {
            Some(p)
        } else {
            return Ok(s.to_owned());
        }
    } else if obj.hasattr("__fspath__")? {
        Some(obj.extract::<PathBuf>()?)
    } else {
        return Err(PyTypeError::new_err(format!("{what} must be text or a path")));
    };
    match path {
        Some(p) => std::fs::read_to_string(&p).map_err(|e| os_error(&p.display().to_string(), &e)),
        None => Err(PyTypeError::new_err(format!("{what} must be text or a path"))),
    }
}

fn event_of(obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let v = to_json(obj, HostArg::Event)?;
    if !v.is_object() {
        return Err(PyTypeError::new_err("an audit event must be a dict"));
    }
    Ok(v)
}

/// A durable, tamper-evident audit log in a file: JSON Lines, each record
/// hash-chained to the previous one, with Ed25519-signed checkpoints of the
/// Merkle root in ``<path>.checkpoints``.
///
/// Open it once per file with ``AuditLog.open`` and share it between
/// threads; use it as a context manager (or call ``close()``) so the final
/// checkpoint is written.
#[pyclass(frozen, module = "microgov", name = "AuditLog")]
pub struct AuditLog {
    inner: audit::AuditLog,
}

#[pymethods]
impl AuditLog {
    /// Opens (or creates) the log at ``path``: a file, or a PostgreSQL log
    /// (``"postgres://user@host:5432/db?log=tenant-acme"``) that any number of
    /// processes and machines append to, one chain per ``log``.
    ///
    /// An existing log file is verified first: a torn last line (a crash in
    /// the middle of a write) is cut off and reported in ``recovery``;
    /// anything else raises ``TamperedLogError`` and nothing is appended. In
    /// PostgreSQL every append returns once its transaction committed (errors
    /// ``audit.store_unavailable``, ``audit.store_conflict``).
    ///
    /// Args:
    ///     path: the log file, or a ``postgres://`` URL with ``?log=<log id>``.
    ///     signing_key: signing key text (``PRIVATE+KEY+...``, see
    ///         ``generate_audit_key``) or a path to it; without one no
    ///         checkpoint is written.
    ///     log_id: id of a new log (default ``microgov/<uuid>``); must match
    ///         an existing log's.
    ///     sync: when an append is durable: ``"every-record"`` (after its own
    ///         ``fdatasync``, the default), ``"on-flush"``, or a number of
    ///         seconds (synced at most that often).
    ///     rotate_bytes: start a new file (``<path>.1``, ...) past this size.
    ///     checkpoint_every: a checkpoint after this many records (``None``: not by count).
    ///     checkpoint_interval: a checkpoint when records are this many seconds
    ///         old and unattested (``None``: not by time).
    #[staticmethod]
    #[pyo3(signature = (path, *, signing_key=None, log_id=None, sync=None, rotate_bytes=None, checkpoint_every=Some(1000), checkpoint_interval=Some(60.0)),
        text_signature = "(path, *, signing_key=None, log_id=None, sync=None, rotate_bytes=None, checkpoint_every=1000, checkpoint_interval=60.0)")]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        signing_key: Option<&Bound<'_, PyAny>>,
        log_id: Option<String>,
        sync: Option<&Bound<'_, PyAny>>,
        rotate_bytes: Option<u64>,
        checkpoint_every: Option<u64>,
        checkpoint_interval: Option<f64>,
    ) -> PyResult<AuditLog> {
        let mut opts = AuditOptions::new().checkpoint_every(checkpoint_every);
        opts = opts.checkpoint_interval(match checkpoint_interval {
            None => None,
            Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
            Some(_) => return Err(PyValueError::new_err("checkpoint_interval must be a positive number of seconds")),
        });
        if let Some(id) = log_id {
            opts = opts.log_id(id);
        }
        if let Some(n) = rotate_bytes {
            opts = opts.rotate_bytes(n);
        }
        opts = opts.sync(match sync {
            None => SyncPolicy::EveryRecord,
            Some(s) if s.is_none() => SyncPolicy::EveryRecord,
            Some(s) => match s.extract::<String>() {
                Ok(t) if t == "every-record" => SyncPolicy::EveryRecord,
                Ok(t) if t == "on-flush" => SyncPolicy::OnFlush,
                Ok(t) => {
                    return Err(PyValueError::new_err(format!(
                        "sync must be \"every-record\", \"on-flush\" or seconds, not {t:?}"
                    )))
                }
                Err(_) => match s.extract::<f64>() {
                    Ok(secs) if secs.is_finite() && secs > 0.0 => SyncPolicy::Interval(Duration::from_secs_f64(secs)),
                    _ => {
                        return Err(PyValueError::new_err(
                            "sync must be \"every-record\", \"on-flush\" or a positive number of seconds",
                        ))
                    }
                },
            },
        });
        let key_text = match signing_key {
            Some(k) if !k.is_none() => Some(text_or_file(k, "signing_key", false)?),
            _ => None,
        };
        py.detach(|| {
            guard(|| {
                let mut opts = opts;
                if let Some(text) = key_text {
                    opts = opts.signing_key(SigningKey::parse(text.trim()).map_err(audit_err)?);
                }
                audit::AuditLog::open(&path, opts).map_err(audit_err)
            })
        })
        .map(|inner| AuditLog { inner })
        .map_err(|e| e.into_pyerr(py))
    }

    /// Appends one event and returns its receipt ``{"seq": int, "hash": str}``
    /// once it is durable under the sync policy.
    ///
    /// ``event`` is a dict: ``action`` (dotted lowercase, e.g.
    /// ``"approval.grant"``) and optionally ``ts``, ``tenant_id``, ``app_id``,
    /// ``principal_id``, ``principal_type``, ``resource_type``,
    /// ``resource_id``, ``ip_address``, ``outcome``, ``request_id``,
    /// ``decision_id``, ``policy`` (``{"id", "revision"}``), ``dataset_tags``
    /// and ``attrs`` (JSON without floats).
    fn append<'py>(&self, py: Python<'py>, event: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let value = event_of(event)?;
        let receipt = py
            .detach(|| guard(|| self.inner.append(&Event::from_json(&value).map_err(audit_err)?).map_err(audit_err)))
            .map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &receipt)?)
    }

    /// Appends several events in order, durable together; one receipt each.
    fn append_batch<'py>(&self, py: Python<'py>, events: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let values = events.try_iter()?.map(|e| event_of(&e?)).collect::<PyResult<Vec<_>>>()?;
        let receipts = py
            .detach(|| {
                guard(|| {
                    let events =
                        values.iter().map(Event::from_json).collect::<Result<Vec<_>, _>>().map_err(audit_err)?;
                    self.inner.append_batch(&events).map_err(audit_err)
                })
            })
            .map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &receipts)?)
    }

    /// Records a decision as a ``policy.evaluate`` event (ids, outcome, tier,
    /// risk score, violated rules, waivers, missing roles; no messages).
    ///
    /// ``event`` adds or overrides members, e.g. ``{"tenant_id": "acme",
    /// "principal_id": "svc-gate", "principal_type": "service"}``; its
    /// ``attrs`` are merged into the decision's.
    #[pyo3(signature = (decision, event=None))]
    fn append_decision<'py>(
        &self,
        py: Python<'py>,
        decision: &Bound<'py, Decision>,
        event: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let extra = match event {
            Some(e) if !e.is_none() => Some(event_of(e)?),
            _ => None,
        };
        let decision = decision.get();
        let receipt = py
            .detach(|| {
                guard(|| {
                    let event = Event::from_decision(&decision.inner, extra.as_ref()).map_err(audit_err)?;
                    self.inner.append(&event).map_err(audit_err)
                })
            })
            .map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &receipt)?)
    }

    /// Records a grant or a revocation: ``approval`` (a dict in the approvals
    /// file form, as ``Engine.approve`` returns it) becomes its
    /// ``approval.grant``, ``exception.grant`` or ``approval.revoke`` event
    /// (approver as principal; roles, scope, digest, expiry, ``signed_by`` in
    /// ``attrs``). ``event`` adds or overrides members (``{"tenant_id": ...}``;
    /// the ``principal_id`` of who revoked).
    ///
    /// Raises:
    ///     ManifestError: ``approval`` is not a valid approval.
    #[pyo3(signature = (approval, event=None))]
    fn append_approval<'py>(
        &self,
        py: Python<'py>,
        approval: &Bound<'py, PyAny>,
        event: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let doc = to_json(approval, HostArg::Approvals)?;
        let extra = match event {
            Some(e) if !e.is_none() => Some(event_of(e)?),
            _ => None,
        };
        let receipt = py
            .detach(|| {
                guard(|| {
                    let mut list =
                        microgov::model::approval::approvals_from_value(&serde_json::Value::Array(vec![doc]))
                            .map_err(|p| microgov::Error::from(microgov::ManifestError::approvals(p)))?;
                    let approval = list.pop().ok_or_else(|| {
                        let missing = microgov::Problem::new(microgov::model::codes::MISSING, "/0", "no approval");
                        microgov::Error::from(microgov::ManifestError::approvals(vec![missing]))
                    })?;
                    let mut e = Event::from_approval(&approval).map_err(audit_err)?;
                    if let Some(extra) = &extra {
                        e = e.merged(extra).map_err(audit_err)?;
                    }
                    self.inner.append(&e).map_err(audit_err)
                })
            })
            .map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &receipt)?)
    }

    /// Writes and syncs everything appended so far.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| guard(|| self.inner.flush().map_err(audit_err))).map_err(|e| e.into_pyerr(py))
    }

    /// Makes every record durable and writes a signed checkpoint now (with a
    /// signing key); returns it as ``{"origin", "size", "root"}``.
    fn checkpoint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let cp = py.detach(|| guard(|| self.inner.checkpoint().map_err(audit_err))).map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &cp)?)
    }

    /// The latest signed checkpoint note (what ``verify_audit`` takes as
    /// ``checkpoint``), or ``None`` before the first.
    fn latest_note(&self, py: Python<'_>) -> PyResult<Option<String>> {
        py.detach(|| guard(|| self.inner.latest_note().map_err(audit_err))).map_err(|e| e.into_pyerr(py))
    }

    /// Proof that record ``seq`` is in the tree of the current size:
    /// ``{"leaf_index", "tree_size", "hashes"}``.
    fn prove<'py>(&self, py: Python<'py>, seq: u64) -> PyResult<Bound<'py, PyAny>> {
        let p = py.detach(|| guard(|| self.inner.prove(seq).map_err(audit_err))).map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &p)?)
    }

    /// Proof that the tree of ``old_size`` records is a prefix of the tree of
    /// ``new_size``: ``{"old_size", "new_size", "hashes"}``.
    fn consistency<'py>(&self, py: Python<'py>, old_size: u64, new_size: u64) -> PyResult<Bound<'py, PyAny>> {
        let p = py
            .detach(|| guard(|| self.inner.consistency(old_size, new_size).map_err(audit_err)))
            .map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &p)?)
    }

    /// Flushes, writes a final checkpoint (with a signing key) and closes.
    /// Later calls raise ``AuditError`` (code ``audit.closed``); closing twice is fine.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| guard(|| self.inner.close().map_err(audit_err))).map_err(|e| e.into_pyerr(py))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    /// The log file.
    #[getter]
    fn path(&self) -> String {
        self.inner.path().display().to_string()
    }

    /// The checkpoints file beside it (``<path>.checkpoints``).
    #[getter]
    fn checkpoints_path(&self) -> String {
        self.inner.checkpoints_path().display().to_string()
    }

    /// The log id (also the checkpoints' origin).
    #[getter]
    fn log_id(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.log_id().map_err(|e| audit_err(e).into_pyerr(py))
    }

    /// Records appended (durable or not yet).
    #[getter]
    fn record_count(&self, py: Python<'_>) -> PyResult<u64> {
        self.inner.record_count().map_err(|e| audit_err(e).into_pyerr(py))
    }

    /// Records known to be durable.
    #[getter]
    fn durable_count(&self, py: Python<'_>) -> PyResult<u64> {
        self.inner.durable_count().map_err(|e| audit_err(e).into_pyerr(py))
    }

    /// What ``open`` found and repaired: ``created``, ``records``,
    /// ``segments``, ``checkpoints``, ``torn_tail``, ``torn_checkpoint_bytes``.
    #[getter]
    fn recovery<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = self.inner.recovery().map_err(|e| audit_err(e).into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &r)?)
    }

    fn __repr__(&self) -> String {
        format!("<AuditLog path={:?}>", self.inner.path().display().to_string())
    }
}

/// The result of ``verify_audit``. True in a boolean context unless tampered.
///
/// ``status`` is ``"intact"``, ``"unattested"`` (records after the last
/// checkpoint: not tampering, but not yet covered by a signature) or
/// ``"tampered"`` (then ``kind``, ``seq``, ``file``, ``line`` and ``reason``
/// say what and where).
#[pyclass(frozen, module = "microgov", name = "VerifyReport")]
pub struct VerifyReport {
    inner: audit::VerifyReport,
}

#[pymethods]
impl VerifyReport {
    /// ``"intact"``, ``"unattested"`` or ``"tampered"``.
    #[getter]
    fn status(&self) -> &'static str {
        match self.inner.status {
            audit::VerifyStatus::Intact => "intact",
            audit::VerifyStatus::Tampered(_) => "tampered",
            audit::VerifyStatus::Unattested { .. } => "unattested",
        }
    }

    /// False only when tampered.
    #[getter]
    fn ok(&self) -> bool {
        self.inner.is_ok()
    }

    /// Records that verified, from seq 0 up to the first bad one.
    #[getter]
    fn records(&self) -> u64 {
        self.inner.records
    }

    /// The log id the records carry.
    #[getter]
    fn log_id(&self) -> Option<&str> {
        self.inner.log_id.as_deref()
    }

    /// Hash of the last good record (lowercase hex).
    #[getter]
    fn last_hash(&self) -> Option<String> {
        self.inner.last_hash.map(|h| h.to_hex())
    }

    /// Merkle root of the records that verified (lowercase hex).
    #[getter]
    fn root(&self) -> String {
        self.inner.root.to_hex()
    }

    /// The checkpoint the log was checked against (``origin``, ``size``, ``root``).
    #[getter]
    fn checkpoint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.checkpoint)?)
    }

    /// Whether a checkpoint signature was checked with the public key.
    #[getter]
    fn signature_verified(&self) -> bool {
        self.inner.signature_verified
    }

    /// Tampered: what was found (``edited_record``, ``deleted_record``, ``bad_prev`` ...).
    #[getter]
    fn kind(&self) -> Option<&'static str> {
        self.inner.tamper().map(|t| t.kind.code())
    }

    /// Tampered: the seq of the first bad record, when known.
    #[getter]
    fn seq(&self) -> Option<u64> {
        self.inner.tamper().and_then(|t| t.seq)
    }

    /// Tampered: the file of the first bad record.
    #[getter]
    fn file(&self) -> Option<&str> {
        self.inner.tamper().and_then(|t| t.file.as_deref())
    }

    /// Tampered: its 1-based line.
    #[getter]
    fn line(&self) -> Option<u64> {
        self.inner.tamper().and_then(|t| t.line)
    }

    /// Tampered: why.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.inner.tamper().map(|t| t.reason.as_str())
    }

    /// Unattested: records after the checkpoint.
    #[getter]
    fn unattested(&self) -> Option<u64> {
        match self.inner.status {
            audit::VerifyStatus::Unattested { unattested, .. } => Some(unattested),
            _ => None,
        }
    }

    /// Unattested: records the checkpoint covers.
    #[getter]
    fn checkpoint_size(&self) -> Option<u64> {
        match self.inner.status {
            audit::VerifyStatus::Unattested { checkpoint_size, .. } => Some(checkpoint_size),
            _ => None,
        }
    }

    /// The report as a dict (the JSON of ``microgov audit verify --format json``).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner)?)
    }

    fn __bool__(&self) -> bool {
        self.inner.is_ok()
    }

    fn __repr__(&self) -> String {
        match self.inner.tamper() {
            Some(t) => format!(
                "<VerifyReport status='tampered' kind='{}' seq={} records={}>",
                t.kind.code(),
                t.seq.map(|s| s.to_string()).unwrap_or_else(|| "None".into()),
                self.inner.records
            ),
            None => format!("<VerifyReport status='{}' records={}>", self.status(), self.inner.records),
        }
    }

    /// HTML for Jupyter: the verdict, what was verified and, when tampered, where.
    fn _repr_html_(&self) -> String {
        crate::html::render_verify_html(&self.inner)
    }
}

/// Verifies an audit log and says whether it is intact.
///
/// Args:
///     log: the log file (its rotated segments ``<path>.1``, ``<path>.2`` ...
///         are read first), a list of files in order, or a ``postgres://``
///         URL with ``?log=<log id>`` (its rows in seq order).
///     checkpoint: signed checkpoint note(s): the text, or a path such as
///         ``log.checkpoints_path``. Without it the chain is checked but
///         nothing proves the log was not rewritten whole.
///     public_key: verifier key text (``name+hash+key``) or a path to it;
///         needs ``checkpoint``, except for a PostgreSQL log, whose stored
///         checkpoints signed by that key are then used.
///     raise_on_tamper: raise ``TamperedLogError`` (the default) rather than
///         return a report with status ``"tampered"``.
///
/// Returns:
///     VerifyReport: ``status`` ``"intact"`` or ``"unattested"`` (or
///     ``"tampered"`` with ``raise_on_tamper=False``).
///
/// Raises:
///     TamperedLogError: the log was changed; ``.seq`` is the first bad
///         record, ``.kind`` what was found, ``.report`` the whole report.
///     AuditError: the log, checkpoint or key cannot be read at all.
#[pyfunction]
#[pyo3(signature = (log, checkpoint=None, public_key=None, *, raise_on_tamper=true))]
pub fn verify_audit(
    py: Python<'_>,
    log: &Bound<'_, PyAny>,
    checkpoint: Option<&Bound<'_, PyAny>>,
    public_key: Option<&Bound<'_, PyAny>>,
    raise_on_tamper: bool,
) -> PyResult<VerifyReport> {
    let files: Result<PathBuf, Vec<PathBuf>> = if log.is_instance_of::<PyString>() || log.hasattr("__fspath__")? {
        Ok(log.extract::<PathBuf>()?)
    } else if log.is_instance_of::<PyList>() || log.is_instance_of::<pyo3::types::PyTuple>() {
        Err(log.try_iter()?.map(|p| p?.extract::<PathBuf>()).collect::<PyResult<Vec<_>>>()?)
    } else {
        return Err(PyTypeError::new_err("log must be a path or a list of paths"));
    };
    let checkpoint = match checkpoint {
        Some(c) if !c.is_none() => Some(text_or_file(c, "checkpoint", true)?),
        _ => None,
    };
    let key = match public_key {
        Some(k) if !k.is_none() => Some(text_or_file(k, "public_key", false)?.trim().to_string()),
        _ => None,
    };
    let report = py
        .detach(|| {
            guard(|| {
                match files {
                    Ok(path) => audit::verify(path, checkpoint.as_deref(), key.as_deref()),
                    Err(list) => audit::verify(list, checkpoint.as_deref(), key.as_deref()),
                }
                .map_err(audit_err)
            })
        })
        .map_err(|e| e.into_pyerr(py))?;
    if raise_on_tamper {
        if let Some(t) = report.tamper() {
            let t = t.clone();
            let report = Py::new(py, VerifyReport { inner: report })?;
            return Err(crate::errors::tampered(py, &t, Some(report.into_any())));
        }
    }
    Ok(VerifyReport { inner: report })
}

/// A new Ed25519 key pair for signing checkpoints, in signed-note key format:
/// ``{"signing_key": ..., "verifier_key": ...}``. Keep the signing key secret
/// (``AuditLog.open(path, signing_key=...)``); publish the verifier key
/// (``verify_audit(path, checkpoint, public_key=...)``).
///
/// Args:
///     name: the key name, e.g. ``"acme.example/audit"`` (no spaces or ``+``).
#[pyfunction]
pub fn generate_audit_key<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    let (skey, vkey) = guard(|| audit::keygen(name).map_err(audit_err)).map_err(|e| e.into_pyerr(py))?;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("signing_key", skey)?;
    d.set_item("verifier_key", vkey)?;
    Ok(d)
}
