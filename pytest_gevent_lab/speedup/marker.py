"""``@pytest.mark.concurrent_speedup(min_speedup=1.0, rounds=5, warmup=1)``: its arguments.

Checked at collection (each collector's report) so that a typo is a
collection error naming the test and the argument, the way pytest reports a
bad ``parametrize``, instead of a failure after minutes of timed rounds.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from .names import NAME
from .stats import SECOND_LOOK_ROUNDS, min_rounds

# The fewest rounds whose second look (SECOND_LOOK_ROUNDS x rounds) can pass at all.
MIN_ROUNDS = -(-min_rounds() // SECOND_LOOK_ROUNDS)
_WHY_MIN_ROUNDS = (
    f"the verdict judges at most {SECOND_LOOK_ROUNDS} x rounds timed pairs, and fewer than "
    f"{min_rounds()} cannot tell any speedup from noise, so fewer rounds could never pass"
)


@dataclass(frozen=True)
class SpeedupSpec:
    min_speedup: float = 1.0
    rounds: int = 5
    warmup: int = 1


_VALID = ", ".join(
    f"{name}={getattr(SpeedupSpec, name)!r}" for name in ("min_speedup", "rounds", "warmup")
)


def parse(mark: pytest.Mark) -> SpeedupSpec:
    """The marker's arguments; a :class:`ValueError` saying which one is wrong and why."""
    if mark.args:
        raise ValueError(
            f"takes keyword arguments only ({_VALID}), got positional argument(s) "
            f"{', '.join(map(repr, mark.args))}"
        )
    unknown = sorted(set(mark.kwargs) - {"min_speedup", "rounds", "warmup"})
    if unknown:
        raise ValueError(
            f"unknown argument(s) {', '.join(unknown)}; valid arguments (with defaults): {_VALID}"
        )
    min_speedup = mark.kwargs.get("min_speedup", SpeedupSpec.min_speedup)
    if (
        isinstance(min_speedup, bool)
        or not isinstance(min_speedup, (int, float))
        or not math.isfinite(min_speedup)
        or min_speedup <= 0
    ):
        raise ValueError(
            f"min_speedup must be a positive number (1.0 = faster at all, 3 = three times "
            f"faster), got {min_speedup!r}"
        )
    rounds = _count(mark.kwargs, "rounds", SpeedupSpec.rounds, minimum=MIN_ROUNDS)
    warmup = _count(mark.kwargs, "warmup", SpeedupSpec.warmup, minimum=0)
    return SpeedupSpec(float(min_speedup), rounds, warmup)


def _count(kwargs: Mapping[str, object], name: str, default: int, minimum: int) -> int:
    value = kwargs.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        why = f" ({_WHY_MIN_ROUNDS})" if name == "rounds" else ""
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}{why}")
    return value


def problem_of(item: pytest.Item) -> str | None:
    """What is wrong with ``item``'s marker (it is wrong, or cannot work), if anything."""
    mark = item.get_closest_marker(NAME)
    if mark is None:
        return None
    where = f"In {item.nodeid}: @pytest.mark.{NAME}"
    try:
        parse(mark)
    except ValueError as error:
        return f"{where}: {error}"
    return None


def parse_rounds_option(value: object) -> int | None:
    """``--gevent-speedup-rounds``: None when not given, else a whole number >= MIN_ROUNDS."""
    if value is None:
        return None
    try:
        rounds = int(str(value))
    except ValueError:
        rounds = 0
    if rounds < MIN_ROUNDS:
        raise pytest.UsageError(
            f"--gevent-speedup-rounds: expected a whole number of rounds >= {MIN_ROUNDS}, "
            f"got {value!r} ({_WHY_MIN_ROUNDS})"
        )
    return rounds
