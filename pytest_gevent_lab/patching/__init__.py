"""Patching: ``gevent.monkey.patch_all()`` for the process, the patched mode, xdist workers.

- ``process``: patching the process once, and the record of what it did
  (imports no gevent until it patches; the launcher uses it before pytest exists);
- ``mode``: when a pytest run patches, and what the run reports about it;
- ``xdist``: which xdist process patches, and execnet kept on real threads.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .process import (
    LAUNCHER,
    PatchReport,
    UnknownPatchName,
    check_skip_names,
    is_patched,
    patch_process,
    split_names,
)

__all__ = [
    "LAUNCHER",
    "PatchReport",
    "UnknownPatchName",
    "check_skip_names",
    "is_patched",
    "patch_process",
    "split_names",
]
