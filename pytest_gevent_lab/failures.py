"""How the plugin fails a test: one error, or several as one group; and what it hides.

Every check that can find more than one problem at once (greenlets that died,
leaks at teardown) raises them through :func:`raise_together`, so a single
problem reads as itself and several as one ``ExceptionGroup`` whose message
says what happened, as pytest's own unhandled-thread-exception check does.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

if sys.version_info < (3, 11):  # pragma: no cover - exercised by the py310 env
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found,unused-ignore]

# This package's own files: a frame from here is never "the user's code".
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def raise_together(errors: Sequence[Exception], message: str) -> None:
    """Raise nothing, the one error, or an ``ExceptionGroup(message, errors)``."""
    __tracebackhide__ = True
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ExceptionGroup(message, list(errors))


def internal_files() -> tuple[str, ...]:
    """Path prefixes of frames that are gevent's or this plugin's, not the user's.

    Cython-compiled gevent modules report ``src/gevent/...`` as their file.
    Imports gevent: call it when a report is being written, not at import.
    """
    import gevent

    return (os.path.dirname(gevent.__file__), "src/gevent/", PACKAGE_DIR)


def is_internal(filename: str) -> bool:
    return filename.startswith(internal_files())


def function_id(item: pytest.Function) -> str:
    """The node id of a test's function, which a collection problem names: each of its
    parameter sets is an item, with an id of its own, and the problem is said once."""
    return f"{item.parent.nodeid}::{item.originalname}" if item.parent else item.nodeid


def fail_collection(report: pytest.CollectReport, problems: Iterable[str | None]) -> None:
    """Fail a collector's report with ``problems``, one per line, beside those already there.

    Every wrong marker of a module is named at once (pytest's own checks stop
    at the first), also when another of the plugin's checks failed it first.
    None (a test with nothing wrong) is left out, and a problem said twice
    (each parameter set of a test is an item) is said once.
    """
    said = [problem for problem in dict.fromkeys(problems) if problem is not None]
    if not said:
        return
    earlier = [report.longrepr] if report.failed and isinstance(report.longrepr, str) else []
    if report.failed and not earlier:
        return  # pytest's own error (an import error): ours would hide it
    report.outcome = "failed"  # pytest collects no result of a failed report
    report.longrepr = "\n".join([*earlier, *said])
