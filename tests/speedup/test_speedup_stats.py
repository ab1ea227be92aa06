"""The decision rule of concurrent_speedup, on constructed timings (no clock involved)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest

from pytest_gevent_lab.speedup.stats import (
    MARGIN,
    _null_counts,
    decide,
    format_seconds,
    inversions_allowed,
    min_rounds,
    supported_speedup,
)


def _enumerated_counts(n: int, m: int) -> Counter[int]:
    """U for every way of ranking n sequential among n + m times, counted by brute force."""
    counts: Counter[int] = Counter()
    for sequential in combinations(range(n + m), n):
        concurrent = [rank for rank in range(n + m) if rank not in sequential]
        counts[sum(1 for s in sequential for c in concurrent if s < c)] += 1
    return counts


@pytest.mark.parametrize(("n", "m"), [(1, 1), (2, 3), (4, 4), (5, 5), (6, 6), (3, 7)])
def test_null_distribution_matches_enumeration(n: int, m: int) -> None:
    counts = _null_counts(n, m)
    expected = _enumerated_counts(n, m)
    assert list(counts) == [expected[u] for u in range(len(counts))]


def test_five_rounds_is_the_fewest_that_can_pass() -> None:
    # Each of the two looks at 0.5 %: 1/252 for 5 rounds, 51 inversions of 225 for 15.
    assert [inversions_allowed(n, n) for n in range(1, 8)] == [None, None, None, None, 0, 2, 4]
    assert inversions_allowed(15, 15) == 51
    assert inversions_allowed(5, 5, alpha=0.01) == 1
    assert min_rounds() == 5


def test_supported_speedup_is_a_low_order_statistic_of_the_pairwise_ratios() -> None:
    sequential = [10.0, 11.0, 12.0, 13.0, 14.0]
    concurrent = [1.0, 2.0, 3.0, 4.0, 5.0]
    # 5 rounds: the worst ratio, 10/5
    assert supported_speedup(sequential, concurrent) == pytest.approx(2.0)
    # 6 rounds: the third worst, of 10/6, 11/6, 10/5, 12/6...
    assert supported_speedup([*sequential, 15.0], [*concurrent, 6.0]) == pytest.approx(2.0)


def test_clear_speedup_passes() -> None:
    verdict = decide([0.10, 0.101, 0.102, 0.1, 0.099], [0.02, 0.021, 0.02, 0.022, 0.02], 3.0)
    assert verdict.passed
    assert verdict.ratio == pytest.approx(0.1 / 0.02)
    assert verdict.required == pytest.approx(3.0 * (1 + MARGIN))


def test_one_slow_round_calls_for_more_rounds_which_forgive_it() -> None:
    sequential = [1.0, 1.01, 1.02, 1.01, 1.0]
    one_slow = [0.5, 0.5, 0.5, 0.5, 0.99]  # as slow as a sequential round
    first = decide(sequential, one_slow, 1.0)
    assert not first.passed
    assert first.worth_more_rounds
    second = decide(sequential * 3, [*one_slow, *[0.5, 0.51, 0.5, 0.49, 0.5] * 2], 1.0)
    assert second.passed


def test_no_more_rounds_when_the_medians_show_no_speedup() -> None:
    verdict = decide([1.0, 1.01, 1.02, 1.01, 1.0], [1.0, 1.0, 0.99, 1.01, 1.0], 1.0)
    assert not verdict.passed
    assert not verdict.worth_more_rounds


def test_interleaved_timings_fail_whatever_the_medians() -> None:
    # Medians say 1.1x, but the sequential and concurrent rounds overlap.
    verdict = decide([1.1, 0.9, 1.3, 1.1, 0.95], [1.0, 1.2, 0.85, 1.05, 0.9], 1.0)
    assert not verdict.passed
    assert verdict.supported is not None
    assert verdict.supported < 1.0


def test_consistent_difference_below_the_margin_fails() -> None:
    concurrent = [1.0, 1.001, 1.002, 1.003, 1.004]
    slightly = [c * (1 + MARGIN / 2) for c in concurrent]
    assert not decide(slightly, concurrent, 1.0).passed
    clearly = [c * (1 + 2 * MARGIN) for c in concurrent]
    assert decide(clearly, concurrent, 1.0).passed


def test_min_speedup_is_compared_with_the_supported_speedup() -> None:
    sequential = [1.5, 1.5, 1.5, 1.5, 1.5]
    concurrent = [1.0, 1.0, 1.0, 1.0, 1.0]
    assert decide(sequential, concurrent, 1.2).passed
    assert not decide(sequential, concurrent, 1.5).passed


def test_too_few_rounds_never_pass() -> None:
    verdict = decide([10.0, 10.0, 10.0, 10.0], [1.0, 1.0, 1.0, 1.0], 1.0)
    assert verdict.supported is None
    assert not verdict.passed


def test_no_speedup_beyond_noise() -> None:
    overlapping = decide([1.0, 1.3, 0.9, 1.2, 1.25], [1.0, 0.95, 1.08, 1.0, 0.92], 2.0)
    assert overlapping.ratio > 1.1  # the medians alone would suggest a speedup
    assert overlapping.no_speedup_beyond_noise
    assert not decide([1.5] * 5, [1.0] * 5, 2.0).no_speedup_beyond_noise
    # Too few rounds for a bound: the medians against the spread of the rounds.
    assert decide([1.0, 1.02], [1.0, 0.99], 2.0).no_speedup_beyond_noise
    assert not decide([2.0, 2.0], [1.0, 1.0], 2.0).no_speedup_beyond_noise


def test_decide_needs_paired_rounds() -> None:
    with pytest.raises(ValueError, match="same number"):
        decide([1.0, 2.0], [1.0], 1.0)


@pytest.mark.parametrize(
    ("seconds", "text"), [(2.5, "2.500 s"), (0.0123, "12.3 ms"), (0.000042, "42 us")]
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text
