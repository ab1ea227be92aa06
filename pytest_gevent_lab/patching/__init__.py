"""Patching: ``gevent.monkey.patch_all()`` for the process, the patched mode, xdist workers.

- ``process``: patching the process once, and the record of what it did
  (imports no gevent until it patches; the launcher uses it before pytest exists);
- ``mode``: when a pytest run patches, and what the run reports about it;
- ``xdist``: which xdist process patches, and execnet kept on real threads.

``process`` and ``native`` are imported only by a run that patches, or finds
itself patched; their public names are importable from here all the same.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    # process is imported when asked for: a run that does not patch never needs it.
    if name in __all__:
        from . import process

        return getattr(process, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
