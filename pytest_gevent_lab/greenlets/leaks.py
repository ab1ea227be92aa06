"""Greenlets still running when the test (or fixture) that started them ends.

Tracked greenlets (``spawn``, ``gevent_pool``) are known by owner, so a leak is
an error that names the function and the line that spawned it. Greenlets
started with plain ``gevent.spawn`` are found without scanning the heap (a
``gc.get_objects()`` walk costs milliseconds per test): a ``greenlet.settrace``
hook notes every greenlet switched to during the test, and the loop's queued
callbacks name those started but not run yet. Those started *later*
(``gevent.spawn_later``, ``Greenlet.start_later``) are neither: they wait on a
loop timer. The loop's count of active watchers tells when the test left more
behind than it found, and only then is the heap walked for them (libev; the
libuv loop does not keep that count). A plain leak is killed and
reported as a :class:`GreenletLeakWarning` (an error under ``-W error``),
because which test started it is inferred, not recorded. Greenlets running
when a wider-scoped fixture finishes setting up belong to it and are never
reported by a test; so do greenlets that existed before the first test.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import gc
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import gevent
import greenlet
import pytest
from gevent._hub_local import get_hub_if_exists

from .exceptions import GreenletLeakWarning, LeakedGreenletError
from .naming import describe
from .owners import Owner, Tracker, owner_of

# How long a leaked greenlet gets to die once killed before it is reported as
# refusing to (a greenlet that catches GreenletExit and keeps running).
KILL_TIMEOUT = 1.0


def kill(greenlets: list[gevent.Greenlet]) -> None:
    """Kill ``greenlets`` and wait at most :data:`KILL_TIMEOUT` for them to die.

    Bounded: a greenlet that catches ``GreenletExit`` and keeps going is left
    running (callers report it), never waited on forever. ``joinall`` with a
    timeout returns instead of raising, unlike ``killall(block=True, timeout=...)``.
    """
    if greenlets:
        gevent.killall(greenlets, block=False)
        gevent.joinall(greenlets, timeout=KILL_TIMEOUT)


def check_owner(owner: Owner) -> None:
    """Kill ``owner``'s live greenlets and raise :class:`LeakedGreenletError` naming them."""
    __tracebackhide__ = True
    alive = owner.take_alive()
    if not alive:
        return
    # described before the kill: a dead greenlet forgets what it ran
    described = [describe(greenlet) for greenlet in alive]
    kill(alive)
    killed = [text for glet, text in zip(alive, described, strict=True) if glet.dead]
    refused = [text for glet, text in zip(alive, described, strict=True) if not glet.dead]
    lines = [f"leaked greenlet(s) from {owner.name}: still running at teardown"]
    if killed:
        lines.append("killed:")
        lines += [f"  {text}" for text in killed]
    if refused:
        lines.append(f"refused to die within {KILL_TIMEOUT} s of kill(), left running:")
        lines += [f"  {text}" for text in refused]
    end = "the test ends" if owner.kind == "test" else "the fixture's teardown ends"
    lines.append(f"join each greenlet (g.join(), pool.join()) or kill it before {end}.")
    raise LeakedGreenletError("\n".join(lines))


