"""The ``random`` and ``pct`` strategies: a seed decides everything, and what each favours."""

from __future__ import annotations

import itertools

import pytest

from pytest_gevent_lab.scheduling import strategies


def _orders(strategy: str, seed: int, batches: list[list[str]]) -> list[list[int]]:
    schedule = strategies.make(strategy, seed)
    return [schedule.order(batch) for batch in batches]


BATCHES = [["a", "b", "c"], ["a", "b", "c"], ["b", "c"], ["a", "b", "c", "d"]] * 5


@pytest.mark.parametrize("strategy", strategies.STRATEGIES)
def test_the_same_seed_gives_the_same_orders(strategy: str) -> None:
    assert _orders(strategy, 12345, BATCHES) == _orders(strategy, 12345, BATCHES)
    assert any(_orders(strategy, seed, BATCHES) != _orders(strategy, 0, BATCHES) for seed in (1, 2))


@pytest.mark.parametrize("strategy", strategies.STRATEGIES)
def test_every_order_is_a_permutation(strategy: str) -> None:
    for seed in range(50):
        for batch, order in zip(BATCHES, _orders(strategy, seed, BATCHES), strict=True):
            assert sorted(order) == list(range(len(batch)))


def test_random_reaches_every_permutation_and_fifo_is_not_the_only_one() -> None:
    seen = {tuple(strategies.make("random", seed).order(["a", "b", "c"])) for seed in range(200)}
    assert seen == set(itertools.permutations(range(3)))


def test_pct_keeps_a_greenlet_ahead_until_a_change_point() -> None:
    # Without a change point in the first batches, the same key leads every batch.
    consistent = 0
    for seed in range(200):
        schedule = strategies.make("pct", seed)
        leaders = {["a", "b", "c"][schedule.order(["a", "b", "c"])[0]] for _ in range(3)}
        consistent += len(leaders) == 1
    assert consistent > 100  # random shuffles would lead with one key in 1/9 of the seeds


def test_an_unknown_strategy_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'dfs'; valid strategies: random, pct"):
        strategies.make("dfs", 1)
