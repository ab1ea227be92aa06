"""Tracked greenlets: the ``spawn`` and ``gevent_pool`` fixtures, run modes, leak checks.

Every greenlet spawned through the fixtures is filed under an *owner* at spawn
time: the greenlet that spawned it if that one is tracked (so nested spawns
follow their parent), else the wider-scoped fixture being set up, else the
running test. An owner's greenlets are checked when the owner ends: a test at
its teardown, a module or session fixture at its own finalization. That is why
the fixtures are session-scoped: pytest does not let a module fixture request a
function-scoped one, and the owner is found at spawn time anyway.

``run_mode()`` is the speedup marker's lever: inside ``run_mode("sequential")``
each greenlet spawned through the fixtures waits for the previous one to
finish. A greenlet spawned from inside a sequential greenlet joins its
spawner's turn instead of queueing behind it (queueing would deadlock a parent
that joins its child): a turn ends when the top greenlet and every greenlet it
spawned have finished.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import gevent
import pytest
from greenlet import getcurrent

if TYPE_CHECKING:  # imported when first used: the plugin's import stays light
    import gevent.lock
    import gevent.pool

Mode = Literal["single", "sequential", "concurrent"]

# How long a leaked greenlet gets to die once killed before it is reported as
# refusing to (a greenlet that catches GreenletExit and keeps running).
KILL_TIMEOUT = 1.0
_OWNER_ATTR = "_gevent_lab_owner"
_TURN_ATTR = "_gevent_lab_turn"


@dataclass
class RunRecord:
    """What :func:`run_mode` saw: greenlets spawned through the fixtures while active."""

    mode: Mode
    spawned: int = 0
    greenlets: list[gevent.Greenlet] = field(default_factory=list)


_mode: Mode = "single"
_record: RunRecord | None = None
_turns: gevent.lock.Semaphore | None = None


def current_mode() -> Mode:
    """``"single"`` unless inside :func:`run_mode`, else that run's mode."""
    return _mode


@contextlib.contextmanager
def run_mode(mode: Literal["sequential", "concurrent"]) -> Iterator[RunRecord]:
    """Make greenlets spawned through ``spawn`` / ``gevent_pool`` follow ``mode``.

    ``"sequential"``: each greenlet runs to completion before the next one
    starts (nested spawns join their spawner's turn); ``"concurrent"``: as
    usual. On exit, greenlets spawned inside that are still alive are killed
    (bounded by :data:`KILL_TIMEOUT`), so nothing from one run leaks into the next.
    """
    global _mode, _record, _turns
    if mode not in ("sequential", "concurrent"):
        raise ValueError(f"run_mode: expected 'sequential' or 'concurrent', got {mode!r}")
    saved = _mode, _record, _turns
    record = RunRecord(mode)
    _mode, _record = mode, record
    from gevent.lock import Semaphore

    # The concurrent run takes turns too, from a semaphore that never runs out:
    # both runs then execute the same bookkeeping per greenlet, which for a
    # body of thousands of short greenlets would otherwise count as "speedup".
    _turns = Semaphore(1 if mode == "sequential" else 2**31 - 1)
    try:
        yield record
    finally:
        _mode, _record, _turns = saved
        kill([g for g in record.greenlets if not g.dead])
        _forget_dead(record.greenlets)


def _forget_dead(greenlets: list[gevent.Greenlet]) -> None:
    """Drop finished greenlets of one run from their owners' lists.

    A marked test calls its body dozens of times; without this its owner
    keeps every greenlet of every run (tens of thousands), each run slower to
    collect than the one before. A dead greenlet can no longer leak, and its
    unretrieved error is already with hub_errors.
    """
    dead = {id(greenlet) for greenlet in greenlets if greenlet.dead}
    if not dead:
        return
    owners = {getattr(greenlet, _OWNER_ATTR) for greenlet in greenlets}
    for owner in owners:
        owner.spawned = [entry for entry in owner.spawned if id(entry[0]) not in dead]


def turn_holder(record: RunRecord) -> gevent.Greenlet | None:
    """The greenlet whose turn it is in a sequential run, if one has it."""
    for greenlet in record.greenlets:
        run = getattr(greenlet, "_run", None)
        holding = getattr(greenlet, _TURN_ATTR, None) is not None  # set once it has the turn
        if isinstance(run, _InTurn) and run.spawner_turn is None and holding and not greenlet.dead:
            return greenlet
    return None


def kill(greenlets: list[gevent.Greenlet]) -> None:
    """Kill ``greenlets`` and wait at most :data:`KILL_TIMEOUT` for them to die.

    Bounded: a greenlet that catches ``GreenletExit`` and keeps going is left
    running (callers report it), never waited on forever. ``joinall`` with a
    timeout returns instead of raising, unlike ``killall(block=True, timeout=...)``.
    """
    if greenlets:
        gevent.killall(greenlets, block=False)
        gevent.joinall(greenlets, timeout=KILL_TIMEOUT)


class _Turn:
    """One sequential greenlet and everything it spawned; the slot frees when all end."""

    __slots__ = ("members", "turns")

    def __init__(self, turns: gevent.lock.Semaphore) -> None:
        self.members = 1
        self.turns = turns

    def leave(self, _greenlet: object = None) -> None:
        self.members -= 1
        if self.members == 0:
            self.turns.release()


