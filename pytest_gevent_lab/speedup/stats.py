"""The verdict of a ``concurrent_speedup`` test: is concurrent faster, beyond noise?

Pure functions over the timed rounds; no pytest, no gevent, so the rule can be
tested and benchmarked on its own.

The rule. With ``n`` sequential times ``S`` and ``n`` concurrent times ``C``,
every pair gives a ratio ``s / c`` (n * n ratios). The *supported speedup* is
the (k+1)-th smallest of those ratios, where ``k`` is the largest number of
pairs that noise alone puts on the wrong side with probability at most
``LOOK_ALPHA``: the exact Mann-Whitney distribution, valid for any shape of
noise as long as a round's time does not depend on its mode. It is the
distribution-free lower confidence bound for a ratio of scales. A rank test on
the *pairs* (S1/C1, S2/C2...) could not reach 1 % with 5 rounds (at best
1/32); comparing every sequential run with every concurrent run can (1/252).

Two looks. With 5 rounds at 0.5 % ``k`` is 0: one slow round fails the first
look. When the medians show the speedup but the first look does not
(:attr:`Verdict.worth_more_rounds`), twice as many rounds again are run and
all 3n rounds judged at 0.5 % again (``k`` = 51 of 225 pairs for 15 rounds):
a few slow rounds, each on the wrong side of at most 15 pairs, no longer
decide. Each look lets a body with no speedup through with probability at
most 0.5 %, so both together at most ``ALPHA`` (1 %).

A rank test finds any consistent difference, however small, and the two modes
are never exactly equal even for a body that gains nothing (the sequential mode
queues its greenlets; caches are warm for the run that follows). So the bound
must exceed ``min_speedup`` by ``MARGIN`` as well: the *required* ratio is
``min_speedup * (1 + MARGIN)``.

The times judged (:func:`judged_times`). Machine load makes a run wait for a
CPU another process has; that waiting is measured (speedup.clocks) and left
out: a sequential run counts its *own time*, wall time less that waiting. Its
greenlets run one at a time, so each wait it makes is the only one pending,
and the own time is what the run would have taken on an idle machine
(measured under load: a 1.5x body's sequential own times agree to 1 %, its
wall times vary 4x). A concurrent run's own time can undercount: when its
thread waits for a CPU past the moment a second greenlet's timer was due, the
wait left out hid that greenlet's waiting too (a true 1.5x body measured
2.9x that way). So a concurrent run counts at least the time its greenlets
provably needed: each leaf greenlet's (one that started none) start in the
run plus the time the same greenlet's turn took in the sequential run of its
round (no greenlet is faster with others beside it), and never more than its
wall time. (A greenlet that started others is no such bound: in the
sequential run its children took turns.) Load can then slow
a run's verdict down, but not make a body look faster than it is.

Nor does CPU time the concurrent run saved count: it does the same work, so
the CPU time its sequential partner spent beyond its own is added to it (added,
not a floor: a floor would absorb the concurrent run's noise and keep the
sequential run's, a bias of its own). Greenlets take turns through the
same code in both runs, but not in the same order, and order costs: 2,000
greenlets that do nothing took 7-8 % more CPU one after another than batched
together (the same calls and switches, measured), a "speedup" the margin
barely covers. Only waiting that overlapped is speedup.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import comb

ALPHA = 0.01
"""Chance that noise alone makes a body with no speedup pass (at most)."""
LOOK_ALPHA = ALPHA / 2
"""The same for each of the two looks."""
SECOND_LOOK_ROUNDS = 3
"""The second look judges this many times the rounds of the first."""
MARGIN = 0.05
"""Systematic difference between the modes that no number of rounds removes."""


@dataclass(frozen=True)
class Spread:
    """Median and range of one mode's timed rounds, in seconds."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, times: Sequence[float]) -> Spread:
        import statistics  # on first use: the plugin's start-up stays light

        return cls(statistics.median(times), min(times), max(times))

    def describe(self) -> str:
        low, high = format_seconds(self.low), format_seconds(self.high)
        return f"median {format_seconds(self.median)} (range {low} to {high})"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    sequential: Spread
    concurrent: Spread
    ratio: float  # median sequential / median concurrent
    supported: float | None  # the lower confidence bound; None: too few rounds for one
    required: float
    inversions_allowed: int | None
    # Relative half-range of the rounds: how far apart two rounds of one mode may
    # lie by chance. Used for hints when there is no supported speedup to go by.
    noise: float
    sequential_times: tuple[float, ...] = ()  # what was judged
    concurrent_times: tuple[float, ...] = ()

    @property
    def worth_more_rounds(self) -> bool:
        """Failed, but the medians show the speedup: the rounds were too noisy to decide."""
        return not self.passed and self.ratio > self.required

    @property
    def no_speedup_beyond_noise(self) -> bool:
        """The rounds do not show the concurrent run faster at all (beyond the margin)."""
        if self.supported is not None:
            return self.supported <= 1 + MARGIN
        return abs(self.ratio - 1.0) <= max(self.noise, MARGIN)


