"""Type stubs of the compiled module ``microgov._microgov`` (hand-written,
checked against the module by ``python -m mypy.stubtest microgov._microgov``)."""

import os
from datetime import datetime
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Union, final

from microgov.types import ApprovalUse, DecisionDict, Problem, RequiredApproval, Risk, Violation, Waived

_Path = Union[str, os.PathLike[str]]
_Manifest = Union[Mapping[str, Any], str, bytes, os.PathLike[str]]
_Approvals = Union[Sequence[Mapping[str, Any]], str, bytes, os.PathLike[str], None]
_Time = Union[datetime, str, None]

__version__: str
__all__ = [
    "__version__",
    "AuditError",
    "Decision",
    "EgressGuard",
    "EgressVerdict",
    "Engine",
    "IoError",
    "LifecycleError",
    "ManifestError",
    "MicrogovError",
    "PolicyError",
    "TamperedLogError",
]

@final
class Engine:
    """A compiled set of policies that decides on micro apps."""

    def __new__(
        cls,
        policy_dirs: Optional[Sequence[_Path]] = None,
        bundles: Optional[Sequence[_Path]] = None,
        data: Optional[Mapping[str, Any]] = None,
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
    ) -> Dict[str, Any]:
        """A decision with the source of each violation and the input document."""
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

class AuditError(MicrogovError):
    """The audit log could not be opened, appended to or verified."""

class TamperedLogError(AuditError):
    """The audit log does not verify; ``seq`` is the first bad record."""

    seq: Optional[int]

class IoError(MicrogovError):
    """A file microgov was given could not be read."""

    path: Optional[str]
