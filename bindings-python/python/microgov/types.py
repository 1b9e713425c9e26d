"""Shapes of the dicts microgov returns, for type checkers and editors.

These are :class:`typing.TypedDict` classes: at run time the values are plain
dicts (so they go straight into ``json.dumps`` or ``pandas.DataFrame``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

__all__ = [
    "ApprovalUse",
    "DecisionDict",
    "InventoryRow",
    "Problem",
    "RequiredApproval",
    "Risk",
    "RiskFactor",
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


class RiskFactor(TypedDict):
    """One contribution to the risk score."""

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


class InventoryRow(TypedDict):
    """One row of :func:`microgov.inventory` (when pandas is not installed)."""

    name: Optional[str]
    owner: Optional[str]
    tier: Optional[str]
    outcome: str
    """``allow``, ``review``, ``deny``, or ``invalid`` for a manifest that does not validate."""
    violation_count: Optional[int]
    expires_at: Optional[str]
    required_approvals: List[str]
    source: Optional[str]
