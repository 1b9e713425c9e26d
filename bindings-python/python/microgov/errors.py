"""Exceptions microgov raises: one base class, one subclass per error family.

Every exception has ``code``, the core library's stable machine-readable code
(``manifest.invalid``, ``policy.parse``, ``audit.tampered`` ...)::

    MicrogovError                 base; a Rust panic also arrives as this (code "internal")
    ├── ManifestError             .problems: list of {"code", "path", "message"}
    ├── PolicyError               .file, .line
    ├── LifecycleError
    ├── InputError                .problems: one {"code", "path", "message"} (extra, records, data)
    └── AuditError                .file, .field
        └── TamperedLogError      .seq: the first bad record, .kind, .reason

The same bad input gives the same ``code``, message and fields in the Node
binding (``fixtures/errors/expected.json`` is checked by both suites).

A file you name yourself (a manifest or approvals path) that cannot be read
raises Python's own ``OSError`` subclass (``FileNotFoundError`` ...), as ``open``
does; wrong argument types raise ``TypeError``.

Values are converted within the manifest limits and never silently changed: a
value without a faithful JSON form (NaN or infinity, an integer beyond
±(2**53 - 1), ``bytes``, a ``set``, a non-string key, a lone surrogate, a
container holding itself, something nested deeper than 32 levels, more than
50,000 values or 1 MiB of text, an endless iterator) is refused with one problem
whose ``path`` points at it: ``ManifestError`` (``manifest.<fault>``) in a
manifest or approvals, ``AuditError`` ``audit.bad_event`` (``audit.<fault>``) in
an audit event, ``InputError`` ``input.invalid`` (``input.<fault>``) elsewhere.
An exception your own code raises while the value is read (a mapping's
``items``, an iterator) becomes the ``raised`` fault, with yours as ``__cause__``.
"""

from microgov._microgov import (
    AuditError,
    InputError,
    LifecycleError,
    ManifestError,
    MicrogovError,
    PolicyError,
    TamperedLogError,
)

__all__ = [
    "AuditError",
    "InputError",
    "LifecycleError",
    "ManifestError",
    "MicrogovError",
    "PolicyError",
    "TamperedLogError",
]
