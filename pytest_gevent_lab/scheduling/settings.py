"""Which tests run on a virtual clock, and with what ``autojump_threshold``.

A test runs on a virtual clock when it carries ``@pytest.mark.gevent_virtual_time``
(directly, or from its class or module), requests the ``gevent_clock``
fixture, or the run says every test does (``--gevent-virtual-time``, ini
``gevent_virtual_time = true``). ``concurrent_speedup`` tests are the
exception: a speedup is real time, so the run-wide switch leaves them alone,
and the marker or the fixture on one is a collection error.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .clock import check_threshold
from .names import FIXTURE, SPEEDUP_MARKER
from .names import VIRTUAL_MARKER as MARKER


@dataclass(frozen=True)
class VirtualTimeSpec:
    autojump_threshold: float = 0.0


_VALID = "autojump_threshold=0.0"


def parse(mark: pytest.Mark) -> VirtualTimeSpec:
    """The marker's arguments; a :class:`ValueError` saying which one is wrong and why."""
    if mark.args:
        raise ValueError(
            f"takes keyword arguments only ({_VALID}), got positional argument(s) "
            f"{', '.join(map(repr, mark.args))}; write "
            f"@pytest.mark.{MARKER}(autojump_threshold={mark.args[0]!r})"
        )
    unknown = sorted(set(mark.kwargs) - {"autojump_threshold"})
    if unknown:
        raise ValueError(
            f"unknown argument(s) {', '.join(unknown)}; valid arguments (with defaults): {_VALID}"
        )
    threshold = mark.kwargs.get("autojump_threshold", VirtualTimeSpec.autojump_threshold)
    return VirtualTimeSpec(check_threshold(threshold))


def collection_problem(item: pytest.Function) -> str | None:
    """Why collecting ``item`` fails: its marker is wrong, or it also measures a speedup."""
    mark = item.get_closest_marker(MARKER)
    problem = None
    if mark is not None:
        try:
            parse(mark)
        except ValueError as error:
            problem = f"@pytest.mark.{MARKER}: {error}"
    if problem is None and item.get_closest_marker(SPEEDUP_MARKER) is not None:
        if mark is not None:
            what = f"@pytest.mark.{MARKER}"
        elif FIXTURE in item.fixturenames:
            what = f"the {FIXTURE} fixture (which runs the test on a virtual clock)"
        else:
            what = None
        if what is not None:
            problem = (
                f"{what} cannot be combined with @pytest.mark.{SPEEDUP_MARKER}: a speedup is "
                "measured in real time, and on a virtual clock the waits it measures take no "
                "time at all. Remove one of them (a marker may come from the class or module)."
            )
    if problem is None:
        return None
    from ..failures import function_id

    return f"In {function_id(item)}: {problem}"


def resolve(item: pytest.Item, every_test: bool) -> VirtualTimeSpec | None:
    """The item's virtual-time settings, None for real time (collection checked the marker)."""
    mark = item.get_closest_marker(MARKER)
    if mark is not None:
        return parse(mark)
    if FIXTURE in getattr(item, "fixturenames", ()):
        return VirtualTimeSpec()
    if every_test and item.get_closest_marker(SPEEDUP_MARKER) is None:
        return VirtualTimeSpec()
    return None
