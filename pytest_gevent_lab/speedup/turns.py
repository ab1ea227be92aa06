"""The two runs of a ``concurrent_speedup`` body: greenlets take turns, or run together.

Inside ``run_mode("sequential")`` each greenlet spawned through the ``spawn``
and ``gevent_pool`` fixtures starts only when the previous one has finished.
A greenlet spawned from inside a sequential greenlet joins its spawner's turn
instead of queueing behind it (queueing would deadlock a parent that joins its
child): a turn ends when the top greenlet and every greenlet it spawned have
finished. The tracker (greenlets.owners) asks the active :class:`RunMode` what
each new greenlet runs: that is the only hook this capability has into spawning.

Why a waiting greenlet is not started at all. If it were started and made to
wait for its turn (a semaphore), each of them would be switched into, park,
and be woken later: two switches and a link per greenlet that only the
sequential run pays. For 1,000 greenlets that each yield twice with
``sleep(0)`` that made the sequential run 17-25 % slower than the concurrent
one, a "speedup" of pure bookkeeping (measured: CPU time, not waiting, made the
difference). So both runs go through the same :class:`_Turns`: a greenlet's
``start()`` asks for a turn; the concurrent run has no limit, the sequential
one a limit of one, and a greenlet that must wait stays unstarted in a queue
until the turn before it ends.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import gevent
from greenlet import getcurrent

from ..greenlets import leaks, owners
from .clocks import NO_WAITING, ThreadClocks

Mode = Literal["single", "sequential", "concurrent"]
RunModeName = Literal["sequential", "concurrent"]

# Set on a tracked greenlet of a run: the turn it belongs to (its own, or its spawner's).
_TURN_ATTR = "_gevent_lab_turn"
_start = gevent.Greenlet.start  # the real start; a top greenlet's own is replaced


@dataclass
class RunRecord:
    """What :func:`run_mode` saw: greenlets spawned through the fixtures while active."""

    mode: Mode
    spawned: int = 0
    # spawned from inside another tracked greenlet: they run within its turn
    nested: int = 0
    greenlets: list[gevent.Greenlet] = field(default_factory=list)
    turns: list[_Turn] = field(default_factory=list)  # one per top greenlet, in spawn order


class _Turns:
    """At most ``limit`` turns at once; the greenlets of the others wait, not started."""

    __slots__ = ("clocks", "closed", "limit", "running", "waiting")

    def __init__(self, limit: float, clocks: ThreadClocks) -> None:
        self.limit = limit
        self.clocks = clocks
        self.running = 0
        self.waiting: deque[gevent.Greenlet] = deque()
        self.closed = False  # the run is over: start nothing more

    # Both runs go through the queue, and pay for it alike, limit or not.
    def ask(self, greenlet: gevent.Greenlet) -> None:
        self.waiting.append(greenlet)
        self._start_next()

    def turn_over(self) -> None:
        self.running -= 1
        self._start_next()

    def _start_next(self) -> None:
        while self.waiting and self.running < self.limit and not self.closed:
            greenlet = self.waiting.popleft()
            if not greenlet.dead:  # killed while it waited: it will never run
                self.running += 1
                _begin(greenlet)


def _begin(greenlet: gevent.Greenlet) -> None:
    turn: _Turn = getattr(greenlet, _TURN_ATTR)
    turn.began = True
    del greenlet.start  # the instance's own start again (and no cycle through _Turn)
    _start(greenlet)


class _Turn:
    """One top greenlet and everything it spawned; the next turn may begin when all end.

    ``ran`` and ``ended`` are the clocks (wall, waiting for a CPU) when its top
    greenlet first ran and when its last member ended: the verdict needs to
    know how long each turn took (see stats.judged_times).
    """

    __slots__ = ("began", "ended", "greenlet", "members", "ran", "turns")

    def __init__(self, turns: _Turns, greenlet: gevent.Greenlet) -> None:
        self.members = 1
        self.turns = turns
        self.greenlet: gevent.Greenlet | None = greenlet
        self.began = False
        self.ran: tuple[float, float] | None = None
        self.ended: tuple[float, float] | None = None

    def start(self) -> None:
        """Stands in for the top greenlet's ``start()``: ask for a turn (once)."""
        greenlet, self.greenlet = self.greenlet, None
        if greenlet is not None:
            self.turns.ask(greenlet)

    def leave(self, _greenlet: object = None) -> None:
        # A link: called when a member dies, also one killed before it ever ran.
        self.members -= 1
        if self.members == 0:
            self.ended = self.turns.clocks.end()
            if self.began:
                self.turns.turn_over()


