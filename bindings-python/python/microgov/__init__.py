"""microgov: policy and governance for micro apps.

Decide whether a small single-purpose app may run, which tier of review it
needs and which approvals are missing, with Rego policies compiled once and
evaluated natively::

    import microgov

    engine = microgov.Engine()                       # bundled policies
    d = engine.evaluate("apps/expense-approver.yaml", now="2026-11-26T10:00:00Z")
    d.outcome, d.tier, d.violations                  # 'deny', 'high', [...]
    microgov.inventory("apps/")                      # one row per app (pandas if installed)

    with microgov.AuditLog.open("audit.jsonl", signing_key=key) as log:
        log.append_decision(d)                       # tamper-evident record
    microgov.verify_audit("audit.jsonl", "audit.jsonl.checkpoints", public_key=vkey)

Errors are under :mod:`microgov.errors`; dict shapes under :mod:`microgov.types`.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from microgov import errors, types, views
from microgov._microgov import (
    AuditLog,
    Decision,
    EgressGuard,
    EgressVerdict,
    Engine,
    PreparedApp,
    VerifyReport,
    __version__,
    export_audit,
    generate_audit_key,
    looks_like_manifest,
    verify_audit,
)
from microgov.errors import ManifestError, MicrogovError

if TYPE_CHECKING:
    from microgov.types import InventoryRow

__all__ = [
    "AuditLog",
    "Decision",
    "EgressGuard",
    "EgressVerdict",
    "Engine",
    "MicrogovError",
    "ManifestError",
    "PreparedApp",
    "__version__",
    "default_engine",
    "errors",
    "inventory",
    "manifest_files",
    "types",
    "VerifyReport",
    "export_audit",
    "generate_audit_key",
    "looks_like_manifest",
    "verify_audit",
    "views",
]


def __dir__() -> List[str]:
    """The public names only (what notebooks complete after ``microgov.``)."""
    return sorted(__all__)


_DEFAULT_ENGINE: Optional[Engine] = None
_DEFAULT_LOCK = threading.Lock()

_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# A manifest declares `kind: MicroApp` (YAML) or `"kind": "MicroApp"` (JSON);
# other files in an inventory folder (expected.json tables, approvals) do not.

PathLike = Union[str, "os.PathLike[str]"]


def default_engine() -> Engine:
    """The engine with the bundled policies, built on first use and shared.

    Building an engine compiles its policies; this one is built once per
    process and reused by :func:`inventory` when no engine is given.
    """
    global _DEFAULT_ENGINE
    with _DEFAULT_LOCK:
        if _DEFAULT_ENGINE is None:
            _DEFAULT_ENGINE = Engine()
        return _DEFAULT_ENGINE


def manifest_files(folder: PathLike, recursive: bool = False) -> List[Path]:
    """The manifest files of a folder, sorted by path.

    A file counts when it ends in ``.yaml``, ``.yml`` or ``.json`` and reads as
    a manifest by the rule ``microgov check`` uses (:func:`looks_like_manifest`:
    ``kind: MicroApp`` or an ``apiVersion`` under ``microgov.dev/``); fixture
    tables, approvals, other files and hidden ones (``.name``) are skipped.

    Args:
        folder: the folder to scan.
        recursive: also scan subfolders.
    """
    root = Path(folder)
    pattern = "**/*" if recursive else "*"
    out = []
    for p in sorted(root.glob(pattern)):
        # Hidden files and folders are skipped, as `microgov check` skips them.
        if any(part.startswith(".") for part in p.relative_to(root).parts):
            continue
        if p.suffix.lower() in _MANIFEST_SUFFIXES and p.is_file():
            try:
                text = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if looks_like_manifest(text):
                out.append(p)
    return out


def _sources(source: Any, recursive: bool) -> List[Any]:
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        return list(manifest_files(source, recursive=recursive))
    if isinstance(source, (str, bytes, os.PathLike, Mapping)):
        return [source]
    return list(source)


def _label(item: Any) -> Optional[str]:
    if isinstance(item, os.PathLike):
        return str(os.fspath(item))
    if isinstance(item, str) and "\n" not in item and item.lower().endswith(_MANIFEST_SUFFIXES):
        return item
    return None


def inventory(
    source: Union[PathLike, Iterable[Any]],
    approvals: Union[None, str, "os.PathLike[str]", Sequence[Mapping[str, Any]]] = None,
    now: Union[None, str, datetime] = None,
    *,
    engine: Optional[Engine] = None,
    recursive: bool = False,
) -> Any:
    """Evaluates a set of apps and returns one row per app.

    Args:
        source: a folder (every ``kind: MicroApp`` YAML/JSON file in it), one
            manifest file, or an iterable of manifests in any form
            :meth:`Engine.evaluate` takes (dicts, text, paths).
        approvals: approvals for all apps (each approval names its app).
        now: evaluation time (``datetime`` or RFC 3339 string); the clock if omitted.
        engine: the engine to use; :func:`default_engine` if omitted.
        recursive: for a folder, also read its subfolders.

    Returns:
        A ``pandas.DataFrame`` when pandas is installed, else a list of dicts,
        with columns ``name``, ``owner``, ``tier``, ``outcome``,
        ``violation_count``, ``expires_at`` (UTC), ``required_approvals``
        (roles still missing) and ``source`` (the file, when read from one).
        A manifest that does not validate gives a row with outcome
        ``"invalid"`` rather than stopping the whole inventory.
    """
    eng = engine if engine is not None else default_engine()
    items = _sources(source, recursive)
    parsed: List[Optional[Dict[str, Any]]] = []
    for item in items:
        try:
            parsed.append(eng.parse(item))
        except ManifestError:
            parsed.append(None)
    # `parse` gives the manifest after defaults (owner, expiresAt); the
    # decisions come from the manifests as given, all in one parallel call.
    valid = [item for item, p in zip(items, parsed) if p is not None]
    decisions = iter(eng.evaluate_many(valid, approvals=approvals, now=now))
    rows: List["InventoryRow"] = []
    for item, app in zip(items, parsed):
        label = _label(item)
        if app is None:
            name = None
            if isinstance(item, Mapping):
                meta = item.get("metadata")
                name = meta.get("name") if isinstance(meta, Mapping) else None
            rows.append(
                {
                    "name": name,
                    "owner": None,
                    "tier": None,
                    "outcome": "invalid",
                    "violation_count": None,
                    "expires_at": None,
                    "required_approvals": [],
                    "source": label,
                }
            )
            continue
        d = next(decisions)
        meta = app.get("metadata", {})
        rows.append(
            {
                "name": d.app,
                "owner": meta.get("owner"),
                "tier": d.tier,
                "outcome": d.outcome,
                "violation_count": len(d.violations),
                "expires_at": meta.get("expiresAt"),
                "required_approvals": sorted({r["role"] for r in d.required_approvals}),
                "source": label,
            }
        )
    try:
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return rows
    columns = ["name", "owner", "tier", "outcome", "violation_count", "expires_at", "required_approvals", "source"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["expires_at"] = pd.to_datetime(frame["expires_at"], utc=True)
    frame["violation_count"] = frame["violation_count"].astype("Int64")
    return frame
