"""The two runs of a ``concurrent_speedup`` body: greenlets take turns, or run together.

Inside ``run_mode("sequential")`` every greenlet the test body starts on the
hub (``gevent.spawn``, a ``Pool`` or ``Group`` the code makes itself, the
``spawn`` and ``gevent_pool`` fixtures, ``Greenlet(...).start()``) waits
until its previous sibling, the greenlet the same spawner started before it,
has finished with everything it started; the greenlets each of those starts
take turns the same way (scheduling.serial_spawns, the gate that
``one_greenlet_at_a_time`` installs, rooted at the body's greenlet). A child
runs beside its spawner: a parent that joins its child lets it run, since the
child is its first.

Why a waiting greenlet is not started at all. If it were started and made to
wait for its turn (a semaphore), each of them would be switched into, park,
and be woken later: two switches and a link per greenlet that only the
sequential run pays. For 1,000 greenlets that each yield twice with
``sleep(0)`` that made the sequential run 17-25 % slower than the concurrent
one, a "speedup" of pure bookkeeping (measured: CPU time, not waiting, made the
difference). So a held start is never submitted to the loop until the turn
before it ends, and both runs go through the same gate (the concurrent run's
holds nothing): they pay the same per greenlet and per callback.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import gevent
from greenlet import getcurrent

from ..greenlets import leaks, owners
from ..greenlets.monitor import backs_a_thread
from ..scheduling.serial_spawns import SerialRecord, SpawnGate, spawn_gate
from .clocks import NO_WAITING, ThreadClocks

Mode = Literal["single", "sequential", "concurrent"]
RunModeName = Literal["sequential", "concurrent"]
TurnKey = tuple[int, ...]


@dataclass
class RunRecord:
    """What :func:`run_mode` saw: the greenlets the body started while it was active."""

    mode: Mode
    serial: SerialRecord = field(default_factory=SerialRecord)
    gate: SpawnGate | None = None

    @property
    def spawned(self) -> int:
        return self.serial.spawned

    @property
    def nested(self) -> int:
        """Of the spawned, how many were started by a greenlet of the body, not the body."""
        return self.serial.nested

    @property
    def greenlets(self) -> list[gevent.Greenlet]:
        return self.serial.greenlets


_active: RunRecord | None = None


def current_mode() -> Mode:
    """``"single"`` unless inside :func:`run_mode`, else that run's mode."""
    return _active.mode if _active is not None else "single"


@contextlib.contextmanager
def run_mode(mode: RunModeName, clocks: ThreadClocks = NO_WAITING) -> Iterator[RunRecord]:
    """Make the greenlets the calling greenlet starts follow ``mode``.

    ``"sequential"``: each greenlet runs to completion, with everything it
    starts, before its next sibling starts; ``"concurrent"``: as usual (through
    the same bookkeeping). On exit, greenlets started inside that are still
    alive are killed (bounded by :data:`leaks.KILL_TIMEOUT`) and none that was
    held is started, so nothing from one run leaks into the next. ``clocks``
    time each turn (:func:`turn_times`).
    """
    global _active
    if mode not in ("sequential", "concurrent"):
        raise ValueError(f"run_mode: expected 'sequential' or 'concurrent', got {mode!r}")
    saved = _active
    with spawn_gate(serial=mode == "sequential", root=getcurrent(), clocks=clocks) as gate:
        record = _active = RunRecord(mode, gate.record, gate)
        try:
            yield record
        finally:
            _active = saved
            gate.close()  # killing one must not start the next
            greenlets = record.greenlets
            leaks.kill([g for g in greenlets if not g.dead and not backs_a_thread(g)])
            owners.forget_dead(greenlets)


def still_running(record: RunRecord) -> list[gevent.Greenlet]:
    """The greenlets of a run that have not finished (a thread's greenlet is a thread)."""
    return [g for g in record.greenlets if not g.dead and not backs_a_thread(g)]


def turn_times(
    record: RunRecord, start: tuple[float, float]
) -> dict[TurnKey, tuple[float, float] | None]:
    """Each leaf turn's start (from ``start``) and length, in time not spent waiting for a CPU.

    Leaf turns only: a greenlet that started none. A turn with children took
    them in turns in the sequential run, so its length there is no least time
    for the concurrent run; a leaf's is (see stats.judged_times). Keyed by the
    turn's key, the same in both runs of the body. None for a turn that never
    ran or did not end (killed before it could).
    """
    wall, waiting = start
    times: dict[TurnKey, tuple[float, float] | None] = {}
    for turn in record.serial.turns:
        if turn.children:
            continue
        ran, ended = turn.began, turn.ended
        if ran is None or ended is None:
            times[turn.key] = None
            continue
        began = (ran[0] - wall) - (ran[1] - waiting)
        times[turn.key] = (max(began, 0.0), max((ended[0] - ran[0]) - (ended[1] - ran[1]), 0.0))
    return times


def turn_holder(record: RunRecord) -> gevent.Greenlet | None:
    """A greenlet whose turn runs while a sibling started after it waits, if one does."""
    return record.gate.holder() if record.gate is not None else None
