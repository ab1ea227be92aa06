"""What the interleaving helpers cost: ``record()`` per call, and ``switch_trace`` overhead.

Run: ``python benchmarks/interleaving_costs.py`` (a few seconds).

The traced and untraced workloads alternate within one run and the best round
of each is compared, so machine load affects both sides alike. Two workloads:
gevent's own scheduling (greenlets yielding through the hub with
``gevent.sleep(0)``, what tests do) and bare ``greenlet.switch`` ping-pong, the
worst case, where the trace's Python call dominates a switch that costs ~0.1 µs.
It also prints the floor: the same workloads under a trace function that does
nothing, which is what greenlet's tracing costs before this plugin does anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent
import greenlet

from pytest_gevent_lab import Interleaving, SwitchTrace

SWITCHES = 100_000
ROUNDS = 5
GREENLETS = 10


def gevent_workload() -> None:
    """GREENLETS greenlets sleeping(0) in turn: two switches (to the hub and back) per sleep."""
    sleeps = SWITCHES // 2 // GREENLETS

    def worker() -> None:
        for _ in range(sleeps):
            gevent.sleep(0)

    gevent.joinall([gevent.spawn(worker) for _ in range(GREENLETS)])


def greenlet_workload() -> None:
    """Two raw greenlets switching to each other SWITCHES times in all."""

    def pong() -> None:
        while True:
            main.switch()

    main = greenlet.getcurrent()
    other = greenlet.greenlet(pong)
    for _ in range(SWITCHES // 2):
        other.switch()


def best_of(workload: Callable[[], None]) -> tuple[float, float, float, int]:
    """Best untraced, switch_trace and no-op-trace seconds, alternating; switches seen."""
    plain = traced = floor = float("inf")
    seen = 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        workload()
        plain = min(plain, time.perf_counter() - start)
        with SwitchTrace() as trace:
            start = time.perf_counter()
            workload()
            traced = min(traced, time.perf_counter() - start)
        seen = len(trace)
        greenlet.settrace(_do_nothing)
        try:
            start = time.perf_counter()
            workload()
            floor = min(floor, time.perf_counter() - start)
        finally:
            greenlet.settrace(None)
    return plain, traced, floor, seen


def _do_nothing(event: str, args: object) -> None:
    pass


def record_cost(calls: int = 200_000) -> tuple[float, float]:
    """Microseconds per ``record()`` call and per bare ``list.append`` of a tuple."""
    log = Interleaving()
    record = log.record
    start = time.perf_counter()
    for _ in range(calls):
        record("event")
    per_record = (time.perf_counter() - start) / calls * 1e6
    sink: list[tuple[str, int]] = []
    append = sink.append
    start = time.perf_counter()
    for index in range(calls):
        append(("event", index))
    per_append = (time.perf_counter() - start) / calls * 1e6
    return per_record, per_append


def main() -> None:
    per_record, per_append = record_cost()
    print(f"record(): {per_record:.2f} us per call (list.append of a tuple: {per_append:.2f} us)")
    for name, workload in [
        ("gevent.sleep(0) across 10 greenlets", gevent_workload),
        ("raw greenlet.switch ping-pong (worst case)", greenlet_workload),
    ]:
        plain, traced, floor, seen = best_of(workload)
        print(
            f"{name}: {seen:,} switches; untraced {plain * 1e3:.1f} ms, "
            f"inside switch_trace {traced * 1e3:.1f} ms, ratio {traced / plain:.2f}x "
            f"(no-op trace function: {floor / plain:.2f}x; best of {ROUNDS} alternating rounds)"
        )


if __name__ == "__main__":
    main()
