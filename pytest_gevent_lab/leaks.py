"""Greenlets still running when the test (or fixture) that started them ends.

Tracked greenlets (``spawn``, ``gevent_pool``) are known by owner, so a leak is
an error that names the function and the line that spawned it. Greenlets
started with plain ``gevent.spawn`` are found by scanning the garbage
collector's objects, which costs milliseconds, so the scan runs only when this
thread's hub exists and some greenlet switch happened (a one-shot
``greenlet.settrace`` hook, removed at the first switch) or a greenlet start is
still queued;
a plain leak is killed and reported as a :class:`GreenletLeakWarning` (an error
under ``-W error``), because which test started it is inferred, not recorded.
Greenlets alive when a wider-scoped fixture finishes setting up belong to it
and are never reported by a test.
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

from . import spawning
from .spawning import _OWNER_ATTR, Owner, Tracker


class LeakedGreenletError(Exception):
    """Tracked greenlets still running when their test or fixture ended."""


class GreenletLeakWarning(pytest.PytestWarning):
    """A plain ``gevent.spawn`` greenlet was still running when its test ended."""


def _describe(greenlet: object, func: Callable[..., Any] | None, where: str | None) -> str:
    name = getattr(func, "__qualname__", None) or repr(func)
    site = f" spawned at {where}" if where else ""
    return f"{name}(){site} ({greenlet!r})"


def check_owner(owner: Owner) -> None:
    """Kill ``owner``'s live greenlets and raise :class:`LeakedGreenletError` naming them."""
    __tracebackhide__ = True
    alive = owner.take_alive()
    if not alive:
        return
    # described before the kill: a dead greenlet forgets what it ran
    described = [_describe(g, f, f"{file}:{line}") for g, f, file, line in alive]
    spawning.kill([entry[0] for entry in alive])
    killed = [text for entry, text in zip(alive, described, strict=True) if entry[0].dead]
    refused = [text for entry, text in zip(alive, described, strict=True) if not entry[0].dead]
    lines = [f"leaked greenlet(s) from {owner.name}: still running at teardown"]
    if killed:
        lines.append("killed:")
        lines += [f"  {text}" for text in killed]
    if refused:
        lines.append(f"refused to die within {spawning.KILL_TIMEOUT} s of kill(), left running:")
        lines += [f"  {text}" for text in refused]
    lines.append("join each greenlet (g.join(), pool.join()) or kill it before the test ends.")
    raise LeakedGreenletError("\n".join(lines))


class PlainGreenlets:
    """Which plain greenlets existed before a test, to report the ones it left behind."""

    def __init__(self) -> None:
        self.known: weakref.WeakSet[gevent.Greenlet] | None = None
        self.hub: Any = None
        self.switched = False
        self.previous_trace: Any = None

    def _alive(self) -> list[gevent.Greenlet]:
        hub = get_hub_if_exists()
        return [
            obj
            for obj in gc.get_objects()
            if isinstance(obj, gevent.Greenlet) and obj and not obj.dead and obj.parent is hub
        ]

    def remember(self) -> None:
        """Mark every live greenlet of this thread as not the next test's leak."""
        if get_hub_if_exists() is not None:
            self.known = weakref.WeakSet(self._alive())

    def begin(self) -> None:
        hub = get_hub_if_exists()
        if hub is not None and self.known is None:
            self.remember()  # first test since this hub appeared
        self.hub = hub
        self.switched = False
        self.previous_trace = greenlet.gettrace()
        greenlet.settrace(self._first_switch)

    def _first_switch(self, event: str, args: Any) -> None:
        self.switched = True
        if greenlet.gettrace() == self._first_switch:  # not if someone chained us since
            greenlet.settrace(self.previous_trace)
        if self.previous_trace is not None:
            self.previous_trace(event, args)

    def _hub_ran(self) -> bool:
        if greenlet.gettrace() == self._first_switch:
            greenlet.settrace(self.previous_trace)
        hub = get_hub_if_exists()
        if hub is None:
            return False
        callbacks = getattr(hub.loop, "_callbacks", None)  # greenlets started, never run
        return self.switched or hub is not self.hub or callbacks is None or len(callbacks) > 0

    def end(self, nodeid: str) -> None:
        """Kill plain greenlets the test left running and warn about them."""
        if not self._hub_ran():
            return
        known = self.known if self.known is not None else ()
        leaked = [
            g for g in self._alive() if g not in known and getattr(g, _OWNER_ATTR, None) is None
        ]
        if leaked:
            described = [repr(g) for g in leaked]  # before the kill: a dead one forgets its run
            spawning.kill(leaked)
            names = "\n".join(
                f"  {text}" + ("" if g.dead else " (refused to die)")
                for g, text in zip(leaked, described, strict=True)
            )
            warnings.warn(
                GreenletLeakWarning(
                    f"{nodeid}: greenlet(s) started with plain gevent.spawn were still running "
                    f"at teardown and were killed:\n{names}\n"
                    "join them, kill them, or spawn them with the `spawn` fixture "
                    "(which names the spawning line)."
                ),
                stacklevel=1,
            )
        self.remember()


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
    fixturedef.addfinalizer(lambda: check_owner(owner))
    tracker.fixtures.append(owner)
    try:
        yield
    finally:
        tracker.fixtures.remove(owner)
        plain.remember()
