"""Type stubs of the compiled module ``microgov._microgov`` (hand-written,
checked against the module by ``python -m mypy.stubtest microgov._microgov``)."""

import os
from datetime import datetime
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, TypedDict, Union, final, overload

from microgov.types import (
    ApprovalUse,
    DecisionDict,
    Explanation,
    Problem,
    Receipt,
    RequiredApproval,
    Risk,
    VerifyReportDict,
    Violation,
    Waived,
)

_Path = Union[str, os.PathLike[str]]
_Manifest = Union[Mapping[str, Any], str, bytes, os.PathLike[str], "PreparedApp"]
_Approvals = Union[Sequence[Mapping[str, Any]], str, bytes, os.PathLike[str], None]
_Time = Union[datetime, str, None]

__version__: str
__all__ = [
    "__version__",
    "AuditError",
    "AuditLog",
    "Decision",
    "EgressGuard",
    "EgressVerdict",
    "Engine",
    "InputError",
    "LifecycleError",
    "ManifestError",
    "MicrogovError",
    "PolicyError",
    "PreparedApp",
    "TamperedLogError",
    "VerifyReport",
    "export_audit",
    "generate_audit_key",
    "looks_like_manifest",
    "verify_audit",
]

@final
class Engine:
    """A compiled set of policies that decides on micro apps."""

    def __new__(
        cls,
        policy_dirs: Optional[Sequence[_Path]] = None,
        bundles: Optional[Sequence[_Path]] = None,
        data: Optional[Mapping[str, Any]] = None,
        *,
        trust_claimed_roles: bool = False,
    ) -> "Engine": ...
    def evaluate(
        self,
        manifest: _Manifest,
        approvals: _Approvals = None,
        now: _Time = None,
        *,
        decision_id: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> "Decision":
        """Decides on one app."""
    def evaluate_many(
        self,
        manifests: Iterable[_Manifest],
        approvals: _Approvals = None,
        now: _Time = None,
        *,
        extra: Optional[Mapping[str, Any]] = None,
        return_exceptions: bool = False,
    ) -> List[Any]:
        """Decides on many apps in parallel; one ``Decision`` (or, with
        ``return_exceptions=True``, a ``MicrogovError``) per manifest."""
    def validate(self, manifest: _Manifest) -> List[Problem]:
        """Every problem of a manifest; empty when it is valid."""
    def parse(self, manifest: _Manifest) -> Dict[str, Any]:
        """The manifest after defaults, as a dict with camelCase keys."""
    def explain(
        self,
        manifest: _Manifest,
        approvals: _Approvals = None,
        now: _Time = None,
        *,
        decision_id: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> Explanation:
        """A decision with the source of each violation and the input document."""
    def prepare(self, manifest: _Manifest) -> "PreparedApp":
        """Validates an app once and pre-computes what depends on it alone."""
    def lifecycle(self, manifest: _Manifest, now: _Time = None) -> Dict[str, Any]:
        """Where the app stands at ``now``: ``{"state": ..., "days_left" | "days_ago": ...}``."""
    def renew(self, manifest: _Manifest, new_expiry: Union[datetime, str], now: _Time = None) -> Dict[str, Any]:
        """The manifest renewed to ``new_expiry``; ``LifecycleError`` when refused."""
    def retire(self, manifest: _Manifest, now: _Time = None) -> Dict[str, Any]:
        """The manifest retired at ``now`` (``metadata.retiredAt`` set)."""
    def approve(
        self,
        manifest: _Manifest,
        *,
        roles: Union[str, Sequence[str]],
        approver: str,
        expires: Union[datetime, str],
        granted: _Time = None,
        scope: Optional[Mapping[str, str]] = None,
        justification: Optional[str] = None,
        id: Optional[str] = None,
        key: Optional[str] = None,
    ) -> Dict[str, Any]:
        """An approval of the app as it is now: bound to its material view, signed with ``key``."""
    def check_egress(self, manifest: _Manifest, url: str) -> "EgressVerdict":
        """Whether the app may call ``url`` now."""
    def egress_guard(self, manifest: _Manifest) -> "EgressGuard":
        """The app's egress entries parsed once, for fast runtime checks."""
    def masked_fields(self, manifest: _Manifest, connector: str) -> List[str]:
        """The fields ``connector`` must receive masked."""
    def redact(self, manifest: _Manifest, connector: str, record: Any) -> Any:
        """A copy of ``record`` with the masked fields replaced by ``"****"``."""
    @property
    def policy_revisions(self) -> Dict[str, str]:
        """The revision of each loaded policy bundle."""
    @property
    def compiled(self) -> bool:
        """Whether decisions run in the compiled VM."""

@final
class PreparedApp:
    """An app validated and pre-computed by ``Engine.prepare``."""

    @property
    def name(self) -> str: ...
    def to_dict(self) -> Dict[str, Any]:
        """The manifest after defaults."""

@final
class EgressVerdict:
    """The answer of an egress check; true when allowed."""

    @property
    def allowed(self) -> bool: ...
    @property
    def code(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def matched(self) -> Optional[str]: ...
    @property
    def address(self) -> Optional[str]:
        """The address to connect to, when ``check_resolved`` allowed the call."""
    def to_dict(self) -> Dict[str, Any]:
        """The verdict as a dict."""
    def __bool__(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class EgressGuard:
    """One app's egress entries, parsed once."""

    def check(self, url: str) -> EgressVerdict:
        """Whether the app may call ``url`` now."""
    def check_resolved(self, url: str, addresses: Iterable[object]) -> EgressVerdict:
        """Whether the app may connect to ``url`` at the addresses its host resolved to."""
    def check_addresses(self, host: str, addresses: Iterable[object]) -> EgressVerdict:
        """The address half of ``check_resolved``, for a resolver hook."""
    def check_redirect(self, from_url: str, to: str) -> EgressVerdict:
        """Whether the app may follow a redirect from ``from_url`` to ``to``."""

class _GeneratedKey(TypedDict):
    signing_key: str
    verifier_key: str

@final
class AuditLog:
    """A durable, tamper-evident audit log in a file."""

    @staticmethod
    def open(
        path: _Path,
        *,
        signing_key: Union[str, os.PathLike[str], None] = None,
        log_id: Optional[str] = None,
        sync: Union[Literal["every-record", "on-flush"], float, None] = None,
        rotate_bytes: Optional[int] = None,
        checkpoint_every: Optional[int] = 1000,
        checkpoint_interval: Optional[float] = 60.0,
    ) -> "AuditLog":
        """Opens (or creates) the log at ``path`` (a file, verified first, or a
        ``postgres://user@host/db?log=<log id>`` URL)."""
    def append(self, event: Mapping[str, Any]) -> Receipt:
        """Appends one event; returns ``{"seq", "hash"}`` once durable."""
    def append_batch(self, events: Iterable[Mapping[str, Any]]) -> List[Receipt]:
        """Appends several events in order, durable together."""
    def append_decision(self, decision: "Decision", event: Optional[Mapping[str, Any]] = None) -> Receipt:
        """Records a decision as a ``policy.evaluate`` event."""
    def append_approval(self, approval: Mapping[str, Any], event: Optional[Mapping[str, Any]] = None) -> Receipt:
        """Records an approval as its ``approval.grant``, ``exception.grant`` or ``approval.revoke`` event."""
    def flush(self) -> None:
        """Writes and syncs everything appended so far."""
    def checkpoint(self) -> Dict[str, Any]:
        """Writes a signed checkpoint now and returns it."""
    def latest_note(self) -> Optional[str]:
        """The latest signed checkpoint note, or ``None``."""
    def prove(self, seq: int) -> Dict[str, Any]:
        """Inclusion proof of record ``seq``."""
    def consistency(self, old_size: int, new_size: int) -> Dict[str, Any]:
        """Consistency proof between two tree sizes."""
    def close(self) -> None:
        """Flushes, writes a final checkpoint and closes."""
    def __enter__(self) -> "AuditLog": ...
    def __exit__(self, *_args: object) -> bool: ...
    @property
    def path(self) -> str: ...
    @property
    def checkpoints_path(self) -> str: ...
    @property
    def log_id(self) -> str: ...
    @property
    def record_count(self) -> int: ...
    @property
    def durable_count(self) -> int: ...
    @property
    def recovery(self) -> Dict[str, Any]: ...

@final
class VerifyReport:
    """The result of ``verify_audit``; true unless tampered."""

    @property
    def status(self) -> Literal["intact", "unattested", "tampered"]: ...
    @property
    def ok(self) -> bool: ...
    @property
    def records(self) -> int: ...
    @property
    def log_id(self) -> Optional[str]: ...
    @property
    def last_hash(self) -> Optional[str]: ...
    @property
    def root(self) -> str: ...
    @property
    def checkpoint(self) -> Optional[Dict[str, Any]]: ...
    @property
    def signature_verified(self) -> bool: ...
    @property
    def kind(self) -> Optional[str]: ...
    @property
    def seq(self) -> Optional[int]: ...
    @property
    def file(self) -> Optional[str]: ...
    @property
    def line(self) -> Optional[int]: ...
    @property
    def reason(self) -> Optional[str]: ...
    @property
    def unattested(self) -> Optional[int]: ...
    @property
    def checkpoint_size(self) -> Optional[int]: ...
    def to_dict(self) -> VerifyReportDict:
        """The report as a dict."""
    def __bool__(self) -> bool: ...
    def _repr_html_(self) -> str: ...

def verify_audit(
    log: Union[_Path, Sequence[_Path]],
    checkpoint: Union[str, os.PathLike[str], None] = None,
    public_key: Union[str, os.PathLike[str], None] = None,
    *,
    raise_on_tamper: bool = True,
) -> VerifyReport:
    """Verifies an audit log; raises ``TamperedLogError`` when it was changed."""

class _ExportReport(TypedDict):
    format: Literal["jsonl", "ocsf", "otlp"]
    records: int
    log_id: Optional[str]
    last_hash: Optional[str]
    root: str
    torn_tail: bool

@overload
def export_audit(
    log: _Path,
    format: Literal["jsonl", "ocsf", "otlp"] = "ocsf",
    *,
    output: _Path,
    raw_data: bool = False,
) -> _ExportReport: ...
@overload
def export_audit(
    log: _Path,
    format: Literal["jsonl", "ocsf", "otlp"] = "ocsf",
    *,
    output: None = None,
    raw_data: bool = False,
) -> List[Any]:
    """Exports an audit log as OCSF events, OTLP/JSON log records or its lines, verifying it."""

def generate_audit_key(name: str) -> _GeneratedKey:
    """A new Ed25519 key pair for signing checkpoints."""

def looks_like_manifest(text: str) -> bool:
    """Whether ``text`` reads as a manifest (the rule ``microgov check`` uses)."""

@final
class Decision:
    """The answer for one app (immutable)."""

    @property
    def outcome(self) -> Literal["allow", "review", "deny"]: ...
    @property
    def tier(self) -> Literal["low", "medium", "high", "critical"]: ...
    @property
    def app(self) -> str: ...
    @property
    def decision_id(self) -> str: ...
    @property
    def violations(self) -> List[Violation]: ...
    @property
    def waived(self) -> List[Waived]: ...
    @property
    def warnings(self) -> List[Violation]: ...
    @property
    def required_approvals(self) -> List[RequiredApproval]: ...
    @property
    def obligations(self) -> List[Dict[str, Any]]: ...
    @property
    def approvals(self) -> List[ApprovalUse]: ...
    @property
    def risk(self) -> Risk: ...
    @property
    def policy_revisions(self) -> Dict[str, str]: ...
    @property
    def input_digest(self) -> str: ...
    @property
    def evaluated_at(self) -> str: ...
    def to_dict(self) -> DecisionDict:
        """The whole decision as a dict with snake_case keys."""
    def to_json(self, indent: Optional[int] = None) -> str:
        """The decision as JSON text."""
    @staticmethod
    def from_json(text: str) -> "Decision":
        """Reads a decision back from its JSON."""
    def __reduce__(self) -> Tuple[Any, Tuple[str]]: ...
    def diagram(self, format: Literal["svg", "mermaid", "dot"] = "svg") -> str:
        """The app's data-flow diagram as SVG, Mermaid or Graphviz DOT text."""
        ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

class MicrogovError(Exception):
    """Base class of every error microgov raises."""

    code: str

class ManifestError(MicrogovError):
    """A manifest or approvals document is invalid; ``problems`` lists them all."""

    problems: Sequence[Problem]

class PolicyError(MicrogovError):
    """A policy, bundle or data document could not be loaded or evaluated."""

    file: Optional[str]
    line: Optional[int]

class LifecycleError(MicrogovError):
    """A lifecycle change was refused."""

class InputError(MicrogovError):
    """A value (``extra``, a record, a data document) was refused; one problem says where."""

    problems: Sequence[Problem]

class AuditError(MicrogovError):
    """The audit log could not be opened, appended to or verified.

    ``file`` names the log (``audit.io``, ``audit.locked``), ``field`` the event
    member at fault (``audit.bad_event``).
    """

    file: Optional[str]
    field: Optional[str]

class TamperedLogError(AuditError):
    """The audit log does not verify; ``seq`` is the first bad record."""

    seq: Optional[int]
    kind: Optional[str]
    file: Optional[str]
    line: Optional[int]
    reason: Optional[str]
    report: Optional[VerifyReport]