class PlainGreenlets:
    """Greenlets that ran during a test, to report those it left running."""

    def __init__(self) -> None:
        self.known: weakref.WeakSet[gevent.Greenlet] | None = None  # not the test's
        self.seen: set[Any] = set()
        self.previous_trace: Any = None
        self.active = 0  # the loop's active watchers when the test began

    def begin(self) -> None:
        if self.known is None:
            self.known = weakref.WeakSet()
            if get_hub_if_exists() is not None:  # a hub made outside any test: once
                self.known.update(
                    obj for obj in gc.get_objects() if isinstance(obj, gevent.Greenlet) and obj
                )
        self.seen = set()
        self.active = _active_watchers()
        self.previous_trace = greenlet.gettrace()
        greenlet.settrace(self._trace)

    def _trace(self, event: str, args: Any) -> None:
        if event == "switch" or event == "throw":
            self.seen.add(args[1])
        if self.previous_trace is not None:
            self.previous_trace(event, args)

    def _candidates(self) -> list[gevent.Greenlet]:
        hub = get_hub_if_exists()
        if hub is None:
            return []
        queued = [  # started, not run yet: their first switch is still a loop callback
            getattr(callback.callback, "__self__", None)
            for callback in getattr(hub.loop, "_callbacks", ())
        ]
        known = self.known if self.known is not None else ()
        return [
            g
            for g in (*self.seen, *queued, *self._scheduled())
            if isinstance(g, gevent.Greenlet)
            and g
            and not g.dead
            and g.parent is hub
            and g not in known
            and owner_of(g) is None
        ]

    def _scheduled(self) -> list[Any]:
        """Every object on the heap, when the test left more watchers active than it found.

        The rare case (a leak, or a wider fixture set up during the test) pays
        for one heap walk; :meth:`_candidates` keeps the live plain greenlets.
        """
        if _active_watchers() <= self.active:
            return []
        return [obj for obj in gc.get_objects() if isinstance(obj, gevent.Greenlet)]

    def adopt(self) -> None:
        """The greenlets running now belong to a wider fixture just set up, not to the test."""
        if self.known is not None:
            self.known.update(self._candidates())
            self.active = _active_watchers()  # its timers and sockets are not the test's

    def end(self, nodeid: str, where: Callable[[], tuple[str, int]] | None = None) -> None:
        """Kill plain greenlets the test left running and warn about them.

        The warning points at ``where()`` (the test's file and line) when given;
        it is called only then, as finding a test's line costs more than the check.
        """
        __tracebackhide__ = True
        if greenlet.gettrace() == self._trace:
            greenlet.settrace(self.previous_trace)
        leaked = list(dict.fromkeys(self._candidates()))
        self.seen = set()
        if not leaked:
            return
        described = [describe(g) for g in leaked]  # before the kill: a dead one forgets its run
        kill(leaked)
        names = "\n".join(
            f"  {text}" + ("" if g.dead else " (refused to die)")
            for g, text in zip(leaked, described, strict=True)
        )
        warning = GreenletLeakWarning(
            f"{nodeid}: greenlet(s) started with plain gevent.spawn (or spawn_later) were still "
            f"running or scheduled at teardown and were killed:\n{names}\n"
            "join them, kill them, or spawn them with the `spawn` fixture "
            "(which names the spawning line)."
        )
        if where is None:
            warnings.warn(warning, stacklevel=1)
        else:
            warnings.warn_explicit(warning, GreenletLeakWarning, *where())


def _active_watchers() -> int:
    """The hub loop's count of active (referenced) watchers: timers, I/O, callbacks."""
    hub = get_hub_if_exists()
    try:
        return int(getattr(hub.loop, "activecnt", 0)) if hub is not None else 0
    except ValueError:  # a destroyed loop
        return 0


@contextlib.contextmanager
def fixture_owner(
    tracker: Tracker, plain: PlainGreenlets, fixturedef: pytest.FixtureDef[Any]
) -> Iterator[None]:
    """While a module/session/... fixture sets up, greenlets spawned are its own.

    The check is registered before the fixture function runs, so it runs after
    the fixture's own teardown code (finalizers run last-in, first-out).
    """
    if fixturedef.scope == "function":
        yield
        return
    owner = Owner(f"fixture {fixturedef.argname!r} ({fixturedef.scope} scope)")

    def check_fixture_greenlets() -> None:
        __tracebackhide__ = True
        check_owner(owner)

    fixturedef.addfinalizer(check_fixture_greenlets)
    tracker.fixtures.append(owner)
    try:
        yield
    finally:
        tracker.fixtures.remove(owner)
        plain.adopt()
