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


def _is_folder(item: Any) -> bool:
    if isinstance(item, str) and "\n" in item:
        return False  # manifest text, not a path
    try:
        return Path(item).is_dir()
    except (OSError, ValueError):
        return False


def _sources(source: Any, recursive: bool) -> List[Any]:
    if isinstance(source, (str, os.PathLike)) and _is_folder(source):
        return list(manifest_files(source, recursive=recursive))
    if isinstance(source, (str, bytes, os.PathLike, Mapping)):
        return [source]
    # A list may mix folders (each read as above) with files and manifests.
    out: List[Any] = []
    for item in source:
        if isinstance(item, (str, os.PathLike)) and _is_folder(item):
            out.extend(manifest_files(item, recursive=recursive))
        else:
            out.append(item)
    return out


def _label(item: Any) -> Optional[str]:
    if isinstance(item, os.PathLike):
        return str(os.fspath(item))
    if isinstance(item, str) and "\n" not in item and item.lower().endswith(_MANIFEST_SUFFIXES):
        return item
    return None


# The columns, in order: the same as `microgov inventory --format json`.
_COLUMNS = [
    "name",
    "owner",
    "department",
    "environment",
    "template",
    "tier",
    "score",
    "outcome",
    "violation_count",
    "required_approvals",
    "lifecycle",
    "days_left",
    "expires_at",
    "source",
    "reason",
    "duplicate_of",
]

# How many of an invalid manifest's problems its `reason` names (as the CLI).
_REASON_PROBLEMS = 3


def _reason(err: MicrogovError) -> str:
    """An invalid manifest's first problems as ``code at path: message``, as the CLI words them."""
    problems = list(getattr(err, "problems", None) or [])
    if not problems:
        return f"{getattr(err, 'code', 'invalid')}: {err}"
    parts = [
        f"{p['code']} at {p['path']}: {p['message']}" if p["path"] else f"{p['code']}: {p['message']}"
        for p in problems[:_REASON_PROBLEMS]
    ]
    if len(problems) > _REASON_PROBLEMS:
        parts.append(f"and {len(problems) - _REASON_PROBLEMS} more")
    return "; ".join(parts)


def _raw_document(item: Any) -> Optional[Mapping[str, Any]]:
    """The document as written, when it still reads (for an invalid manifest's name and owner)."""
    if isinstance(item, Mapping):
        return item
    text: Optional[str] = None
    try:
        if isinstance(item, os.PathLike) or _label(item) is not None:
            text = Path(item).read_text(encoding="utf-8")
        elif isinstance(item, bytes):
            text = item.decode("utf-8")
        elif isinstance(item, str):
            text = item
    except (OSError, UnicodeDecodeError):
        return None
    if text is None:
        return None
    try:
        import json

        doc = json.loads(text)
    except ValueError:
        try:
            import yaml  # type: ignore[import-untyped,unused-ignore]

            doc = yaml.safe_load(text)
        except Exception:  # noqa: BLE001 - no YAML reader, or not YAML: the name stays unknown
            return None
    return doc if isinstance(doc, Mapping) else None


def _invalid_row(item: Any, label: Optional[str], reason: str) -> "InventoryRow":
    doc = _raw_document(item)
    meta = doc.get("metadata") if doc is not None else None
    meta = meta if isinstance(meta, Mapping) else {}

    def text(key: str) -> Optional[str]:
        value = meta.get(key)
        return value if isinstance(value, str) else None

    return {
        "name": text("name"),
        "owner": text("owner"),
        "department": text("department"),
        "environment": None,
        "template": None,
        "tier": None,
        "score": None,
        "outcome": "invalid",
        "violation_count": None,
        "required_approvals": [],
        "lifecycle": None,
        "days_left": None,
        "expires_at": None,
        "source": label,
        "reason": reason,
        "duplicate_of": [],
    }


def _flag_duplicates(rows: List["InventoryRow"]) -> None:
    """Each row whose name another source also declares lists those sources."""
    names = [r["source"] if r["source"] is not None else f"item {i}" for i, r in enumerate(rows)]
    by_name: Dict[str, List[str]] = {}
    for r, shown in zip(rows, names):
        if r["name"] is not None:
            by_name.setdefault(r["name"], []).append(shown)
    for r, shown in zip(rows, names):
        if r["name"] is not None:
            r["duplicate_of"] = [s for s in by_name[r["name"]] if s != shown]


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
            manifest file, or an iterable of folders, files and manifests in
            any form :meth:`Engine.evaluate` takes (dicts, text, paths), mixed.
        approvals: approvals for all apps (each approval names its app).
        now: evaluation time (``datetime`` or RFC 3339 string); the clock if omitted.
        engine: the engine to use; :func:`default_engine` if omitted.
        recursive: for a folder, also read its subfolders.

    Returns:
        A ``pandas.DataFrame`` when pandas is installed, else a list of dicts
        (:class:`microgov.types.InventoryRow`), with the columns of
        ``microgov inventory --format json``: ``name``, ``owner``,
        ``department``, ``environment``, ``template``, ``tier``, ``score``,
        ``outcome``, ``violation_count``, ``required_approvals`` (roles still
        missing), ``lifecycle``, ``days_left``, ``expires_at`` (UTC),
        ``source`` (the file, when read from one), ``reason`` and
        ``duplicate_of``. A manifest that does not validate gives a row with
        outcome ``"invalid"`` whose ``reason`` names its first problems
        (``code at path: message``) rather than stopping the whole inventory;
        rows that share a ``metadata.name`` list each other's sources in
        ``duplicate_of``.
    """
    eng = engine if engine is not None else default_engine()
    items = _sources(source, recursive)
    parsed: List[Optional[Dict[str, Any]]] = []
    reasons: List[str] = []
    for item in items:
        try:
            parsed.append(eng.parse(item))
            reasons.append("")
        except ManifestError as e:
            parsed.append(None)
            reasons.append(_reason(e))
        except OSError as e:
            parsed.append(None)
            reasons.append(f"io: {e.strerror or e}")
    # `parse` gives the manifest after defaults (owner, expiresAt, environment); the
    # decisions come from the manifests as given, all in one parallel call.
    valid = [item for item, p in zip(items, parsed) if p is not None]
    decisions = iter(eng.evaluate_many(valid, approvals=approvals, now=now))
    rows: List["InventoryRow"] = []
    for item, app, why in zip(items, parsed, reasons):
        label = _label(item)
        if app is None:
            rows.append(_invalid_row(item, label, why))
            continue
        d = next(decisions)
        meta = app.get("metadata", {})
        spec = app.get("spec", {})
        life = eng.lifecycle(app, now=now)
        days_left = life.get("days_left")
        if "days_ago" in life:
            days_left = -life["days_ago"]
        rows.append(
            {
                "name": d.app,
                "owner": meta.get("owner"),
                "department": meta.get("department"),
                "environment": spec.get("environment"),
                "template": spec.get("template"),
                "tier": d.tier,
                "score": d.risk["score"],
                "outcome": d.outcome,
                "violation_count": len(d.violations),
                "required_approvals": sorted({r["role"] for r in d.required_approvals}),
                "lifecycle": life["state"],
                "days_left": days_left,
                "expires_at": meta.get("expiresAt"),
                "source": label,
                "reason": "",
                "duplicate_of": [],
            }
        )
    _flag_duplicates(rows)
    try:
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return rows
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    frame["expires_at"] = pd.to_datetime(frame["expires_at"], utc=True)
    for column in ("score", "violation_count", "days_left"):
        frame[column] = frame[column].astype("Int64")
    return frame