@lru_cache(maxsize=64)
def _null_counts(n: int, m: int) -> tuple[int, ...]:
    """How many of the C(n+m, n) orderings of n + m exchangeable times give U = 0, 1, ...

    U is the number of (sequential, concurrent) pairs in the wrong order. The
    counts are the coefficients of the Gaussian binomial [n+m choose n]_q,
    built as prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i); only degrees up to
    n*m/2 are needed (the distribution is symmetric).
    """
    top = n * m // 2
    coefficients = [1] + [0] * top
    for i in range(1, n + 1):
        step = m + i
        for degree in range(top, step - 1, -1):  # multiply by (1 - q^(m+i))
            coefficients[degree] -= coefficients[degree - step]
        for degree in range(i, top + 1):  # divide by (1 - q^i)
            coefficients[degree] += coefficients[degree - i]
    return tuple(coefficients)


def inversions_allowed(n: int, m: int, alpha: float = LOOK_ALPHA) -> int | None:
    """The largest k with P(U <= k) <= alpha under noise alone; None when even U = 0 is likelier."""
    total = comb(n + m, n)
    cumulative = 0
    allowed = None
    for k, count in enumerate(_null_counts(n, m)):
        cumulative += count
        if cumulative > alpha * total:
            break
        allowed = k
    return allowed


def min_rounds(alpha: float = LOOK_ALPHA) -> int:
    """The fewest rounds with which a pass is possible at all."""
    n = 1
    while inversions_allowed(n, n, alpha) is None:
        n += 1
    return n


def supported_speedup(sequential: Sequence[float], concurrent: Sequence[float]) -> float | None:
    """The speedup the rounds support beyond noise (see the module docstring)."""
    k = inversions_allowed(len(sequential), len(concurrent))
    if k is None:
        return None
    ratios = sorted(_ratio(s, c) for s in sequential for c in concurrent)
    return ratios[k]


@dataclass(frozen=True)
class RunTime:
    """One run's clocks, as :func:`judged_times` needs them (seconds)."""

    wall: float
    cpu: float
    waiting: float  # ready to run, waiting for a CPU another process had
    # Each leaf greenlet's (start in the run, length of its turn), in time not
    # spent waiting for a CPU, paired by position with the other run's
    # (speedup.runs pairs them); None for one that never ran or did not end.
    turns: tuple[tuple[float, float] | None, ...] = ()

    @property
    def own(self) -> float:
        """Wall time less the waiting for a CPU (never below the CPU time, nor above the wall)."""
        return min(self.wall, max(self.wall - self.waiting, self.cpu))


def judged_times(
    rounds: Sequence[tuple[RunTime, RunTime]],
) -> tuple[list[float], list[float]]:
    """The (sequential, concurrent) times the verdict compares, one pair per round."""
    sequential = [run.own for run, _ in rounds]
    concurrent = [
        min(run.wall, max(run.own, _needed(run, alone))) + max(0.0, alone.cpu - run.cpu)
        for alone, run in rounds
    ]
    return sequential, concurrent


def _needed(concurrent: RunTime, sequential: RunTime) -> float:
    """The least time the concurrent run can have taken: its greenlets' starts plus their turns."""
    needed = 0.0
    for started, alone in zip(concurrent.turns, sequential.turns, strict=False):
        if started is not None and alone is not None:
            needed = max(needed, started[0] + alone[1])
    return needed


def required_ratio(min_speedup: float) -> float:
    return min_speedup * (1 + MARGIN)


def decide(sequential: Sequence[float], concurrent: Sequence[float], min_speedup: float) -> Verdict:
    if not sequential or len(sequential) != len(concurrent):
        raise ValueError("decide() needs the same number (>= 1) of sequential and concurrent times")
    seq, conc = Spread.of(sequential), Spread.of(concurrent)
    supported = supported_speedup(sequential, concurrent)
    required = required_ratio(min_speedup)
    noise = max(_half_range(seq), _half_range(conc))
    return Verdict(
        passed=supported is not None and supported > required,
        sequential=seq,
        concurrent=conc,
        ratio=_ratio(seq.median, conc.median),
        supported=supported,
        required=required,
        inversions_allowed=inversions_allowed(len(sequential), len(concurrent)),
        noise=noise,
        sequential_times=tuple(sequential),
        concurrent_times=tuple(concurrent),
    )


def _ratio(sequential: float, concurrent: float) -> float:
    # A concurrent run too fast for the clock counts as one clock tick.
    return sequential / max(concurrent, 1e-9)


def _half_range(spread: Spread) -> float:
    return (spread.high - spread.low) / 2 / max(spread.median, 1e-9)


def format_seconds(value: float) -> str:
    """0.0123 -> "12.3 ms"; what the messages and the summary print."""
    if value >= 1:
        return f"{value:.3f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} us"
