"""The decision rule of concurrent_speedup, on constructed timings (no clock involved)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest

from pytest_gevent_lab.speedup_stats import (
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
    assert [inversions_allowed(n, n) for n in range(1, 8)] == [None, None, None, None, 1, 3, 6]
    assert min_rounds() == 5


def test_supported_speedup_is_the_second_worst_pairwise_ratio_for_five_rounds() -> None:
    sequential = [10.0, 11.0, 12.0, 13.0, 14.0]
    concurrent = [1.0, 2.0, 3.0, 4.0, 5.0]
    # worst 10/5 = 2.0, second worst min(11/5, 10/4) = 2.2
    assert supported_speedup(sequential, concurrent) == pytest.approx(2.2)


def test_clear_speedup_passes() -> None:
    verdict = decide([0.10, 0.101, 0.102, 0.1, 0.099], [0.02, 0.021, 0.02, 0.022, 0.02], 3.0)
    assert verdict.passed
    assert verdict.ratio == pytest.approx(0.1 / 0.02)
    assert verdict.required == pytest.approx(3.0 * (1 + MARGIN))


def test_one_slow_concurrent_round_is_forgiven_two_are_not() -> None:
    sequential = [1.0, 1.2, 1.2, 1.2, 1.2]
    # 0.97 is within the margin of the 1.0 sequential round: one pair on the wrong side.
    one_slow = [0.5, 0.5, 0.5, 0.5, 0.97]
    assert decide(sequential, one_slow, 1.0).passed
    two_slow = [0.5, 0.5, 0.5, 0.97, 0.97]
    assert not decide(sequential, two_slow, 1.0).passed


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


def test_equal_within_noise() -> None:
    assert decide([1.0, 1.1, 0.9, 1.0, 1.05], [1.0, 0.95, 1.08, 1.0, 0.92], 1.0).equal_within_noise
    assert not decide([2.0] * 5, [1.0] * 5, 1.0).equal_within_noise


def test_decide_needs_paired_rounds() -> None:
    with pytest.raises(ValueError, match="same number"):
        decide([1.0, 2.0], [1.0], 1.0)


@pytest.mark.parametrize(
    ("seconds", "text"), [(2.5, "2.500 s"), (0.0123, "12.3 ms"), (0.000042, "42 us")]
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text
