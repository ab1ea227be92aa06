"""How a schedule orders a batch of ready work: the ``random`` and ``pct`` strategies.

A *schedule* is one strategy object made from one seed; everything it decides
comes from ``random.Random(seed)``, so the same seed and the same program give
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
import random
from collections.abc import Hashable, Sequence
from typing import Protocol

STRATEGIES = ("random", "pct")
PCT_DEPTH = 3  # bugs of depth up to 3 (two change points)
PCT_SCALE = (4, 1024)  # steps over which change points are placed, log-uniform


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
        self._rng = random.Random(seed)

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
        self._rng = rng = random.Random(seed)
        low, high = PCT_SCALE
        scale = round(math.exp(rng.uniform(math.log(low), math.log(high))))
        self._changes = sorted(rng.randrange(scale) for _ in range(depth - 1))
        self._depth = depth
        self._lowered = 0
        self._priority: dict[Hashable, float] = {}
        self._step = 0  # elements of multi-element batches ordered so far

    def _of(self, key: Hashable) -> float:
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
            self._priority[keys[top]] = self._depth - self._lowered
            priorities[top] = self._priority[keys[top]]
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
