"""``Scheduler``: the controlled loop's state and logic, apart from the stand-in itself.

It keeps the virtual timers (a heap in virtual seconds), moves the clock when
the loop has been quiet long enough (``quiet_period``), runs each batch of
timers due at the same instant in the order an :class:`Order` gives, and
serves ``VirtualClock.advance``. ``ControlledLoop`` is the face gevent sees; this is
kept apart because that face looks every unknown attribute up on the real loop
(``__getattr__``), which makes every attribute access on it slower, a cost the
hot paths here (several per jump of the clock) should not pay.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import heapq
import itertools
import math
import sys
import weakref
from dataclasses import dataclass
from typing import Any

from greenlet import getcurrent

from . import quiet_period
from .clock import VirtualClock
from .order import FIFO, Order
from .timers import VirtualTimer

_REBUILD_AFTER = 256  # stopped timers left in the heap before it is rebuilt without them


@dataclass
class _Advance:
    """A greenlet waiting in ``VirtualClock.advance`` for the clock to reach ``target``."""

    target: float
    waiter: Any  # gevent.hub.Waiter
    greenlet: Any


class Scheduler:
    """Virtual timers and clock jumps of one hub's loop."""

    __slots__ = (
        "_active",
        "_active_refd",
        "_advance",
        "_due",
        "_heap",
        "_hub",
        "_passive",
        "_quiet",
        "_seq",
        "_stale",
        "_watching",
        "clock",
        "order",
        "real",
    )
    real: Any
    clock: VirtualClock | None
    order: Order
    _hub: weakref.ref[Any]
    _heap: list[tuple[float, int, VirtualTimer]]
    _passive: list[tuple[float, int, VirtualTimer]]
    _seq: itertools.count[int]
    _active: int
    _active_refd: int
    _stale: int
    _advance: _Advance | None
    _quiet: quiet_period.QuietPeriod | None
    _watching: bool | None
    _due: Any

    def __init__(self, real: Any, hub: Any) -> None:
        self.real = real
        self._hub = weakref.ref(hub)
        self.clock = None
        self.order = FIFO
        self._heap = []
        self._passive = []  # timers that wait for the clock but never move it
        self._seq = itertools.count()
        self._active = 0  # virtual timers in the heap
        self._active_refd = 0  # ... of which keep the loop alive
        self._stale = 0  # stopped timers' entries still in the heap
        self._advance = None
        self._quiet = None
        self._watching = None  # what _quiet was last asked: None (stopped), or its ref
        self._due = None

    # --- the clock ---

    def start_clock(self, clock: VirtualClock) -> None:
        from . import clock_functions

        if self.clock is not None:
            raise RuntimeError(
                "a virtual clock already runs on this hub (virtual-time tests cannot nest)"
            )
        clock.monotonic_origin = math.ceil(clock_functions.real_monotonic())
        clock.perf_counter_origin = math.ceil(clock_functions.real_perf_counter())
        clock.wall_origin = math.ceil(clock_functions.real_time())
        clock.loop_origin = math.ceil(self.real.now())
        self.clock = clock

    def stop_clock(self) -> None:
        """Back to real time: each active virtual timer waits its remaining time for real."""
        clock = self.clock
        if clock is None:
            return
        self.clock = None
        advance, self._advance = self._advance, None
        timers = sorted(
            (entry for entry in (*self._heap, *self._passive) if entry[2].seq == entry[1]),
            key=lambda e: e[:2],
        )
        self._heap.clear()
        self._passive.clear()
        self._active = self._active_refd = self._stale = 0
        self._watching = None
        if self._quiet is not None:
            self._quiet.stop()
        if self._due is not None:
            self._due.stop()
        alive = bool(self.real.ptr)  # the test may have destroyed the loop
        for deadline, _, timer in timers:
            timer.seq = None
            if alive and timer.callback is not None:
                timer.run_real(self.real, deadline - clock.elapsed)
        if advance is not None and alive:  # its test ended while it waited: let it return
            self.real.run_callback(advance.waiter.switch, None)

    def close_watchers(self) -> None:
        """The real loop is being destroyed: drop the watchers made on it."""
        self._watching = None
        if self._quiet is not None:
            self._quiet.close()
            self._quiet = None
        if self._due is not None:
            self._due.close()
            self._due = None

    def now(self, clock: VirtualClock) -> float:
        return clock.loop_origin + clock.elapsed

    # --- virtual timers (called by VirtualTimer) ---

    def _start_timer(self, timer: VirtualTimer, after: float) -> None:
        clock = self.clock
        if clock is None:
            timer.run_real(self.real, after)
            return
        if timer.real is not None:  # a leftover of an earlier test's clock
            if timer.real.active:
                return
            timer.real.close()
            timer.real = None
        if timer.seq is not None:
            return  # like libev: starting an active timer keeps its deadline
        self._schedule(timer, clock.elapsed + max(after, 0.0))
        if after <= 0:
            self._arm_due()
        self._refresh()

    def _schedule(self, timer: VirtualTimer, deadline: float) -> None:
        timer.deadline = deadline
        timer.seq = seq = next(self._seq)
        if timer.passive:
            heapq.heappush(self._passive, (deadline, seq, timer))
            return
        heapq.heappush(self._heap, (deadline, seq, timer))
        self._active += 1
        if timer._ref:
            self._active_refd += 1

    def _stop_timer(self, timer: VirtualTimer) -> None:
        timer.seq = None
        if timer.passive:
            return  # left in its (small) heap, skipped when it comes up
        self._active -= 1
        if timer._ref:
            self._active_refd -= 1
        self._stale += 1
        if self._stale > _REBUILD_AFTER and self._stale * 2 > len(self._heap):
            self._heap = [entry for entry in self._heap if entry[2].seq == entry[1]]
            heapq.heapify(self._heap)
            self._stale = 0
        self._refresh()

    def _ref_changed(self, timer: VirtualTimer) -> None:
        self._active_refd += 1 if timer.ref else -1
        self._refresh()

    def _is_due(self, timer: VirtualTimer) -> bool:
        clock = self.clock
        return clock is not None and timer.deadline <= clock.elapsed

    def _at(self, timer: VirtualTimer) -> float:
        clock = self.clock
        origin = clock.loop_origin if clock is not None else math.ceil(self.real.now())
        return origin + timer.deadline

    def _arm_due(self) -> None:
        """Timers due now fire in the next loop iteration, as libev's would, without a jump."""
        due = self._due
        if due is None:
            due = self._due = self.real.timer(0.0, ref=False)
        if not due.active:
            due.start(self._fire_due)

    def _next_deadline(
        self, heap: list[tuple[float, int, VirtualTimer]] | None = None
    ) -> float | None:
        """The earliest deadline a jump can go to (of ``heap``: the passive timers' too)."""
        if heap is None:
            heap = self._heap
        while heap and heap[0][2].seq != heap[0][1]:
            heapq.heappop(heap)
            if heap is self._heap:
                self._stale -= 1
        return heap[0][0] if heap else None

    def _fire_due(self) -> None:
        """Run the timers due by now, one batch per instant, each batch in ``self.order``."""
        clock = self.clock
        while clock is not None and clock is self.clock:
            deadline = self._next_deadline()
            if self._passive:
                passive = self._next_deadline(self._passive)
                if passive is not None and (deadline is None or passive < deadline):
                    deadline = passive
            if deadline is None or deadline > clock.elapsed:
                break
            batch = self._take_due(deadline)
            # Now, not after: a callback may switch to a greenlet that runs on for long
            # (the rest of its test) before the hub comes back here. Kept watching, but
            # no longer keeping the loop alive, if nothing waits: the woken greenlet
            # usually starts its next timer at once (a stop and a start cost more).
            self._refresh(keep_watching=True)
            order = self.order
            if len(batch) > 1 or not order.fifo:
                batch = list(order.arrange("timers", batch))
            for timer in batch:
                self._run_timer(timer)
        self._refresh()

    def _take_due(self, deadline: float) -> list[VirtualTimer]:
        """Take the timers due at exactly ``deadline`` off the heaps, in the order started."""
        due: list[tuple[int, VirtualTimer]] = []
        for heap in (self._heap, self._passive):
            while heap and heap[0][0] == deadline:
                _, seq, timer = heapq.heappop(heap)
                if timer.seq != seq:
                    if heap is self._heap:
                        self._stale -= 1
                    continue
                # As libev does when a timer expires: a one-shot one is no longer
                # active, a repeating one is rescheduled; both are pending until run.
                if not timer.passive:
                    self._active -= 1
                    if timer._ref:
                        self._active_refd -= 1
                timer.seq = None
                if timer._repeat:
                    self._schedule(timer, deadline + timer._repeat)
                timer.firing = True
                due.append((seq, timer))
        if len(due) == 1:
            return [due[0][1]]
        due.sort(key=lambda entry: entry[0])
        return [timer for _, timer in due]

    def _run_timer(self, timer: VirtualTimer) -> None:
        callback, args = timer.callback, timer.args
        if not timer.firing or callback is None or args is None:
            return  # stopped or closed by an earlier timer of the same batch
        timer.firing = False
        try:
            callback(*args)
        except:  # noqa: E722 - as libev: any error goes to the hub, the loop goes on
            self.real.handle_error(timer, *sys.exc_info())
        if timer.seq is None and timer.real is None and timer.callback is callback:
            timer.callback = timer.args = None  # gevent releases a finished watcher's callback

    # --- jumping the clock ---

    def _threshold(self) -> float:
        clock = self.clock
        if clock is None or self._advance is not None:
            return 0.0  # advance() moves the clock without waiting for a quiet period
        return clock.autojump_threshold

    def _refresh(self, keep_watching: bool = False) -> None:
        """Watch for a quiet loop while virtual timers or an advance() wait on the clock."""
        if self.clock is None:
            return
        advancing = self._advance is not None
        want = (advancing or self._active_refd > 0) if self._active or advancing else None
        if want is None and keep_watching and self._watching is not None:
            want = False
        if want is self._watching:
            return  # the common case: it runs at every timer start, stop and expiry
        self._watching = want
        quiet = self._quiet
        if want is not None:
            if quiet is None:
                quiet = self._quiet = quiet_period.for_loop(
                    self.real, self._on_quiet, self._threshold
                )
            quiet.watch(ref=want)
        elif quiet is not None:
            quiet.stop()

    def _on_quiet(self) -> None:
        """Nothing can run: move the clock to the next deadline (or an advance's target)."""
        clock = self.clock
        if clock is None:
            return
        deadline = self._next_deadline()
        advance = self._advance
        if advance is not None and (deadline is None or deadline > advance.target):
            self._advance = None
            clock.elapsed = max(clock.elapsed, advance.target)
            self._refresh()
            advance.waiter.switch(None)
            return
        if deadline is None:
            self._refresh()
            return
        if advance is None and not self._active_refd:
            assert self._quiet is not None
            if not self._quiet.loop_alive():
                return  # only unreferenced timers: libev lets the loop end here (LoopExit)
        if deadline > clock.elapsed:
            clock.elapsed = deadline
            if advance is None:
                clock.jumps += 1
        self._fire_due()

    def advance(self, seconds: float) -> None:
        """Block the calling greenlet while the clock moves ``seconds`` on (see VirtualClock)."""
        from gevent.hub import Waiter

        clock = self.clock
        hub = self._hub()
        if clock is None or hub is None:
            raise RuntimeError("gevent_clock.advance: the virtual clock is not running")
        current = getcurrent()
        if current is hub:
            raise RuntimeError(
                "gevent_clock.advance: called from the hub (a loop callback); the hub cannot "
                "wait. Call it from the test or a greenlet."
            )
        if self._advance is not None:
            raise RuntimeError(
                f"gevent_clock.advance: {self._advance.greenlet!r} is already advancing the "
                "clock; one advance() at a time"
            )
        advance = self._advance = _Advance(clock.elapsed + seconds, Waiter(hub), current)
        self._refresh()
        try:
            advance.waiter.get()
        finally:
            if self._advance is advance:  # interrupted (a timeout, a kill)
                self._advance = None
                self._refresh()
