"""Is one variant faster than another by a ratio, beyond noise? The examples' timing claims.

The same rule as ``@pytest.mark.concurrent_speedup`` (pytest_gevent_lab.speedup.stats),
so that machine load cannot flip a claim's verdict: the two variants are timed
alternately, round after round (whatever slowly changes on the machine touches
both alike); every time of one is compared with every time of the other, and
the ratio the rounds support is the rank test's lower confidence bound (0.5 %
per look), which must beat the claimed ratio by the marker's 5 % margin. When
the medians show the ratio but the first rounds cannot decide, twice as many
rounds again are timed and all are judged (the marker's second look). A
ratio claimed to be *below* a bound is the same test the other way round.

What is timed, for a variant that runs in this thread alone (greenlets), is
its own time, as the marker times a run: its wall time less the time it waited
for a CPU that other processes had (Linux's schedstat; elsewhere the wall
time), which is all that load adds to it. A variant that uses other threads
(``on_threads``) is timed by the wall clock: while this thread waits for a CPU
the others may be doing its work, so leaving that waiting out would undercount
it (thread hand-overs measured 6 us instead of 32 us that way). Load can then
make such a variant look slower, never faster.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

from pytest_gevent_lab.speedup import stats

# The one internal module the examples use (the marker's clocks); public API has none.
from pytest_gevent_lab.speedup.clocks import ThreadClocks, thread_clocks

ROUNDS = 5  # the first look; the fewest with which the rank test can decide at all


@dataclass(frozen=True)
class Ratio:
    """``first`` time / ``second`` time, as measured and as judged."""

    claim: str  # "above" or "below"
    bound: float  # the ratio claimed to be beaten
    first: tuple[float, ...]  # seconds per unit, one per round
    second: tuple[float, ...]
    verdict: stats.Verdict  # of the claim, in its own direction

    @property
    def holds(self) -> bool:
        return self.verdict.passed

    @property
    def median(self) -> float:
        """Median first / median second."""
        return self.verdict.ratio if self.claim == "above" else 1 / self.verdict.ratio

    @property
    def supported(self) -> float | None:
        """The ratio the rounds support beyond noise: at least (above) or at most (below)."""
        bound = self.verdict.supported
        if bound is None:
            return None
        return bound if self.claim == "above" else 1 / bound

    @property
    def required(self) -> float:
        """The bound with the margin: above it (above) or below it (below)."""
        return self.verdict.required if self.claim == "above" else 1 / self.verdict.required

    def __str__(self) -> str:
        word = "at least" if self.claim == "above" else "at most"
        supported = "nothing" if self.supported is None else f"{word} {self.supported:.3g}x"
        sign = ">" if self.claim == "above" else "<"
        return (
            f"ratio {self.median:.3g}x (median / median of {len(self.first)} rounds, "
            f"{min(self.first):.3g} to {max(self.first):.3g} s against {min(self.second):.3g} "
            f"to {max(self.second):.3g} s); the rounds support {supported} beyond noise; "
            f"claimed {sign} {self.bound:g}x, required {sign} {self.required:.3g}x"
        )


def ratio_above(
    first: Callable[[], object],
    second: Callable[[], object],
    bound: float,
    *,
    units: tuple[int, int] = (1, 1),
    rounds: int = ROUNDS,
    on_threads: tuple[bool, bool] = (False, False),
) -> Ratio:
    """Does ``first`` take more than ``bound`` times as long as ``second`` (per unit)?"""
    return _judge("above", first, second, bound, units, rounds, on_threads)


def ratio_below(
    first: Callable[[], object],
    second: Callable[[], object],
    bound: float,
    *,
    units: tuple[int, int] = (1, 1),
    rounds: int = ROUNDS,
    on_threads: tuple[bool, bool] = (False, False),
) -> Ratio:
    """Does ``first`` take less than ``bound`` times as long as ``second`` (per unit)?"""
    return _judge("below", first, second, bound, units, rounds, on_threads)


def ratio_of_samples(
    first: list[float], second: list[float], bound: float, claim: str = "above"
) -> Ratio:
    """The same judgement of times measured elsewhere, one pair per round."""
    return _verdict(claim, bound, first, second)


def _judge(
    claim: str,
    first: Callable[[], object],
    second: Callable[[], object],
    bound: float,
    units: tuple[int, int],
    rounds: int,
    on_threads: tuple[bool, bool],
) -> Ratio:
    times: tuple[list[float], list[float]] = ([], [])

    def measure(total: int, clocks: ThreadClocks) -> Ratio:
        while len(times[0]) < total:
            times[0].append(_timed(first, clocks, on_threads[0]) / units[0])
            times[1].append(_timed(second, clocks, on_threads[1]) / units[1])
        return _verdict(claim, bound, *times)

    with thread_clocks() as clocks:
        judged = measure(rounds, clocks)
        if judged.verdict.worth_more_rounds:
            judged = measure(stats.SECOND_LOOK_ROUNDS * rounds, clocks)
    return judged


def _verdict(claim: str, bound: float, first: list[float], second: list[float]) -> Ratio:
    if claim == "above":
        verdict = stats.decide(first, second, bound)
    elif claim == "below":
        verdict = stats.decide(second, first, 1 / bound)
    else:
        raise ValueError(f"claim: expected 'above' or 'below', got {claim!r}")
    return Ratio(claim, bound, tuple(first), tuple(second), verdict)


def _timed(func: Callable[[], object], clocks: ThreadClocks, on_threads: bool) -> float:
    """``func()``'s wall time, less this thread's waiting for a CPU unless it uses threads.

    Without garbage collection inside, as ``timeit`` and the marker time: a
    collection costs in proportion to every live object, not to ``func``'s work,
    and lands in whichever round crosses the threshold (it made some rounds of
    1,000 greenlets four times slower, enough to sink the lower bound of a 5x
    ratio under 2x: 4 of 40 runs beside two CPU burners, 0 of 40 without it).
    The garbage is collected after the round, untimed.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        cpu, waiting = clocks.cpu_and_waiting()
        func()
        cpu_end, waiting_end = clocks.cpu_and_waiting()
        wall = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    if on_threads:
        return wall
    return stats.RunTime(wall, cpu_end - cpu, waiting_end - waiting).own
