"""Both runs of a concurrent_speedup body pay the same bookkeeping per greenlet.

A greenlet waiting for its turn used to be started and parked on a semaphore:
two extra switches per greenlet that only the sequential run paid, enough to
make 1,000 greenlets that each yield twice "pass" at 1.2x. Counting switches
is exact, so these tests do not depend on timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import gevent
import gevent.pool
import greenlet
import pytest

from pytest_gevent_lab.greenlets.owners import Tracker
from pytest_gevent_lab.speedup.turns import run_mode

if TYPE_CHECKING:
    from conftest import Lab


def _yield_twice() -> None:
    gevent.sleep(0)
    gevent.sleep(0)


@pytest.fixture
def switches() -> Iterator[list[int]]:
    """Counts greenlet switches; the trace installed before (the plugin's) still sees them."""
    counted = [0]
    previous = greenlet.gettrace()

    def trace(event: str, args: tuple[greenlet.greenlet, greenlet.greenlet]) -> None:
        counted[0] += event == "switch"
        if previous is not None:
            previous(event, args)

    greenlet.settrace(trace)
    try:
        yield counted
    finally:
        greenlet.settrace(previous)


@pytest.mark.parametrize(
    "body", ["yield twice", "do nothing", "group", "plain spawn", "own pool", "nested"]
)
def test_both_runs_switch_as_often(switches: list[int], body: str) -> None:
    # Runs in this process: run_mode patches nothing, it only files greenlets.
    tracker = Tracker()
    counts = {}
    for mode in ("sequential", "concurrent"):
        with run_mode(mode):
            switches[0] = 0
            if body == "group":
                pool = tracker.pool()
                for _ in range(50):
                    pool.spawn(_yield_twice)
                pool.join()
            elif body == "plain spawn":
                gevent.joinall([gevent.spawn(_yield_twice) for _ in range(50)])
            elif body == "own pool":
                # Room for all, and one wait for all of them: a full pool, or a
                # get() per greenlet (as map() does), wakes the spawner once per
                # greenlet when they finish one at a time, as the fixtures' turns did
                # (switches on a CPU, which the verdict adds back; see speedup.stats).
                own = gevent.pool.Pool(50)
                for _ in range(50):
                    own.spawn(_yield_twice)
                own.join()
            elif body == "nested":
                fan_out = lambda: gevent.joinall([gevent.spawn(_yield_twice) for _ in range(10)])  # noqa: E731
                gevent.joinall([gevent.spawn(fan_out) for _ in range(5)])
            else:
                work = _yield_twice if body == "yield twice" else (lambda: None)
                gevent.joinall([tracker.spawn(work) for _ in range(50)])
            counts[mode] = switches[0]
    assert counts["sequential"] == counts["concurrent"], counts


def test_a_greenlet_waiting_for_its_turn_has_not_started() -> None:
    # Held by the spawn gate: start() was called (gevent calls it started) but
    # its switch was never handed to the loop, so it has never run.
    tracker = Tracker()
    ran: list[int] = []
    with run_mode("sequential"):
        first = tracker.spawn(gevent.sleep, 0.001)
        second = tracker.spawn(ran.append, 2)
        gevent.sleep(0)
        assert second.gr_frame is None  # never switched into
        assert not second.dead
        assert ran == []
        first.join()
        # Its turn came when the first ended. No timeout: were it still held, the
        # loop would have nothing left to run and the join would raise LoopExit.
        second.join()
        assert second.dead
        assert ran == [2]


def test_a_greenlet_killed_while_waiting_does_not_hold_up_the_next() -> None:
    tracker = Tracker()
    with run_mode("sequential"):
        first = tracker.spawn(gevent.sleep, 0.001)
        skipped = tracker.spawn(gevent.sleep, 0)
        third = tracker.spawn(gevent.sleep, 0)
        skipped.kill()
        assert skipped.dead
        # No timeout (a wall-clock bound is what a stalled machine breaks): were the
        # third held behind the killed one, the loop would run dry and raise LoopExit.
        assert gevent.joinall([first, third]) == [first, third]


TINY_YIELDERS = """
    import gevent
    import pytest

    def tiny():
        gevent.sleep(0)
        gevent.sleep(0)

    @pytest.mark.concurrent_speedup
    def test_tiny_yielders(spawn):
        gevent.joinall([spawn(tiny) for _ in range(1000)])
"""


def test_greenlets_that_only_yield_gain_nothing_and_fail(lab: Lab) -> None:
    lab.write(TINY_YIELDERS)
    result = lab.run("--gevent-report=report.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["concurrent_speedup: the concurrent run was not faster by the required ratio*"]
    )
    # (No hint is asserted: on a machine short of memory, page faults that read
    # code back from disk add idle time to a CPU-bound run, in either mode.)
    (entry,) = lab.report()["speedup"]
    assert entry["verdict"] == "fail"
