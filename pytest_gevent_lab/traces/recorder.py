"""One test's record of what its greenlets did, and the API other capabilities add to it with.

:meth:`Recorder.start` installs a ``greenlet.settrace`` function for the
current thread (greenlet trace functions are per thread), chained to the one
that was installed before (coverage, a debugger, the leak watch) so that it
still sees every switch; :meth:`Recorder.stop` puts that one back, whatever
happened in between (a failed test, a destroyed hub).

Cost matters: the trace runs on every switch. It appends the clock reading
to one list and greenlet's own ``(origin, target)`` tuple to another (no new
tuple per switch: 100,000 of them, each tracked by the garbage collector, made
the recording a third dearer), notes the rare ``throw`` by its index, and
looks the target up in a dict; a greenlet is named the first time it is seen, since a
name needs a live greenlet (``greenlets.naming``). Slices, deaths and marks are
worked out once, by :meth:`Recorder.timeline`, and only for a test whose
files are written.

The API for the other capabilities (all optional, all cheap)::

    recorder.instant("spawn", greenlet, "spawned at test_x.py:12")
    recorder.span("hub_block", start, end, "blocked by time.sleep", greenlet=g)
    recorder.speedup_rounds(sequential_s, concurrent_s, required=2.1, supported=3.9)
    recorder.schedules(failing_steps, passing_steps, first_difference=12)
    recorder.use_clock(virtual_clock.time)  # a virtual-time test's timestamps
    with recorder.phase("sequential run 2"): ...

Times given to it are readings of ``recorder.clock`` (``time.perf_counter``
unless :meth:`Recorder.use_clock` replaced it).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import greenlet
from gevent.hub import Hub

from ..greenlets.naming import GreenletNames, short_path, spawning_site
from .model import (
    INSTANT_KINDS,
    SPAN_KINDS,
    Instant,
    Lane,
    Phase,
    Schedule,
    ScheduleComparison,
    Span,
    SpeedupRounds,
    Timeline,
)

TraceFunction = Callable[[str, tuple[Any, Any]], Any]
Clock = Callable[[], float]


class Recorder:
    """Greenlet switches of one thread between :meth:`start` and :meth:`stop`, plus marks."""

    def __init__(self, clock: Clock = time.perf_counter, clock_name: str = "real") -> None:
        self._clock = clock
        self._clock_name = clock_name
        # Per switch: the clock reading, and greenlet's (origin, target); the indexes
        # of the switches that were a "throw" (a kill), not a "switch".
        self._times: list[float] = []
        self._moves: list[tuple[Any, Any]] = []
        self._throws: list[int] = []
        # (index of the first event read on a clock, offset that makes its readings
        # seconds since the start): a clock override keeps the timeline continuous.
        self._segments: list[tuple[int, float]] = []
        self._offset = 0.0
        self._name = GreenletNames()
        self._seen: dict[Any, str] = {}  # greenlet -> name; holds the greenlets for their names
        # Greenlets switched to so far. Apart from _seen: a greenlet marked before it
        # first runs (spawned) is named then, and its first run must still be found.
        self._switched: dict[Any, None] = {}
        self._order: dict[str, None] = {}  # lane names, first seen first
        self._started: list[tuple[int, Any]] = []  # (event index, greenlet) of first runs
        self._instants: list[Instant] = []
        self._spans: list[Span] = []
        self._phases: list[Phase] = []
        self._speedup: SpeedupRounds | None = None
        self._schedules: ScheduleComparison | None = None
        self._initial: Any = None
        self._previous: TraceFunction | None = None
        self._set_clock: Callable[[Clock], None] | None = None
        self._end: float | None = None
        self._active = False
        self._pid = os.getpid()

    # --- recording ---

    def start(self) -> None:
        """Install the trace function for this thread; time 0 is now."""
        if self._active or self._end is not None:
            raise RuntimeError("a Recorder records once: create a new one per test")
        self._initial = greenlet.getcurrent()
        self._note(self._initial)
        self._switched[self._initial] = None
        self._previous = greenlet.gettrace()
        self._offset = -self._clock()
        self._segments.append((0, self._offset))
        callback, self._set_clock = self._make_callback(self._previous)
        self._active = True
        greenlet.settrace(callback)

    def stop(self) -> None:
        """Put the previous trace function back (idempotent); the recording's end is now."""
        if not self._active:
            return
        self._active = False
        self._end = self._clock() + self._offset
        # Unconditionally: a trace function installed after ours and never removed
        # (a test that failed half-way) must not survive into the next test either.
        greenlet.settrace(self._previous)

    @property
    def switches(self) -> int:
        """Switches recorded so far, the hub's included.

        (Not ``__len__``: an empty recorder must not be false in ``if recorder:``.)
        """
        return len(self._moves)

    @property
    def clock(self) -> Clock:
        """The clock the timestamps come from; times given to the API are its readings."""
        return self._clock

    def _make_callback(
        self, previous: TraceFunction | None
    ) -> tuple[TraceFunction, Callable[[Clock], None]]:
        # Locals of a closure, not attributes: per switch, one clock call, two
        # appends, one string comparison and one dict lookup. ``clock`` is a cell
        # that set_clock rebinds, so a clock override costs nothing per switch.
        moves, throws = self._moves, self._throws
        add_time, add_move = self._times.append, moves.append
        seen, first_sight = self._switched, self._first_sight
        clock = self._clock

        def on_switch(event: str, args: tuple[Any, Any]) -> None:
            add_time(clock())
            add_move(args)
            if event != "switch":
                throws.append(len(moves) - 1)
            if args[1] not in seen:
                first_sight(args)

        def chained(event: str, args: tuple[Any, Any]) -> None:
            add_time(clock())
            add_move(args)
            if event != "switch":
                throws.append(len(moves) - 1)
            if args[1] not in seen:
                first_sight(args)
            previous(event, args)  # type: ignore[misc]  # only installed when not None

        def set_clock(new: Clock) -> None:
            nonlocal clock
            clock = new

        return (on_switch if previous is None else chained), set_clock

    def _first_sight(self, args: tuple[Any, Any]) -> None:
        target = args[1]
        self._switched[target] = None
        self._note(target)
        # The trace runs on the target's stack. A greenlet that starts now has no
        # frames below the trace functions, whose oldest one was called with this
        # very ``args`` tuple; one that resumes has its own frames down there.
        frame = sys._getframe()
        while frame.f_back is not None:
            frame = frame.f_back
        if any(value is args for value in frame.f_locals.values()):
            self._started.append((len(self._moves) - 1, target))

    def _note(self, glet: Any) -> str:
        name = self._seen.get(glet)
        if name is None:
            name = self._seen[glet] = self._name(glet)
            self._order.setdefault(name)
        return name

    def _now(self) -> float:
        return self._clock() + self._offset

    # --- the API other capabilities call ---

    def use_clock(self, clock: Clock, name: str = "virtual") -> None:
        """Read timestamps from ``clock`` from now on (a virtual-time test's clock).

        The timeline stays continuous: the new clock's readings are shifted to
        continue from the moment of the change. ``name`` says in the pictures
        which time they show.
        """
        if self._active:
            now = self._now()
            self._offset = now - clock()
            self._segments.append((len(self._moves), self._offset))
            assert self._set_clock is not None
            self._set_clock(clock)
        self._clock = clock
        self._clock_name = name

    def instant(
        self, kind: str, glet: Any = None, text: str = "", *, at: float | None = None
    ) -> None:
        """A mark on ``glet``'s lane (or across the whole test when None), now or ``at``.

        ``kind`` is one of :data:`~.model.INSTANT_KINDS`: ``spawn``, ``kill``,
        ``error`` (an exception nobody retrieved), ``leak``, ``start``, ``death``
        (the last three are also found by the recorder itself).
        """
        _check_kind(kind, INSTANT_KINDS, "instant")
        moment = self._now() if at is None else self._time(at, "at")
        lane = None if glet is None else self._note(glet)
        self._instants.append(Instant(kind, moment, lane, str(text)))

    def span(
        self, kind: str, start: float, end: float, text: str = "", *, glet: Any = None
    ) -> None:
        """An interval from ``start`` to ``end`` (clock readings): the hub blocked by ``glet``.

        ``kind`` is one of :data:`~.model.SPAN_KINDS` (``hub_block``).
        """
        _check_kind(kind, SPAN_KINDS, "span")
        begin, finish = self._time(start, "start"), self._time(end, "end")
        if finish < begin:
            raise ValueError(f"span {kind!r}: end {end!r} is before start {start!r}")
        lane = None if glet is None else self._note(glet)
        self._spans.append(Span(kind, begin, finish, lane, str(text)))

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """``with recorder.phase("call"):`` marks a named stretch of the test.

        The plugin marks setup, call and teardown; a capability can mark runs
        inside the call (``sequential run 2``). Times are taken on entry and
        exit, so a clock override in between is fine.
        """
        begin = self._now()
        try:
            yield
        finally:
            self._phases.append(Phase(str(name), begin, max(begin, self._now())))

    def speedup_rounds(
        self,
        sequential: Sequence[float],
        concurrent: Sequence[float],
        *,
        required: float,
        supported: float | None = None,
        verdict: str | None = None,
    ) -> None:
        """A ``concurrent_speedup`` test's timed rounds in seconds, one pair per round."""
        seq, con = _seconds(sequential, "sequential"), _seconds(concurrent, "concurrent")
        if not seq or len(seq) != len(con):
            raise ValueError(
                "speedup_rounds: one sequential and one concurrent time per round, got "
                f"{len(seq)} sequential and {len(con)} concurrent"
            )
        for name, value in (("required", required), ("supported", supported)):
            if value is not None and not (isinstance(value, int | float) and value > 0):
                raise ValueError(f"speedup_rounds: {name} must be a positive ratio, got {value!r}")
        self._speedup = SpeedupRounds(seq, con, float(required), supported, verdict)

    def schedules(
        self,
        failing: Sequence[str],
        passing: Sequence[str],
        *,
        first_difference: int | None = None,
        failing_label: str = "failing schedule",
        passing_label: str = "passing schedule",
    ) -> None:
        """Two ``gevent_schedules`` runs' steps (what ran at each step), drawn side by side.

        ``first_difference`` is the first step index where they differ; by
        default the first index whose steps are not equal.
        """
        bad, good = tuple(map(str, failing)), tuple(map(str, passing))
        if first_difference is None:
            first_difference = next(
                (i for i, (a, b) in enumerate(zip(bad, good, strict=False)) if a != b),
                min(len(bad), len(good)),
            )
        limit = max(len(bad), len(good))
        if not isinstance(first_difference, int) or not 0 <= first_difference <= limit:
            raise ValueError(
                f"schedules: first_difference must be a step index from 0 to {limit}, "
                f"got {first_difference!r}"
            )
        self._schedules = ScheduleComparison(
            Schedule(failing_label, bad), Schedule(passing_label, good), first_difference
        )

    def _time(self, reading: float, what: str) -> float:
        if not isinstance(reading, int | float) or not math.isfinite(reading):
            raise ValueError(f"{what} must be a reading of recorder.clock, got {reading!r}")
        return reading + self._offset

    # --- the result ---

    def timeline(self, test: str, outcome: str) -> Timeline:
        """The data the files show; call it after :meth:`stop`."""
        end = self._end if self._end is not None else self._now()
        slices: dict[Any, list[tuple[float, float]]] = {}
        times: list[float] = []
        kills: list[Instant] = []
        killed: set[Any] = set()
        since, segment, offset = 0.0, 0, self._segments[0][1] if self._segments else 0.0
        segments = self._segments
        thrown = set(self._throws)
        switches = zip(self._times, self._moves, strict=True)  # appended together, always
        for index, (reading, (origin, target)) in enumerate(switches):
            while segment + 1 < len(segments) and segments[segment + 1][0] <= index:
                segment += 1
                offset = segments[segment][1]
            moment = max(reading + offset, since)  # a clock that went back draws no overlap
            if origin not in self._seen:  # switched to while someone had unset our trace
                self._note(origin)
            slices.setdefault(origin, []).append((since, moment))
            times.append(moment)
            if index in thrown:
                kills.append(Instant("kill", moment, self._seen[target], "exception thrown in"))
                killed.add(target)
            since = moment
        last_target = self._moves[-1][1] if self._moves else self._initial
        slices.setdefault(last_target, []).append((since, max(end, since)))

        instants = [
            Instant("start", times[index], self._seen[glet]) for index, glet in self._started
        ]
        instants += kills
        for glet, runs in slices.items():
            if _is_dead(glet):
                how = _how_it_ended(glet, glet in killed)
                instants.append(Instant("death", runs[-1][1], self._seen[glet], how))
        instants += self._instants
        instants += self._plain_spawns(slices, times)

        by_name = {self._seen[glet]: glet for glet in self._seen}
        lanes = []
        for name in self._order:
            glet = by_name.get(name)
            runs = slices.get(glet, []) if glet is not None else []
            lanes.append(Lane(name, tuple((s, e) for s, e in runs), is_hub=isinstance(glet, Hub)))
        return Timeline(
            test=test,
            outcome=outcome,
            duration=max(end, since),
            clock=self._clock_name,
            lanes=tuple(lanes),
            instants=tuple(sorted(instants, key=lambda mark: mark.time)),
            spans=tuple(self._spans),
            phases=tuple(self._phases),
            speedup=self._speedup,
            schedules=self._schedules,
            pid=self._pid,
            switches=len(self._moves),
        )

    def _plain_spawns(
        self, slices: dict[Any, list[tuple[float, float]]], times: list[float]
    ) -> list[Instant]:
        """Spawn marks for the greenlets no check marked (plain ``gevent.spawn``).

        Nothing sees a plain spawn happen; gevent keeps who spawned it and where.
        The mark goes at the end of the spawner's last run before the greenlet's
        first: the run that spawned it, since a start is queued when it is spawned
        and nothing queued later can resume the running spawner first (unless a
        schedule reorders the queue).
        """
        marked = {mark.lane for mark in self._instants if mark.kind == "spawn"}
        found = []
        for index, glet in self._started:
            lane = self._seen[glet]
            ref = getattr(glet, "spawning_greenlet", None)  # gevent's, with track_greenlet_tree
            spawner = ref() if callable(ref) else None
            # A hub is started by the first switch to it, not spawned (gevent records
            # its spawner all the same).
            if lane in marked or isinstance(glet, Hub) or spawner not in self._seen:
                continue
            ends = [end for _, end in slices.get(spawner, ()) if end <= times[index]]
            if ends:
                site = spawning_site(glet)
                where = f" at {short_path(site)}" if site else ""
                text = f"spawned{where} by {self._seen[spawner]}"
                found.append(Instant("spawn", ends[-1], lane, text))
        return found


def _check_kind(kind: str, valid: dict[str, str], what: str) -> None:
    if kind not in valid:
        raise ValueError(f"{what} kind {kind!r} is not one of: {', '.join(valid)}")


def _seconds(values: Sequence[float], what: str) -> tuple[float, ...]:
    result = []
    for value in values:
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"speedup_rounds: {what} times must be seconds >= 0, got {value!r}")
        result.append(float(value))
    return tuple(result)


def _is_dead(glet: Any) -> bool:
    try:
        return bool(glet.dead)
    except Exception:  # a greenlet of a destroyed hub: no state to ask
        return False


def _how_it_ended(glet: Any, thrown_in: bool) -> str:
    # gevent greenlets keep their exception; a kill's GreenletExit counts as a result
    error = getattr(glet, "exception", None)
    if error is None and isinstance(getattr(glet, "value", None), greenlet.GreenletExit):
        error = glet.value
    if isinstance(error, greenlet.GreenletExit) or (error is None and thrown_in):
        return "killed" + (f" ({type(error).__name__})" if error is not None else "")
    if error is None:
        return "finished"
    return f"died of {type(error).__name__}: {error}"[:200]


__all__ = ["Recorder"]
