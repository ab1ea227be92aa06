"""What exploring schedules finds, and what it costs: ``gevent_schedules``' two strategies.

1. Runs until the first failure, median over 20 base seeds (run ``k`` of a
   base seed ``s`` uses seed ``s + k - 1``, as the marker does), for
   - the cache race: two greenlets fill one cache entry, the second one a
     step later; FIFO always fills it before the second looks;
   - a deeper bug: three greenlets A, B, C each take 3 steps (``sleep(0)``
     between them); the bug needs C before B before A at each of the 3 steps
     (FIFO runs A, B, C every time).
   for ``random`` and ``pct`` (at most 2,000 runs each).
2. Real time per explored run against one plain run (gevent's own order, the
   real loop) of the same body, alternated in this process, median of rounds
   (goal: at most 2x): the cache race, and 10 greenlets x 10 ``sleep(0)``.

The order is installed on the hub as the plugin does for a marked test
(``ExploringOrder``, one schedule per run); pytest is not involved.

    python benchmarks/schedules.py [--seeds 20] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from time import perf_counter

import gevent

from pytest_gevent_lab.scheduling import strategies
from pytest_gevent_lab.scheduling.controlled_loop import controlled
from pytest_gevent_lab.scheduling.exploring_order import ExploringOrder
from pytest_gevent_lab.scheduling.order import FIFO

MAX_RUNS = 2000


def cache_race() -> bool:
    """True when the body passes."""
    cache: dict[str, int] = {}
    fetches: list[str] = []

    def get(key: str) -> None:
        if key not in cache:
            fetches.append(key)
            gevent.sleep(0)
            cache[key] = 1

    def a_step_later() -> None:
        gevent.sleep(0)
        get("k")

    gevent.joinall([gevent.spawn(get, "k"), gevent.spawn(a_step_later)])
    return fetches == ["k"]


def deep_bug() -> bool:
    log: list[tuple[str, int]] = []

    def worker(name: str) -> None:
        for step in range(3):
            log.append((name, step))
            gevent.sleep(0)

    gevent.joinall([gevent.spawn(worker, name) for name in "ABC"])
    bad = [(name, step) for step in range(3) for name in "CBA"]
    return log != bad


def many_sleepers() -> bool:
    def worker() -> None:
        for _ in range(10):
            gevent.sleep(0)

    gevent.joinall([gevent.spawn(worker) for _ in range(10)])
    return True


BUGS: dict[str, Callable[[], bool]] = {"cache race": cache_race, "deep bug (3x3 steps)": deep_bug}


def runs_to_failure(body: Callable[[], bool], strategy: str, base: int) -> int | None:
    loop = controlled(gevent.get_hub())
    order = ExploringOrder()
    loop.set_order(order)
    try:
        for run in range(1, MAX_RUNS + 1):
            order.begin(strategies.make(strategy, base + run - 1))
            try:
                passed = body()
            finally:
                order.end()
            if not passed:
                return run
        return None
    finally:
        loop.set_order(FIFO)


def per_run_seconds(body: Callable[[], bool], strategy: str | None, runs: int) -> float:
    loop = order = None
    if strategy is not None:
        loop = controlled(gevent.get_hub())
        order = ExploringOrder()
        loop.set_order(order)
    try:
        start = perf_counter()
        for run in range(runs):
            if order is not None:
                order.begin(strategies.make(strategy, run))
            body()
            if order is not None:
                order.end()
        return (perf_counter() - start) / runs
    finally:
        if loop is not None:
            loop.set_order(FIFO)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    if not (cache_race() and deep_bug()):
        raise SystemExit("FIFO must hide both bugs: the benchmark's bodies are wrong")
    print(f"1. runs until the first failure (median over {args.seeds} base seeds; max {MAX_RUNS})")
    for name, body in BUGS.items():
        for strategy in strategies.STRATEGIES:
            found = [runs_to_failure(body, strategy, 1000 * seed) for seed in range(args.seeds)]
            hits = [runs for runs in found if runs is not None]
            median = statistics.median(hits) if hits else float("nan")
            print(
                f"   {name:22} {strategy:7} median {median:6.1f} runs   "
                f"(min {min(hits, default=0)}, max {max(hits, default=0)}; "
                f"not found in {MAX_RUNS}: {len(found) - len(hits)} of {len(found)})"
            )

    print("2. cost of one explored run vs one plain run (median of rounds, alternated)")
    for name, body, runs in (
        ("cache race", cache_race, 400),
        ("10 x 10 sleep(0)", many_sleepers, 100),
    ):
        ratios: dict[str, list[float]] = {strategy: [] for strategy in strategies.STRATEGIES}
        plains = []
        for _ in range(args.rounds):
            for strategy in strategies.STRATEGIES:
                plain = per_run_seconds(body, None, runs)
                explored = per_run_seconds(body, strategy, runs)
                plains.append(plain)
                ratios[strategy].append(explored / plain)
        line = ", ".join(
            f"{strategy} {statistics.median(values):.2f}x" for strategy, values in ratios.items()
        )
        print(f"   {name:18} plain {statistics.median(plains) * 1e6:7.1f} us/run; explored: {line}")


if __name__ == "__main__":
    main()
