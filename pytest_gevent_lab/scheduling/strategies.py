"""How a schedule orders a batch of ready work: the ``random`` and ``pct`` strategies.

A *schedule* is one strategy object made from one seed; everything it decides
comes from a SplitMix64 generator seeded with it (seeding ``random.Random``
costs about as much as a short body's whole run), so the same seed and the same program give
the same order at every batch (the replay). Modelled on Shuttle's schedulers:
small objects behind one method, :meth:`Schedule.order`, which gets the keys of
a batch (what each element wakes, usually a greenlet) and returns the positions
in the order to run them.

- ``random``: every batch is shuffled uniformly (trio shuffles its run batches
  the same way). Good at bugs where two greenlets race once.
- ``pct`` (probabilistic concurrency testing, Burckhardt et al. 2010): each key
  gets a random priority when first seen, and a batch runs highest priority
  first, the same way at every batch, so one greenlet runs ahead of another
  *consistently*; at ``depth - 1`` change points the key about to run drops
  below all others. A bug that needs one greenlet to stay ahead over several
  steps is found with far fewer runs than by shuffling. PCT places the change
  points uniformly over the run's length, which replaying from a seed alone
  cannot know: each schedule draws its length scale log-uniformly from
  :data:`PCT_SCALE` instead, so short and long bodies both get change points.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Protocol

STRATEGIES = ("random", "pct")
PCT_DEPTH = 3  # bugs of depth up to 3 (two change points)
PCT_SCALE = (4, 1024)  # steps over which change points are placed, log-uniform


_MASK = 2**64 - 1


class SplitMix64:
    """A small, fast-to-seed generator (Steele, Lea, Flood 2014); same seed, same numbers."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def next(self) -> int:
        self.state = state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        state = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & _MASK
        return state ^ (state >> 31)

    def below(self, n: int) -> int:
        """An int in ``range(n)`` (the tiny modulo bias does not matter for schedules)."""
        return self.next() % n

    def random(self) -> float:
        """A float in [0, 1)."""
        return (self.next() >> 11) / 2**53

    def shuffle(self, items: list[int]) -> None:
        for last in range(len(items) - 1, 0, -1):  # Fisher-Yates
            other = self.next() % (last + 1)
            items[last], items[other] = items[other], items[last]


class Schedule(Protocol):
    """One explored schedule: decides the order of every batch of one run."""

    strategy: str
    seed: int

    def order(self, keys: Sequence[Hashable]) -> list[int]:
        """The positions of ``keys`` (one batch, at least one) in the order to run them."""
        ...


class RandomSchedule:
    """Each batch in a uniformly random order."""

    strategy = "random"

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rng = SplitMix64(seed)

    def order(self, keys: Sequence[Hashable]) -> list[int]:
        positions = list(range(len(keys)))
        if len(positions) > 1:
            self._rng.shuffle(positions)
        return positions


class PCTSchedule:
    """Random priorities per key, highest first, lowered at a few change points."""

    strategy = "pct"

    def __init__(self, seed: int, depth: int = PCT_DEPTH) -> None:
        self.seed = seed
        self._rng = rng = SplitMix64(seed)
        low, high = math.log(PCT_SCALE[0]), math.log(PCT_SCALE[1])
        scale = round(math.exp(low + (high - low) * rng.random()))
        self._changes = sorted(rng.below(scale) for _ in range(depth - 1))
        self._depth = depth
        self._lowered = 0
        self._priority: dict[Hashable, float] = {}
        self._step = 0  # elements of multi-element batches ordered so far

    def _of(self, key: Hashable) -> float:
        try:
            hash(key)
        except TypeError:
            key = id(key)
        priority = self._priority.get(key)
        if priority is None:  # above every lowered priority (those are below depth)
            priority = self._priority[key] = self._depth + self._rng.random()
        return priority

    def order(self, keys: Sequence[Hashable]) -> list[int]:
        if len(keys) < 2:
            return list(range(len(keys)))
        priorities = [self._of(key) for key in keys]
        ranked = sorted(range(len(keys)), key=lambda i: -priorities[i])
        end = self._step + len(keys)
        while self._changes and self._changes[0] < end:
            # A change point falls in this batch: the key about to run first drops below
            # every other (later change points lower it further).
            self._changes.pop(0)
            self._lowered += 1
            top = ranked[0]
            key = keys[top]
            try:
                hash(key)
            except TypeError:
                key = id(key)
            priorities[top] = self._priority[key] = self._depth - self._lowered
            ranked = sorted(range(len(keys)), key=lambda i: -priorities[i])
        self._step = end
        return ranked


def make(strategy: str, seed: int) -> Schedule:
    """The schedule ``strategy`` (one of :data:`STRATEGIES`) draws from ``seed``."""
    if strategy == "random":
        return RandomSchedule(seed)
    if strategy == "pct":
        return PCTSchedule(seed)
    raise ValueError(f"unknown strategy {strategy!r}; valid strategies: {', '.join(STRATEGIES)}")