class _InTurn:
    """What a sequential greenlet runs: ``func``, once its turn has come.

    Both runs use it (the concurrent one with a semaphore that never runs
    out), so the two pay the same per greenlet; a callable object with slots,
    not a closure with attributes, keeps that cost small.
    """

    __slots__ = ("func", "spawner_turn", "turns")

    def __init__(self, func: Callable[..., Any], turns: gevent.lock.Semaphore) -> None:
        self.func = func
        self.turns = turns
        self.spawner_turn: _Turn | None = getattr(getcurrent(), _TURN_ATTR, None)
        if self.spawner_turn is not None:
            self.spawner_turn.members += 1

    @property
    def __name__(self) -> str:  # gevent names a greenlet by its function's __name__
        return getattr(self.func, "__name__", "run_in_turn")

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        return self.func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # pytest shows the user's function, not this
        ours = None
        if self.spawner_turn is None:
            self.turns.acquire()
            ours = _Turn(self.turns)
        setattr(getcurrent(), _TURN_ATTR, ours or self.spawner_turn)
        try:
            return self.func(*args, **kwargs)
        except BaseException as error:
            # hub_errors names a dead greenlet by the first frame after gevent's:
            # that must be the user's function. (A bare raise keeps the edited
            # traceback on 3.11+; 3.10 puts this frame back.)
            if error.__traceback__ is not None:
                error.__traceback__ = error.__traceback__.tb_next
            raise
        finally:
            if ours is not None:
                ours.leave()


# (greenlet, function, file and line of the spawn call)
Spawned = tuple[gevent.Greenlet, Callable[..., Any], str, int]


@dataclass(eq=False)
class Owner:
    """A test or a wider-scoped fixture and the greenlets it answers for."""

    what: str  # a test's node id, or a fixture's description
    kind: str = "fixture"

    @property
    def name(self) -> str:
        return f"test {self.what}" if self.kind == "test" else self.what

    spawned: list[Spawned] = field(default_factory=list)

    def take_alive(self) -> list[Spawned]:
        """Forget this owner's greenlets; return those still running."""
        spawned, self.spawned = self.spawned, []
        return [entry for entry in spawned if entry[0] and not entry[0].dead]


class Tracker:
    """Files greenlets under their owner; one per pytest run (in ``config.stash``)."""

    def __init__(self) -> None:
        self.test: Owner | None = None
        self.fixtures: list[Owner] = []  # wider-scoped fixtures being set up, innermost last
        self.session = Owner("the test session (outside any test)")

    def owner(self) -> Owner:
        owner: Owner | None = getattr(getcurrent(), _OWNER_ATTR, None)
        if owner is not None:
            return owner
        if self.fixtures:
            return self.fixtures[-1]
        return self.test or self.session

    def make(self, func: Callable[..., Any], args: Any, kwargs: Any, depth: int) -> gevent.Greenlet:
        """An unstarted tracked greenlet; ``depth`` frames up is the spawn call."""
        __tracebackhide__ = True
        if not callable(func):
            raise TypeError(
                f"spawn: expected a callable to run in a greenlet, got {func!r} "
                f"({type(func).__name__}); pass the function itself, e.g. spawn(work, 1)"
            )
        owner = self.owner()
        frame = sys._getframe(depth)  # "file:line" is formatted only for a report
        if _turns is None:
            greenlet = gevent.Greenlet(func, *args, **kwargs)
        else:
            run = _InTurn(func, _turns)
            greenlet = gevent.Greenlet(run, *args, **kwargs)
            if run.spawner_turn is not None:
                greenlet.rawlink(run.spawner_turn.leave)
        setattr(greenlet, _OWNER_ATTR, owner)
        owner.spawned.append((greenlet, func, frame.f_code.co_filename, frame.f_lineno))
        if _record is not None:
            _record.spawned += 1
            _record.greenlets.append(greenlet)
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


class _TrackedFactory:
    """Stands in for ``greenlet_class`` so a pool's ``spawn``/``map`` make tracked greenlets."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def __call__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> gevent.Greenlet:
        __tracebackhide__ = True
        # depth 3: make <- here <- Group.spawn <- the caller of pool.spawn
        return self.tracker.make(func, args, kwargs, depth=3)


tracker_key = pytest.StashKey[Tracker]()


@pytest.fixture(scope="session")
def spawn(request: pytest.FixtureRequest) -> Callable[..., gevent.Greenlet]:
    """``spawn(func, *args, **kwargs)``: start a tracked greenlet and return it.

    Usable from fixtures of any scope: a greenlet belongs to the test, or to
    the module/session fixture being set up, or to the tracked greenlet that
    spawned it. When its owner ends, an unretrieved exception fails it and a
    greenlet still running is killed and reported as leaked.
    """
    return request.config.stash[tracker_key].spawn


@pytest.fixture(scope="session")
def gevent_pool(request: pytest.FixtureRequest) -> Callable[..., gevent.pool.Group]:
    """``gevent_pool(size=None)``: a tracked ``Pool(size)``, or ``Group`` when size is None."""
    return request.config.stash[tracker_key].pool
