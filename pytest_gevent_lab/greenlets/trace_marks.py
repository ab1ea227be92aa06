"""What the greenlet checks put in a ``--gevent-trace`` picture: spawns, errors, leaks, hub blocks.

Each check asks ``active_recorder()`` (traces.current: a list look-up, no
gevent, no pytest hook) where it already does its own work, and calls these
only when a recorder is on::

    recorder = active_recorder()
    if recorder is not None:
        trace_marks.spawned(recorder, greenlet, entry)

So a run without ``--gevent-trace`` pays one check per spawn, per error and
per leak, nothing per test or per switch. The texts are made here, once a
recorder wants them, because describing a greenlet costs more than the check.

Kills need no call: the recorder sees the exception a kill throws into a
running greenlet (a ``throw`` switch). A greenlet killed before it ever ran
gets no switch, so the leak check marks that kill itself (:func:`leaked`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..traces.recorder import Recorder
    from .lost_errors import Captured
    from .monitor import Orphan
    from .owners import Owner, Spawned

TEXT_LIMIT = 300  # characters of a tooltip: an exception's message can be a page


def spawned(recorder: Recorder, glet: Any, entry: Spawned) -> None:
    """A greenlet spawned through ``spawn`` / ``gevent_pool``: the moment and the line."""
    from .naming import short_path

    recorder.instant("spawn", glet, f"spawned at {short_path(entry.site)} by {entry.owner.name}")


def lost_error(captured: Captured) -> None:
    """An error nobody retrieved, marked when it happened on the recorder that was on then."""
    if captured.recorder is not None and captured.moment is not None:
        _error_mark(captured, "nothing retrieved it")


def orphan_error(orphan: Orphan) -> None:
    """An error of a greenlet no running test answers for, marked as it happens.

    It fails no test (the session's summary lists it), so no later moment
    decides that it was lost: the mark is made now, and says whose it is.
    """
    if orphan.captured.recorder is not None and orphan.captured.moment is not None:
        _error_mark(orphan.captured, orphan.whose())


def _error_mark(captured: Captured, why: str) -> None:
    error = captured.error
    text = f"{type(error).__name__}: {error}"[:TEXT_LIMIT] + f"; {why}"
    glet = captured.context if _is_greenlet(captured.context) else None
    if glet is None:  # a callback's error, or a WSGI request's: the whole test's mark
        text = f"{captured.describe()} died with {text}"[:TEXT_LIMIT]
    captured.recorder.instant("error", glet, text, at=captured.moment)


def leaked(recorder: Recorder, alive: list[Any], owner: Owner | None) -> None:
    """Greenlets still running at their owner's end, marked before the leak check kills them."""
    import greenlet

    whose = f" of {owner.name}" if owner is not None else ""
    for glet in alive:
        recorder.instant("leak", glet, f"still running at the end{whose}; killed by the leak check")
        # greenlet's own truth, not gevent's (true from start(), before the first run)
        if not greenlet.greenlet.__bool__(glet):  # never ran: kill() only unschedules it
            recorder.instant("kill", glet, "killed by the leak check before it ever ran")


def stopped_timers(recorder: Recorder, descriptions: list[str]) -> None:
    """Timers a test left pending, stopped by the leak check: marks of the whole test."""
    for text in descriptions:
        recorder.instant("leak", None, f"still pending at teardown, stopped: {text}"[:TEXT_LIMIT])


def hub_block(
    recorder: Recorder, glet: Any, elapsed: float, threshold: float, stack: str | None
) -> None:
    """A slice of ``glet`` that kept the hub from running longer than the threshold, ending now.

    The detector measures real time; the span ends at the recorder's reading
    now and lasts as long as measured (under a virtual clock, which stands
    still while nothing yields, that is where the block belongs anyway).
    """
    end = recorder.clock()
    text = f"blocked the hub for {elapsed:.3f} s (threshold {threshold:g} s)"
    where = _last_line(stack)
    if where:
        text += f"; at {where}"
    recorder.span("hub_block", end - elapsed, end, text[:TEXT_LIMIT], glet=glet)


def _last_line(stack: str | None) -> str:
    """``file.py:3 in f: code`` of the innermost frame of a stack ``traceback`` formatted."""
    if not stack:
        return ""
    found = _FRAME.findall(stack)
    if not found:
        return ""
    file, line, function, code = found[-1]
    from .naming import short_path

    where = f"{short_path(file)}:{line} in {function}"
    return f"{where}: {code.strip()}" if code.strip() else where


_FRAME = re.compile(
    r'^\s*File "(.+)", line (\d+), in (.+)\n(?:(?!\s*File ")(\s+\S.*)\n)?', re.MULTILINE
)


def _is_greenlet(obj: object) -> bool:
    import greenlet

    return isinstance(obj, greenlet.greenlet)
