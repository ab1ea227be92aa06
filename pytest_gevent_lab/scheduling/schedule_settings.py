"""Which tests explore schedules, how many, from which seed, with which strategy.

A test explores schedules when it carries ``@pytest.mark.gevent_schedules``
(directly, or from its class or module) or the run says every test does
(``--gevent-schedules=N``; ``concurrent_speedup`` tests excepted: a speedup is
measured on gevent's own order). ``--gevent-schedules=N`` also overrides a
marker's ``runs``; ``--gevent-schedule-seed=S`` replays one schedule: every
exploring test runs once, under seed ``S``. A bad marker is a collection error
naming the test; a bad option value a usage error.

Run ``k`` (from 1) of a test uses seed ``base + k - 1``, where ``base`` is the
marker's ``seed``, else drawn afresh for the test; a failure prints its run's
seed, which alone replays it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from .names import SCHEDULES_MARKER as MARKER
from .names import SPEEDUP_MARKER
from .strategies import STRATEGIES

SEED_LIMIT = 2**32  # seeds are 0 ... 2**32 - 1


@dataclass(frozen=True)
class ScheduleSpec:
    runs: int = 100
    seed: int | None = None
    strategy: str = "random"


_DEFAULTS = "runs=100, seed=None, strategy='random'"


@dataclass(frozen=True)
class RunPlan:
    """What one exploring test runs: its seeds in order, with one strategy."""

    seeds: tuple[int, ...]
    strategy: str
    marked: bool  # False: explored because of --gevent-schedules
    replay: bool  # one seed given by --gevent-schedule-seed

    @property
    def runs(self) -> int:
        return len(self.seeds)


def _count(value: object, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{what}: expected an int {'>= ' + str(low)}, got {value!r}")
    if high is not None and value >= high:
        raise ValueError(f"{what}: expected an int below {high}, got {value!r}")
    return value


def parse(mark: pytest.Mark) -> ScheduleSpec:
    """The marker's arguments; a :class:`ValueError` saying which one is wrong and what is valid."""
    if mark.args:
        raise ValueError(
            f"takes keyword arguments only ({_DEFAULTS}), got positional argument(s) "
            f"{', '.join(map(repr, mark.args))}; write e.g. "
            f"@pytest.mark.{MARKER}(runs={mark.args[0]!r})"
        )
    unknown = sorted(set(mark.kwargs) - {"runs", "seed", "strategy"})
    if unknown:
        raise ValueError(
            f"unknown argument(s) {', '.join(unknown)}; valid arguments (with defaults): "
            f"{_DEFAULTS}"
        )
    runs = _count(mark.kwargs.get("runs", 100), "runs", 1)
    seed = mark.kwargs.get("seed")
    if seed is not None:
        seed = _count(seed, "seed", 0, SEED_LIMIT)
    strategy = mark.kwargs.get("strategy", "random")
    if strategy not in STRATEGIES:
        raise ValueError(
            f"strategy: unknown strategy {strategy!r}; valid strategies: "
            f"{', '.join(map(repr, STRATEGIES))}"
        )
    return ScheduleSpec(runs, seed, strategy)


def parse_option(value: object, option: str, low: int, high: int | None = None) -> int | None:
    """An option's int value (None when not given); a usage error naming the bad value."""
    if value is None:
        return None
    try:
        number = int(str(value), 10)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number >= high):
        limit = f"from {low} to {high - 1}" if high is not None else f">= {low}"
        raise pytest.UsageError(f"{option}: expected an int {limit}, got {value!r}")
    return number


def collection_problem(item: pytest.Function) -> str | None:
    """Why collecting a marked ``item`` fails: its marker is wrong, or it measures a speedup."""
    mark = item.get_closest_marker(MARKER)
    if mark is None:
        return None
    problem = None
    try:
        parse(mark)
    except ValueError as error:
        problem = f"@pytest.mark.{MARKER}: {error}"
    if problem is None and item.get_closest_marker(SPEEDUP_MARKER) is not None:
        problem = (
            f"@pytest.mark.{MARKER} cannot be combined with @pytest.mark.{SPEEDUP_MARKER}: a "
            "speedup is measured on gevent's own order, and exploring schedules runs the body "
            "under other orders. Remove one of them (a marker may come from the class or module)."
        )
    if problem is None:
        return None
    from ..failures import function_id

    return f"In {function_id(item)}: {problem}"


def resolve(
    item: pytest.Item, every_test_runs: int | None, replay_seed: int | None
) -> RunPlan | None:
    """The item's plan, None when it does not explore (collection checked the marker)."""
    mark = item.get_closest_marker(MARKER)
    if mark is not None:
        spec = parse(mark)
        marked = True
    elif every_test_runs is not None and item.get_closest_marker(SPEEDUP_MARKER) is None:
        spec = ScheduleSpec(every_test_runs)
        marked = False
    else:
        return None
    if replay_seed is not None:
        return RunPlan((replay_seed,), spec.strategy, marked, replay=True)
    runs = every_test_runs if every_test_runs is not None else spec.runs
    base = spec.seed if spec.seed is not None else random.SystemRandom().randrange(SEED_LIMIT)
    seeds = tuple((base + run) % SEED_LIMIT for run in range(runs))
    return RunPlan(seeds, spec.strategy, marked, replay=False)
