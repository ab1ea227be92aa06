"""This thread's clocks: wall time, time on a CPU, and time spent waiting for one.

A run's wall time is its time on a CPU, plus its time waiting for a CPU that
another process had (Linux's schedstat: ready to run, not running), plus idle
time (waiting on a timer, a socket, a lock). Load adds only to the middle
part; :mod:`.stats` leaves it out of the verdict. (Measured on this 2-core
machine under load: wall = CPU + waiting + sleep to within 0.01 ms.) Where
schedstat is missing the waiting clock reads 0 and the verdict uses wall time.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator


class ThreadClocks:
    """Reads this thread's clocks; one open schedstat file for all reads (10 us to open)."""

    def __init__(self, schedstat: int | None) -> None:
        self._schedstat = schedstat

    def waiting(self) -> float:
        """Seconds this thread has been ready to run but waiting for a CPU, 0 if unknown."""
        if self._schedstat is not None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                return int(os.pread(self._schedstat, 128, 0).split()[1]) / 1e9
        return 0.0

    # An interval's waiting must fall inside its wall time: a start reads the
    # wall clock first, an end reads it last. (Read the other way round, a
    # preemption between the two reads was counted as waiting but not as wall
    # time: CPU-bound runs under load "waited" 1.5-2x their wall time.)
    def start(self) -> tuple[float, float]:
        """``(wall, waiting)`` at the start of an interval."""
        wall = time.perf_counter()
        return wall, self.waiting()

    def end(self) -> tuple[float, float]:
        """``(wall, waiting)`` at the end of an interval."""
        waiting = self.waiting()
        return time.perf_counter(), waiting

    def cpu_and_waiting(self) -> tuple[float, float]:
        """This thread's seconds on a CPU and waiting for one.

        (schedstat's own CPU time lags by up to a clock tick, too coarse for
        short bodies; thread_time() does not.)
        """
        return time.thread_time(), self.waiting()


@contextlib.contextmanager
def thread_clocks() -> Iterator[ThreadClocks]:
    """Clocks of the calling thread (the file is that thread's: open it from the thread itself)."""
    try:
        schedstat: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        schedstat = None
    try:
        yield ThreadClocks(schedstat)
    finally:
        if schedstat is not None:
            os.close(schedstat)


NO_WAITING = ThreadClocks(None)
"""Clocks without the waiting part (wall and CPU only), for runs outside a marked test."""
