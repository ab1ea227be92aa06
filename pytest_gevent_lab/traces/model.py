"""What a trace picture shows, as plain data: the writers are pure functions of a :class:`Timeline`.

Times are seconds since the recording began (the writers turn them into
microseconds or pixels). Greenlets appear by name only: a timeline outlives the
greenlets it describes and is built once, when the files are written.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

# Instant marks on a greenlet's lane, in the order a legend lists them.
INSTANT_KINDS = {
    "start": "first run",
    "spawn": "spawned",
    "death": "finished",
    "kill": "exception thrown in (kill)",
    "error": "error nobody retrieved",
    "leak": "leaked (still running at teardown)",
}
# Intervals that are not a greenlet running.
SPAN_KINDS = {
    "hub_block": "hub blocked",
}


@dataclass(frozen=True)
class Lane:
    """One greenlet: the intervals during which it ran, in order and not overlapping."""

    name: str
    slices: tuple[tuple[float, float], ...]
    is_hub: bool = False

    @property
    def busy(self) -> float:
        """Seconds it ran."""
        return sum(end - start for start, end in self.slices)


@dataclass(frozen=True)
class Instant:
    kind: str  # a key of INSTANT_KINDS
    time: float
    lane: str | None  # None: the whole test (drawn across every lane)
    text: str = ""


@dataclass(frozen=True)
class Span:
    kind: str  # a key of SPAN_KINDS
    start: float
    end: float
    lane: str | None  # the greenlet it is blamed on, if known
    text: str = ""


@dataclass(frozen=True)
class Phase:
    """A named stretch of the test: its setup, call and teardown, or a run inside the call."""

    name: str
    start: float
    end: float


@dataclass(frozen=True)
class SpeedupRounds:
    """A ``concurrent_speedup`` test's timed rounds (seconds) and what the verdict required."""

    sequential: tuple[float, ...]
    concurrent: tuple[float, ...]
    required: float  # the sequential/concurrent ratio to beat
    supported: float | None = None  # the ratio the rounds support beyond noise
    verdict: str | None = None  # "pass", "fail", "error"

    @property
    def sequential_median(self) -> float:
        return statistics.median(self.sequential)

    @property
    def concurrent_median(self) -> float:
        return statistics.median(self.concurrent)

    @property
    def median_ratio(self) -> float:
        concurrent = self.concurrent_median
        return self.sequential_median / concurrent if concurrent > 0 else float("inf")


@dataclass(frozen=True)
class Schedule:
    """One explored schedule: what ran at each step, e.g. greenlet names."""

    label: str  # e.g. "seed 1234 (failed)"
    steps: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleComparison:
    failing: Schedule
    passing: Schedule
    first_difference: int  # the first step index where the two differ


@dataclass(frozen=True)
class Timeline:
    """Everything one test's files show."""

    test: str  # the node id
    outcome: str  # e.g. "failed (call)", "passed"
    duration: float  # seconds from the recording's start to its end
    clock: str  # "real" (perf_counter) or the name a clock override gave
    lanes: tuple[Lane, ...]
    instants: tuple[Instant, ...] = ()
    spans: tuple[Span, ...] = ()
    phases: tuple[Phase, ...] = ()
    speedup: SpeedupRounds | None = None
    schedules: ScheduleComparison | None = None
    pid: int = 0
    switches: int = 0

    def lane(self, name: str) -> Lane | None:
        return next((lane for lane in self.lanes if lane.name == name), None)
