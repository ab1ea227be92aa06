"""``VirtualClock``: one test's virtual time, the value of the ``gevent_clock`` fixture.

Like trio's ``MockClock`` with ``rate=0``: the clock stands still while
greenlets run, and moves only when the controlled loop jumps it to the next
timer (``autojump_threshold``) or the test calls :meth:`VirtualClock.advance`.
It starts at the real ``time.monotonic()`` rounded up to a whole second, so
values stay plausible for code that compares them with earlier readings, and
whole-second sleeps give exact differences (``clock.time() - start == 3600``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .controlled_loop import ControlledLoop


def check_threshold(value: object, what: str = "") -> float:
    """``autojump_threshold``: a finite number of real seconds >= 0; a ValueError else.

    ``what``, when given, starts the message (``"gevent_clock.autojump_threshold: ..."``).
    """
    prefix = f"{what}: " if what else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"{prefix}autojump_threshold must be a number of real seconds >= 0 "
            f"(0 = jump as soon as nothing can run), got {value!r}"
        )
    if not math.isfinite(value) or value < 0:
        hint = (
            "" if math.isfinite(value) else " (for a clock only advance() moves, use a large one)"
        )
        raise ValueError(
            f"{prefix}autojump_threshold must be a finite number of real seconds >= 0, "
            f"got {value!r}{hint}"
        )
    return float(value)


class VirtualClock:
    """The virtual clock of one test; the ``gevent_clock`` fixture returns it.

    ``time()`` is the test's virtual ``time.monotonic()``. The clock stands
    still while greenlets run. When no greenlet can run and no I/O has become
    ready for ``autojump_threshold`` real seconds, it jumps to the next timer
    (``jumps`` counts those jumps); any I/O that becomes ready (a socket, a
    thread's result, a real timer) starts that period over.

    What ``autojump_threshold`` guarantees: a timer fires while something real
    is on its way (a reply from a server in another thread or process, a
    threadpool job) only if nothing at all became ready for a whole threshold.
    With 0, the default, the clock jumps as soon as a poll made after the last
    thing that ran finds nothing ready: sleeps cost nothing, but a
    ``Timeout(5)`` around a request that takes 50 ms fires at once. Set it
    above the latency of the real I/O the test waits on; each jump then waits
    that long in real time. Greenlets of the same hub talking through sockets
    need no threshold: their data is ready at the next poll.

    ``advance(seconds)`` moves the clock forward explicitly::

        def test_heartbeat(gevent_clock):
            beats = []

            def heartbeat():
                for _ in range(10):
                    gevent.sleep(1)
                    beats.append(gevent_clock.time())

            gevent.spawn(heartbeat)
            gevent_clock.advance(3.5)
            assert len(beats) == 3
    """

    def __init__(self, autojump_threshold: float = 0.0) -> None:
        self._threshold = check_threshold(autojump_threshold, "VirtualClock")
        self.elapsed = 0.0  # virtual seconds since the clock started; the loop moves it
        self.jumps = 0
        self.loop: ControlledLoop | None = None  # while the clock runs
        # Where each real clock stood when this one started (set by the loop).
        self.monotonic_origin = 0.0
        self.perf_counter_origin = 0.0
        self.wall_origin = 0.0
        self.loop_origin = 0.0

    def time(self) -> float:
        """Virtual seconds on the ``time.monotonic()`` scale."""
        return self.monotonic_origin + self.elapsed

    @property
    def autojump_threshold(self) -> float:
        """Real seconds of quiet (nothing runnable, no I/O ready) before the clock jumps."""
        return self._threshold

    @autojump_threshold.setter
    def autojump_threshold(self, value: float) -> None:
        self._threshold = check_threshold(value, "gevent_clock.autojump_threshold")

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward, firing every timer that falls due on the way.

        Each timer fires at its own instant, in order, and the greenlets it
        wakes run before the clock moves on (a ticker sleeping 1 s ticks 3
        times in ``advance(3.5)``). Returns at exactly the new time, once
        nothing else can run at it. ``advance(0)`` only lets everything that
        can run now run. Call it from a greenlet, not from a loop callback.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"gevent_clock.advance: expected a number of seconds, got {seconds!r}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(
                f"gevent_clock.advance: expected a finite number of seconds >= 0 "
                f"(the clock never goes back), got {seconds!r}"
            )
        if self.loop is None:
            raise RuntimeError(
                "gevent_clock.advance: this clock is not running (its test has ended, "
                "or it was never started)"
            )
        self.loop.advance(float(seconds))

    def __repr__(self) -> str:
        state = "running" if self.loop is not None else "stopped"
        return (
            f"<VirtualClock {state} at +{self.elapsed:g} virtual s, jumps={self.jumps}, "
            f"autojump_threshold={self._threshold:g}>"
        )
