"""Which recorder is taking the current test's trace, for the capabilities that add marks to it.

Both look-ups return None when ``--gevent-trace`` is off, so a caller pays
one check: ``recorder = active_recorder(); if recorder is not None: ...``.
This module imports nothing heavy (nothing of the plugin at all): the
greenlet checks (greenlets.trace_marks) and the speedup report import it at
start-up, the one place where a capability below traces looks up at it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .recorder import Recorder

recorder_key = pytest.StashKey["Recorder"]()
_active: list[Recorder] = []  # a stack: a pytester run inside a traced test nests


def recorder_of(item: pytest.Item) -> Recorder | None:
    """The recorder of ``item`` while its protocol runs (setup, call, teardown), else None."""
    return item.stash.get(recorder_key, None)


def active_recorder() -> Recorder | None:
    """The recorder of the test running now, for code that has no item at hand (hub hooks)."""
    return _active[-1] if _active else None


def push(recorder: Recorder) -> None:
    _active.append(recorder)


def pop(recorder: Recorder) -> None:
    if recorder in _active:
        _active.remove(recorder)
