"""Exceptions microgov raises: one base class, one subclass per error family.

Every exception has ``code``, the core library's stable machine-readable code
(``manifest.invalid``, ``policy.parse``, ``audit.tampered`` ...)::

    MicrogovError                 base; a Rust panic also arrives as this (code "internal")
    ├── ManifestError             .problems: list of {"code", "path", "message"}
    ├── PolicyError               .file, .line
    ├── LifecycleError
    └── AuditError                .file, .field
        └── TamperedLogError      .seq: the first bad record, .kind, .reason

The same bad input gives the same ``code``, message and fields in the Node
binding (``fixtures/errors/expected.json`` is checked by both suites).

A file you name yourself (a manifest or approvals path) that cannot be read
raises Python's own ``OSError`` subclass (``FileNotFoundError`` ...), as ``open``
does; wrong argument types raise ``TypeError``.
"""

from microgov._microgov import (
    AuditError,
    LifecycleError,
    ManifestError,
    MicrogovError,
    PolicyError,
    TamperedLogError,
)

__all__ = [
    "AuditError",
    "LifecycleError",
    "ManifestError",
    "MicrogovError",
    "PolicyError",
    "TamperedLogError",
]
