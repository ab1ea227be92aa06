"""run_mode(): the speedup marker's sequential and concurrent runs of tracked greenlets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

HEADER = """
import gevent, pytest
from pytest_gevent_lab.speedup.turns import current_mode, run_mode


def worker(log, n):
    log.append(f"start {n}")
    gevent.sleep(0.001)
    log.append(f"end {n}")
"""


def run(lab: Lab, body: str) -> pytest.RunResult:
    lab.write(HEADER, body)
    return lab.run()


def test_sequential_runs_each_greenlet_to_completion(lab: Lab) -> None:
    result = run(
        lab,
        """
        def test_it(spawn):
            log = []
            assert current_mode() == "single"
            with run_mode("sequential") as record:
                assert current_mode() == "sequential"
                gevent.joinall([spawn(worker, log, n) for n in range(3)])
            assert current_mode() == "single"
            assert log == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]
            assert record.spawned == 3 and len(record.greenlets) == 3
        """,
    )
    result.assert_outcomes(passed=1)


def test_concurrent_interleaves(lab: Lab) -> None:
    result = run(
        lab,
        """
        def test_it(spawn):
            log = []
            with run_mode("concurrent") as record:
                assert current_mode() == "concurrent"
                gevent.joinall([spawn(worker, log, n) for n in range(3)])
            assert log[:3] == ["start 0", "start 1", "start 2"]
            assert record.spawned == 3
        """,
    )
    result.assert_outcomes(passed=1)


def test_pools_follow_the_mode(lab: Lab) -> None:
    result = run(
        lab,
        """
        def test_it(gevent_pool):
            log = []
            with run_mode("sequential") as record:
                pool = gevent_pool(10)
                for n in range(3):
                    pool.spawn(worker, log, n)
                pool.join()
            assert log == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]
            assert record.spawned == 3
        """,
    )
    result.assert_outcomes(passed=1)


def test_nested_spawn_joins_its_parents_turn(lab: Lab) -> None:
    result = run(
        lab,
        """
        @pytest.mark.timeout(10)
        def test_it(spawn):
            log = []
            def parent(n):
                log.append(f"parent {n}")
                spawn(worker, log, f"{n}.child").join()   # would deadlock if queued
                log.append(f"parent {n} done")
            with run_mode("sequential"):
                gevent.joinall([spawn(parent, 1), spawn(parent, 2)])
            assert log == [
                "parent 1", "start 1.child", "end 1.child", "parent 1 done",
                "parent 2", "start 2.child", "end 2.child", "parent 2 done",
            ]
        """,
    )
    result.assert_outcomes(passed=1)


def test_exit_kills_what_still_runs(lab: Lab) -> None:
    result = run(
        lab,
        """
        def test_it(spawn):
            with run_mode("concurrent") as record:
                spawn(gevent.sleep, 100)
                gevent.sleep(0)
            assert record.greenlets[0].dead
        """,
    )
    result.assert_outcomes(passed=1)


def test_unknown_mode_is_rejected(lab: Lab) -> None:
    result = run(
        lab,
        """
        def test_it():
            with pytest.raises(ValueError, match="expected 'sequential' or 'concurrent'"):
                with run_mode("parallel"):
                    pass
        """,
    )
    result.assert_outcomes(passed=1)
