"""The two runs of a ``concurrent_speedup`` body: greenlets take turns, or run together.

Inside ``run_mode("sequential")`` each greenlet spawned through the ``spawn``
and ``gevent_pool`` fixtures waits for the previous one to finish. A greenlet
spawned from inside a sequential greenlet joins its spawner's turn instead of
queueing behind it (queueing would deadlock a parent that joins its child): a
turn ends when the top greenlet and every greenlet it spawned have finished.
The tracker (greenlets.owners) asks the active :class:`RunMode` what each new
greenlet runs: that is the only hook this capability has into spawning.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import gevent
from greenlet import getcurrent

from ..greenlets import leaks, owners

if TYPE_CHECKING:
    import gevent.lock

Mode = Literal["single", "sequential", "concurrent"]
RunModeName = Literal["sequential", "concurrent"]

# Set on a greenlet once it runs in a turn: the turn it belongs to.
_TURN_ATTR = "_gevent_lab_turn"


@dataclass
class RunRecord:
    """What :func:`run_mode` saw: greenlets spawned through the fixtures while active."""

    mode: Mode
    spawned: int = 0
    greenlets: list[gevent.Greenlet] = field(default_factory=list)


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
    """What a greenlet of either run executes: ``func``, once its turn has come.

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
            # A dead greenlet is named by the first frame that is not gevent's or
            # this plugin's: that must be the user's function. (A bare raise keeps
            # the edited traceback on 3.11+; 3.10 puts this frame back.)
            if error.__traceback__ is not None:
                error.__traceback__ = error.__traceback__.tb_next
            raise
        finally:
            if ours is not None:
                ours.leave()


class RunMode:
    """The :class:`owners.SpawnPolicy` of one run: every greenlet runs in a turn."""

    def __init__(self, mode: RunModeName) -> None:
        from gevent.lock import Semaphore

        self.record = RunRecord(mode)
        # The concurrent run takes turns too, from a semaphore that never runs out:
        # both runs then execute the same bookkeeping per greenlet, which for a
        # body of thousands of short greenlets would otherwise count as "speedup".
        self.turns = Semaphore(1 if mode == "sequential" else 2**31 - 1)

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return _InTurn(func, self.turns)

    def spawned(self, greenlet: gevent.Greenlet, run: Callable[..., Any]) -> None:
        assert isinstance(run, _InTurn)
        if run.spawner_turn is not None:
            greenlet.rawlink(run.spawner_turn.leave)
        self.record.spawned += 1
        self.record.greenlets.append(greenlet)


_active: RunMode | None = None


def current_mode() -> Mode:
    """``"single"`` unless inside :func:`run_mode`, else that run's mode."""
    return _active.record.mode if _active is not None else "single"


@contextlib.contextmanager
def run_mode(mode: RunModeName, tracker: owners.Tracker) -> Iterator[RunRecord]:
    """Make greenlets spawned through ``tracker`` (``spawn``/``gevent_pool``) follow ``mode``.

    ``"sequential"``: each greenlet runs to completion before the next one
    starts (nested spawns join their spawner's turn); ``"concurrent"``: as
    usual. On exit, greenlets spawned inside that are still alive are killed
    (bounded by :data:`leaks.KILL_TIMEOUT`), so nothing from one run leaks into the next.
    """
    global _active
    if mode not in ("sequential", "concurrent"):
        raise ValueError(f"run_mode: expected 'sequential' or 'concurrent', got {mode!r}")
    saved, saved_policy = _active, tracker.policy
    active = _active = RunMode(mode)
    tracker.policy = active
    try:
        yield active.record
    finally:
        _active, tracker.policy = saved, saved_policy
        greenlets = active.record.greenlets
        leaks.kill([g for g in greenlets if not g.dead])
        owners.forget_dead(greenlets)


def turn_holder(record: RunRecord) -> gevent.Greenlet | None:
    """The greenlet whose turn it is in a sequential run, if one has it."""
    for greenlet in record.greenlets:
        run = getattr(greenlet, "_run", None)
        holding = getattr(greenlet, _TURN_ATTR, None) is not None  # set once it has the turn
        if isinstance(run, _InTurn) and run.spawner_turn is None and holding and not greenlet.dead:
            return greenlet
    return None