class _InTurn:
    """What a tracked greenlet of either run executes: ``func``, and a clean traceback.

    A callable object with slots, not a closure with attributes: both runs pay
    its cost per greenlet, and it is small.
    """

    __slots__ = ("func", "spawner_turn")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.spawner_turn: _Turn | None = getattr(getcurrent(), _TURN_ATTR, None)

    @property
    def __name__(self) -> str:  # gevent names a greenlet by its function's __name__
        return getattr(self.func, "__name__", "run_in_turn")

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        return self.func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # pytest shows the user's function, not this
        if self.spawner_turn is None:  # a top greenlet: its turn starts now
            turn: _Turn = getattr(getcurrent(), _TURN_ATTR)
            turn.ran = turn.turns.clocks.start()
        try:
            return self.func(*args, **kwargs)
        except BaseException as error:
            # A dead greenlet is named by the first frame that is not gevent's or
            # this plugin's: that must be the user's function. (A bare raise keeps
            # the edited traceback on 3.11+; 3.10 puts this frame back.)
            if error.__traceback__ is not None:
                error.__traceback__ = error.__traceback__.tb_next
            raise


class RunMode:
    """The :class:`owners.SpawnPolicy` of one run: every greenlet runs in a turn."""

    def __init__(self, mode: RunModeName, clocks: ThreadClocks = NO_WAITING) -> None:
        self.record = RunRecord(mode)
        self.turns = _Turns(1 if mode == "sequential" else float("inf"), clocks)

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return _InTurn(func)

    def spawned(self, greenlet: gevent.Greenlet, run: Callable[..., Any]) -> None:
        assert isinstance(run, _InTurn)
        turn = run.spawner_turn
        if turn is None:
            turn = _Turn(self.turns, greenlet)
            # Whoever starts it (spawn, a pool once it has room) asks for a turn instead.
            greenlet.start = turn.start
            self.record.turns.append(turn)
        else:
            turn.members += 1
            self.record.nested += 1
        setattr(greenlet, _TURN_ATTR, turn)
        greenlet.rawlink(turn.leave)
        self.record.spawned += 1
        self.record.greenlets.append(greenlet)


_active: RunMode | None = None


def current_mode() -> Mode:
    """``"single"`` unless inside :func:`run_mode`, else that run's mode."""
    return _active.record.mode if _active is not None else "single"


@contextlib.contextmanager
def run_mode(
    mode: RunModeName, tracker: owners.Tracker, clocks: ThreadClocks = NO_WAITING
) -> Iterator[RunRecord]:
    """Make greenlets spawned through ``tracker`` (``spawn``/``gevent_pool``) follow ``mode``.

    ``"sequential"``: each greenlet runs to completion before the next one
    starts (nested spawns join their spawner's turn); ``"concurrent"``: as
    usual. On exit, greenlets spawned inside that are still alive are killed
    (bounded by :data:`leaks.KILL_TIMEOUT`), so nothing from one run leaks into the next.
    ``clocks`` time each turn (:attr:`RunRecord.turns`).
    """
    global _active
    if mode not in ("sequential", "concurrent"):
        raise ValueError(f"run_mode: expected 'sequential' or 'concurrent', got {mode!r}")
    saved, saved_policy = _active, tracker.policy
    active = _active = RunMode(mode, clocks)
    tracker.policy = active
    try:
        yield active.record
    finally:
        _active, tracker.policy = saved, saved_policy
        active.turns.closed = True  # killing one must not start the next
        greenlets = active.record.greenlets
        leaks.kill([g for g in greenlets if not g.dead])
        owners.forget_dead(greenlets)


def turn_times(record: RunRecord, start: tuple[float, float]) -> list[tuple[float, float] | None]:
    """Each turn's start (from ``start``) and length, in time not spent waiting for a CPU.

    None for a turn that never ran or did not end (killed before it could).
    """
    wall, waiting = start
    times: list[tuple[float, float] | None] = []
    for turn in record.turns:
        ran, ended = turn.ran, turn.ended
        if ran is None or ended is None:
            times.append(None)
            continue
        began = (ran[0] - wall) - (ran[1] - waiting)
        times.append((max(began, 0.0), max((ended[0] - ran[0]) - (ended[1] - ran[1]), 0.0)))
    return times


def turn_holder(record: RunRecord) -> gevent.Greenlet | None:
    """The top greenlet whose turn it is in a sequential run, if one has it."""
    for greenlet in record.greenlets:
        turn = getattr(greenlet, _TURN_ATTR, None)
        run = getattr(greenlet, "_run", None)
        top = isinstance(run, _InTurn) and run.spawner_turn is None
        if top and turn is not None and turn.began and turn.members and not greenlet.dead:
            return greenlet
    return None
