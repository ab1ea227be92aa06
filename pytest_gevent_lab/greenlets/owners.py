"""Whose greenlet is it: every greenlet spawned through ``spawn`` / ``gevent_pool`` has an owner.

A greenlet is filed under its *owner* at spawn time: the greenlet that
spawned it if that one is tracked (so nested spawns follow their parent), else
the wider-scoped fixture being set up, else the running test. An owner's
greenlets are checked when the owner ends: a test at its teardown, a module
or session fixture at its own finalization (see leaks). That is why the
fixtures are session-scoped: pytest does not let a module fixture request a
function-scoped one, and the owner is found at spawn time anyway.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from ..traces.current import active_recorder  # a list look-up; imports neither gevent nor traces

if TYPE_CHECKING:  # imported when first used: a run that never spawns never imports gevent
    import gevent
    import gevent.pool

# Set on every tracked greenlet: its Spawned record.
_SPAWNED_ATTR = "_gevent_lab_spawned"


class Owner:
    """A test, a wider-scoped fixture, or the session outside any test, and its greenlets.

    ``spawned`` holds the tracked greenlets it spawned, ``born`` the plain
    greenlets first seen running while it was the owner (see monitor), both
    as weak references (checking for leaks must not keep a finished greenlet
    or its value alive); ``errors`` what its greenlets died of that nobody
    retrieved yet.

    A plain class with slots, not a dataclass: one is made for every test of
    every run, and a dataclass costs its creation at every run's start-up.
    """

    __slots__ = ("born", "capture", "ended", "errors", "kind", "spawned", "what")

    def __init__(self, what: str, kind: str = "fixture", capture: bool = True) -> None:
        self.what = what  # a test's node id, or a fixture's description
        self.kind = kind  # "test", "fixture" or "session"
        self.capture = capture  # False: @pytest.mark.gevent_allow_errors
        self.spawned: list[weakref.ref[gevent.Greenlet]] = []
        self.born: list[weakref.ref[gevent.Greenlet]] = []
        self.errors: list[Any] = []  # lost_errors.Captured
        self.ended = False  # its test or fixture is over: errors now are nobody's to raise

    def __repr__(self) -> str:
        return f"Owner({self.what!r}, kind={self.kind!r})"

    @property
    def name(self) -> str:
        return f"test {self.what}" if self.kind == "test" else self.what

    def take_alive(self) -> list[gevent.Greenlet]:
        """Forget this owner's tracked greenlets; return those still running.

        A greenlet whose hub was destroyed (``hub.destroy()``) can never run
        again: it is not running, and it cannot be killed.
        """
        spawned, self.spawned = self.spawned, []
        alive = [ref() for ref in spawned]
        return [glet for glet in alive if glet is not None and can_run(glet)]


def can_run(glet: Any) -> bool:
    """Started, not dead, and its hub still has a loop to run it in."""
    return bool(glet) and not glet.dead and getattr(glet.parent, "loop", None) is not None


class Spawned:
    """What the tracker knew at spawn time (a dead greenlet forgets what it ran)."""

    __slots__ = ("file", "function", "line", "owner")

    def __init__(self, owner: Owner, function: Callable[..., Any], file: str, line: int) -> None:
        self.owner, self.function, self.file, self.line = owner, function, file, line

    @property
    def site(self) -> str:
        return f"{self.file}:{self.line}"


def spawned_entry(greenlet: object) -> Spawned | None:
    """How a tracked greenlet was spawned; None for any other greenlet."""
    entry: Spawned | None = getattr(greenlet, _SPAWNED_ATTR, None)
    return entry


def owner_of(greenlet: object) -> Owner | None:
    """The owner of a tracked greenlet; None for any other greenlet."""
    entry = spawned_entry(greenlet)
    return None if entry is None else entry.owner


def forget_dead(greenlets: list[gevent.Greenlet]) -> None:
    """Drop finished greenlets from their owners' lists.

    A marked speedup test calls its body dozens of times; without this its
    owner keeps every greenlet of every run (tens of thousands), each run
    slower to collect than the one before. A dead greenlet can no longer leak,
    and its unretrieved error is already with lost_errors.
    """
    dead = {id(greenlet) for greenlet in greenlets if greenlet.dead}
    if not dead:
        return
    for owner in {owner_of(greenlet) for greenlet in greenlets} - {None}:
        assert owner is not None
        owner.spawned = [ref for ref in owner.spawned if id(ref()) not in dead]


class Tracker:
    """Files greenlets under their owner; one per pytest run (in ``config.stash``)."""

    def __init__(self) -> None:
        self.test: Owner | None = None
        self.fixtures: list[Owner] = []  # wider-scoped fixtures being set up, innermost last
        self.session = Owner("the test session (outside any test)", kind="session")

    def owner(self) -> Owner:
        current = sys.modules.get("greenlet")
        owner = owner_of(current.getcurrent()) if current is not None else None
        if owner is not None:
            return owner
        if self.fixtures:
            return self.fixtures[-1]
        return self.test or self.session

    def make(self, func: Callable[..., Any], args: Any, kwargs: Any, depth: int) -> gevent.Greenlet:
        """An unstarted tracked greenlet; the spawn call is ``depth`` frames up, or nearer.

        Nearer: a pool's ``imap``/``imap_unordered`` spawn from a greenlet of
        their own, whose stack is shallow; then the line is gevent's.
        """
        __tracebackhide__ = True
        if not callable(func):
            raise TypeError(
                f"spawn: expected a callable to run in a greenlet, got {func!r} "
                f"({type(func).__name__}); pass the function itself, e.g. spawn(work, 1)"
            )
        import gevent

        owner = self.owner()
        frame = _frame_up(depth)  # "file:line" is formatted only for a report
        greenlet = gevent.Greenlet(func, *args, **kwargs)
        spawned = Spawned(owner, func, frame.f_code.co_filename, frame.f_lineno)
        setattr(greenlet, _SPAWNED_ATTR, spawned)
        owner.spawned.append(weakref.ref(greenlet))
        recorder = active_recorder()
        if recorder is not None:  # --gevent-trace: the picture shows when and where
            from . import trace_marks

            trace_marks.spawned(recorder, greenlet, spawned)
        return greenlet

    def spawn(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> gevent.Greenlet:
        """Start ``func(*args, **kwargs)`` in a tracked greenlet and return it."""
        __tracebackhide__ = True
        greenlet = self.make(func, args, kwargs, depth=2)
        greenlet.start()
        return greenlet

    def pool(self, size: int | None = None) -> gevent.pool.Group:
        """A ``Pool(size)`` (``Group`` when size is None) whose greenlets are tracked."""
        __tracebackhide__ = True
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ValueError(
                f"gevent_pool: expected size=None (unbounded Group) or a positive int, got {size!r}"
            )
        from gevent.pool import Group, Pool

        factory = _TrackedFactory(self)
        if size is None:
            group = Group()  # Group() takes greenlets, not a greenlet_class
            group.greenlet_class = factory
            return group
        return Pool(size, greenlet_class=factory)


def _frame_up(depth: int) -> Any:
    frame = sys._getframe(1)
    for _ in range(depth):
        if frame.f_back is None:
            break
        frame = frame.f_back
    return frame


class _TrackedFactory:
    """Stands in for ``greenlet_class`` so a pool's ``spawn``/``map`` make tracked greenlets."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def __call__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> gevent.Greenlet:
        __tracebackhide__ = True
        # depth 3: make <- here <- Group.spawn <- the caller of pool.spawn
        return self.tracker.make(func, args, kwargs, depth=3)


tracker_key = pytest.StashKey[Tracker]()
