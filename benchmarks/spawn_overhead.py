"""10,000 greenlets spawned and joined through the ``spawn`` fixture vs plain ``gevent.spawn``.

The fixture's value is ``Tracker.spawn`` of the running pytest session; here a
Tracker with a test as owner stands in for it, exactly as a test sees it. Both
sides run alternately in one process, ``--rounds`` times each, and the ratio of
medians is reported (target: at or under 1.2x).

    python benchmarks/spawn_overhead.py [--greenlets 10000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import gevent

from pytest_gevent_lab.greenlets.owners import Owner, Tracker


def work(n: int) -> int:
    return n


def timed(spawn: Callable[..., gevent.Greenlet], count: int) -> float:
    gc.collect()
    start = time.perf_counter()
    gevent.joinall([spawn(work, n) for n in range(count)])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--greenlets", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    tracker = Tracker()
    plain: list[float] = []
    tracked: list[float] = []
    timed(gevent.spawn, args.greenlets)  # warm-up: the hub, the allocator
    for round_ in range(args.rounds):
        tracker.test = Owner("benchmark test")  # a fresh owner, as each test gets
        sides = [(plain, gevent.spawn), (tracked, tracker.spawn)]
        for results, spawn in sides if round_ % 2 else reversed(sides):  # ABBA: no order bias
            results.append(timed(spawn, args.greenlets))
    p, t = statistics.median(plain), statistics.median(tracked)
    print(f"{args.greenlets} greenlets, {args.rounds} rounds each, order alternating; medians:")
    print(f"  gevent.spawn + joinall : {p * 1000:8.2f} ms")
    print(f"  spawn fixture + joinall: {t * 1000:8.2f} ms")
    print(f"  ratio (fixture / plain): {t / p:.3f}x  (target <= 1.2x)")


if __name__ == "__main__":
    main()
