"""Greenlets still running when the test (or fixture) that started them ends.

Tracked greenlets (``spawn``, ``gevent_pool``) are known by owner, so a leak is
an error that names the function and the line that spawned it. Greenlets
started with plain ``gevent.spawn`` are known by where the monitor first saw
them run (greenlets.monitor), plus the starts still queued in the loop, plus,
when the test left more loop watchers active than it found (a
``spawn_later`` greenlet waits on a timer, never seen running) or switched so
much that the trace stepped aside, one walk of the heap. A plain leak is
killed and reported as a :class:`GreenletLeakWarning` (an error under
``-W error``), because which test started it is inferred, not recorded. A
greenlet that backs a patched ``threading.Thread`` is a thread to its user
and is never killed. Plain greenlets of a wider-scoped fixture, and those
that existed before the first test, are never reported by a test.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import gevent

from ..traces.current import active_recorder
from .exceptions import GreenletLeakWarning, LeakedGreenletError
from .monitor import Leftovers
from .naming import describe
from .owners import Owner

# How long a leaked greenlet gets to die once killed before it is reported as
# refusing to (a greenlet that catches GreenletExit and keeps running).
KILL_TIMEOUT = 1.0
# A leak report names at most this many greenlets, then counts the rest.
LISTED = 20


def kill(greenlets: list[gevent.Greenlet]) -> None:
    """Kill ``greenlets`` and wait at most :data:`KILL_TIMEOUT` for them to die.

    Bounded: a greenlet that catches ``GreenletExit`` and keeps going is left
    running (callers report it), never waited on forever. ``joinall`` with a
    timeout returns instead of raising, unlike ``killall(block=True, timeout=...)``.
    """
    if greenlets:
        gevent.killall(greenlets, block=False)
        gevent.joinall(greenlets, timeout=KILL_TIMEOUT)


def _kill_described(alive: list[gevent.Greenlet], owner: Owner) -> tuple[list[str], list[str]]:
    """Kill ``alive``; lines naming those that died and those that refused to.

    Described before the kill (a dead greenlet forgets what it ran), and only
    as many as a report lists: 10,000 reprs would cost more than the test.
    """
    described = [(glet, describe(glet)) for glet in alive[:LISTED]]
    recorder = active_recorder()
    if recorder is not None:  # --gevent-trace: every one of them, not only those listed
        from . import trace_marks

        trace_marks.leaked(recorder, alive, owner)
    kill(alive)
    killed = [f"  {text}" for glet, text in described if glet.dead]
    refused = [f"  {text}" for glet, text in described if not glet.dead]
    rest = alive[LISTED:]
    dead = sum(1 for glet in rest if glet.dead)
    if dead:
        killed.append(f"  ... and {dead} more")
    if len(rest) > dead:
        refused.append(f"  ... and {len(rest) - dead} more")
    return killed, refused


def tracked_leak(owner: Owner) -> LeakedGreenletError | None:
    """Kill ``owner``'s live tracked greenlets; the error naming them, if any."""
    alive = owner.take_alive()
    if not alive:
        return None
    killed, refused = _kill_described(alive, owner)
    lines = [f"leaked greenlet(s) from {owner.name}: still running at teardown"]
    if killed:
        lines += ["killed:", *killed]
    if refused:
        lines += [f"refused to die within {KILL_TIMEOUT} s of kill(), left running:", *refused]
    end = "the test ends" if owner.kind == "test" else "the fixture's teardown ends"
    lines.append(f"join each greenlet (g.join(), pool.join()) or kill it before {end}.")
    return LeakedGreenletError("\n".join(lines))


def check_owner(owner: Owner) -> None:
    """Raise :class:`LeakedGreenletError` for ``owner``'s live tracked greenlets (killed)."""
    __tracebackhide__ = True
    error = tracked_leak(owner)
    if error is not None:
        raise error


def warn_plain_leaks(
    left: Leftovers, owner: Owner, where: Callable[[], tuple[str, int]] | None = None
) -> None:
    """Kill the plain greenlets a test left running, stop the timers it left, and warn.

    ``left``: what :meth:`Monitor.leftovers` found at the test's end.

    The warning points at ``where()`` (the test's file and line) when given;
    it is called only then, as finding a test's line costs more than the check.
    """
    __tracebackhide__ = True
    lines = []
    if left.greenlets:
        killed, refused = _kill_described(left.greenlets, owner)
        lines.append(
            "greenlet(s) started with plain gevent.spawn (or spawn_later) were still running "
            f"or scheduled at teardown and were killed ({len(left.greenlets)}):"
        )
        lines += [*killed, *(f"{line} (refused to die)" for line in refused)]
    timers = [timer for timer in left.timers if timer.active]  # a kill stops a sleep's timer
    if timers:
        lines.append(
            f"timer(s) started during the test were still pending and were stopped "
            f"({len(timers)}), so that they cannot fire in a later test:"
        )
        lines += [f"  {_describe_timer(timer)}" for timer in timers[:LISTED]]
        if len(timers) > LISTED:
            lines.append(f"  ... and {len(timers) - LISTED} more")
        recorder = active_recorder()
        if recorder is not None:
            from . import trace_marks

            trace_marks.stopped_timers(recorder, [_describe_timer(timer) for timer in timers])
        for timer in timers:
            timer.stop()
    if len(lines) == 0:
        return
    body = "\n".join(lines)
    warning = GreenletLeakWarning(
        f"{owner.what}: {body}\n"
        "join them, kill them, or spawn them with the `spawn` fixture "
        "(which names the spawning line); cancel timeouts (timeout.close()) before the end."
    )
    if where is None:
        warnings.warn(warning, stacklevel=1)
    else:
        warnings.warn_explicit(warning, GreenletLeakWarning, *where())


def _describe_timer(timer: object) -> str:
    callback = getattr(timer, "callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, gevent.Timeout):
        return f"{owner!r} (gevent.Timeout started and never cancelled)"
    return f"timer calling {callback!r}"
