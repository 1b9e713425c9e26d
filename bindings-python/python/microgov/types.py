"""Shapes of the dicts microgov returns, for type checkers and editors.

These are :class:`typing.TypedDict` classes: at run time the values are plain
dicts (so they go straight into ``json.dumps`` or ``pandas.DataFrame``).
The wire shapes have one source, the JSON Schema generated from the Rust types
(``core/docs/schema/``); ``tests/test_schema.py`` checks these classes against it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

__all__ = [
    "ApprovalUse",
    "Checkpoint",
    "DecisionDict",
    "ExplainedApproval",
    "ExplainedViolation",
    "Explanation",
    "InventoryRow",
    "Problem",
    "Receipt",
    "RequiredApproval",
    "Risk",
    "RiskFactor",
    "RuleMetadata",
    "RuleSite",
    "VerifyReportDict",
    "Violation",
    "Waived",
]


class _ProblemOptional(TypedDict, total=False):
    line: int
    """1-based line in the text the document was read from (a YAML/JSON
    string or file; not for a dict): the value's, or for a missing key its
    mapping's; for a syntax error, where the parser stopped."""
    column: int
    """1-based column (in characters) of the same position."""


class Problem(_ProblemOptional):
    """One problem of an invalid manifest or approvals document."""

    code: str
    """Stable code, e.g. ``manifest.unknown_key``."""
    path: str
    """JSON pointer into the document as written (``""`` is the whole document)."""
    message: str
    """What is wrong, naming the value."""


class _ViolationOptional(TypedDict, total=False):
    path: str
    remediation: str
    exception: str
    dataset: str
    connector: str
    datasets: List[str]


class Violation(_ViolationOptional):
    """A rule a policy says the app breaks (or a warning)."""

    policy: str
    rule: str
    severity: str
    message: str


class Waived(TypedDict):
    """A violation an exception waived."""

    violation: Violation
    approval_id: str


class _RequiredApprovalOptional(TypedDict, total=False):
    dataset: str
    connector: str


class RequiredApproval(_RequiredApprovalOptional):
    """An approval the app still needs."""

    role: str
    reason: str


class _RiskFactorOptional(TypedDict, total=False):
    remedy: str


class RiskFactor(_RiskFactorOptional):
    """One contribution to the risk score: why it applied (``detail``) and, when the
    owner can change it, what would lower it (``remedy``)."""

    factor: str
    points: int
    detail: str


class Risk(TypedDict):
    """Risk score (0-100) and what makes it up."""

    score: int
    factors: List[RiskFactor]


class ApprovalUse(TypedDict):
    """How one supplied approval was judged (``valid``, ``expired`` ...)."""

    id: str
    status: str


class DecisionDict(TypedDict):
    """A decision as ``Decision.to_dict()`` gives it (the JSON wire format)."""

    decision_id: str
    app: str
    outcome: str
    tier: str
    risk: Risk
    violations: List[Violation]
    waived: List[Waived]
    warnings: List[Violation]
    required_approvals: List[RequiredApproval]
    obligations: List[Dict[str, Any]]
    approvals: List[ApprovalUse]
    policy_revisions: Dict[str, str]
    input_digest: str
    evaluated_at: str


class RuleMetadata(TypedDict, total=False):
    """A rule's ``# METADATA`` annotations that microgov reads."""

    title: str
    description: str
    severity: str
    remediation: str
    exception: str


class RuleSite(TypedDict):
    """A rule definition in a policy file."""

    package: str
    head: str
    file: str
    line: int
    """1-based line of the rule head."""
    metadata: RuleMetadata


class ExplainedViolation(TypedDict):
    """A violation and the rule that produced it."""

    violation: Violation
    source: Optional[RuleSite]
    waivable_by: Optional[str]


class _ExplainedApprovalOptional(TypedDict, total=False):
    changes: List[str]
    """For a ``stale`` approval: what changed since it was granted (``connector export added``)."""


class ExplainedApproval(_ExplainedApprovalOptional):
    """How one supplied approval was judged, and why (``core/docs/approvals.md``)."""

    id: str
    status: str
    reason: str


class Explanation(TypedDict):
    """What :meth:`Engine.explain` returns."""

    decision: DecisionDict
    violations: List[ExplainedViolation]
    waived: List[ExplainedViolation]
    approvals: List[ExplainedApproval]
    input: Dict[str, Any]
    """The input document the policies read."""
    native_packages: List[str]
    """The bundled packages whose rules ran natively (the same rules as their ``.rego``)."""


class Receipt(TypedDict):
    """Where an appended audit record landed."""

    seq: int
    hash: str
    """Its record hash, lowercase hex (the next record's ``prev``)."""


class _CheckpointOptional(TypedDict, total=False):
    extensions: List[str]


class Checkpoint(_CheckpointOptional):
    """A tree head: origin (the log id), size and Merkle root (hex)."""

    origin: str
    size: int
    root: str


class _VerifyReportOptional(TypedDict, total=False):
    kind: str
    """``tampered``: what is wrong (``edited_record``, ``bad_prev`` ...)."""
    seq: Optional[int]
    file: Optional[str]
    line: Optional[int]
    reason: str
    checkpoint_size: int
    """``unattested``: records the checkpoint covers."""
    unattested: int
    """``unattested``: records after it."""


class VerifyReportDict(_VerifyReportOptional):
    """``VerifyReport.to_dict()``: the verdict and what verified."""

    status: str
    """``intact``, ``unattested`` or ``tampered``."""
    records: int
    log_id: Optional[str]
    last_hash: Optional[str]
    root: str
    checkpoint: Optional[Checkpoint]
    signature_verified: bool


class InventoryRow(TypedDict):
    """One row of :func:`microgov.inventory` (when pandas is not installed).

    The same columns, in the same order, as ``microgov inventory --format json``
    (``core/docs/inventory.md``).
    """

    name: Optional[str]
    """``metadata.name``; for an invalid manifest, as far as its text still tells."""
    owner: Optional[str]
    department: Optional[str]
    environment: Optional[str]
    """``production``, ``staging``, ``development`` or ``sandbox``."""
    template: Optional[str]
    tier: Optional[str]
    score: Optional[int]
    """Risk score, 0-100."""
    outcome: str
    """``allow``, ``review``, ``deny``, or ``invalid`` for a manifest that does not validate."""
    violation_count: Optional[int]
    required_approvals: List[str]
    """Roles whose approval is still missing."""
    lifecycle: Optional[str]
    """``active``, ``expiring``, ``expired`` or ``retired``."""
    days_left: Optional[int]
    """Whole days until expiry (negative once expired); ``None`` when retired or invalid."""
    expires_at: Optional[str]
    source: Optional[str]
    reason: str
    """Why the row is invalid (its first problems, ``code at path: message``); ``""`` otherwise."""
    duplicate_of: List[str]
    """The other sources that declare the same ``metadata.name`` (``item N`` for one not read from a file)."""
