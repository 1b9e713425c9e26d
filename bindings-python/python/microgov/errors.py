"""Exceptions microgov raises: one base class, one subclass per error family.

Every exception has ``code``, the core library's stable machine-readable code
(``manifest.invalid``, ``policy.parse``, ``audit.tampered`` ...)::

    MicrogovError                 base; a Rust panic also arrives as this (code "internal")
    ├── ManifestError             .problems: list of {"code", "path", "message"}
    ├── PolicyError               .file, .line
    ├── LifecycleError
    ├── AuditError
    │   └── TamperedLogError      .seq: the first bad record
    └── IoError                   .path

A file you name yourself (a manifest path) that does not exist raises Python's
own ``FileNotFoundError``; wrong argument types raise ``TypeError``.
"""

from microgov._microgov import (
    AuditError,
    IoError,
    LifecycleError,
    ManifestError,
    MicrogovError,
    PolicyError,
    TamperedLogError,
)

__all__ = [
    "AuditError",
    "IoError",
    "LifecycleError",
    "ManifestError",
    "MicrogovError",
    "PolicyError",
    "TamperedLogError",
]
