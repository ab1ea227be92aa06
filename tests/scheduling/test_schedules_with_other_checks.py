"""``gevent_schedules`` together with the plugin's other tools and run modes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab


def test_the_interleaving_log_and_the_sequencer_are_fresh_in_each_run(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.gevent_schedules(runs=30)
        def test_sequenced(interleaving, sequencer):
            def first():
                with sequencer(0):
                    interleaving.record("a1")
                gevent.sleep(0)
                with sequencer(2):
                    interleaving.record("a2")

            def second():
                with sequencer(1):
                    interleaving.record("b1")
                with sequencer(3):
                    interleaving.record("b2")

            gevent.joinall([gevent.spawn(second), gevent.spawn(first)], raise_error=True)
            # A sequencer forces its order under any schedule.
            interleaving.assert_order(["a1", "b1", "a2", "b2"])
        """
    )
    lab.run().assert_outcomes(passed=1)


def test_switch_trace_sees_the_explored_orders(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.gevent_schedules(runs=30, seed=2)
        def test_traced(switch_trace):
            with switch_trace() as trace:
                gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])
            with open("switches.txt", "a") as log:
                log.write(repr(trace.sequence) + "\\n")
        """
    )
    lab.run().assert_outcomes(passed=1)
    runs = (lab.path / "switches.txt").read_text().splitlines()
    assert len(runs) == 30
    assert len(set(runs)) > 1


def test_a_leak_is_reported_and_runs_do_not_leak_into_each_other(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.gevent_schedules(runs=10)
        def test_leaves_a_sleeper(spawn):
            spawn(gevent.sleep, 1000)
            gevent.sleep(0)

        def test_next():
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*LeakedGreenletError: leaked greenlet(s) from test *"])
    # Earlier runs' sleepers were killed after their run: only the last one leaked.
    assert lab.before_summary(result).count("sleep() spawned at") == 1


def test_virtual_time_and_schedules_together(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.gevent_virtual_time
        @pytest.mark.gevent_schedules(runs=20)
        def test_timeouts_in_virtual_seconds(gevent_clock):
            start = gevent_clock.time()
            with pytest.raises(gevent.Timeout):
                with gevent.Timeout(30):
                    gevent.sleep(60)
            assert gevent_clock.time() - start == 30
        """
    )
    lab.run().assert_outcomes(passed=1)


RACE_MODULE = """
import gevent
import pytest


@pytest.mark.gevent_schedules(runs=100)
def test_race():
    cache, fetches = {}, []

    def get(key):
        if key not in cache:
            fetches.append(key)
            gevent.sleep(0)
            cache[key] = 1

    def later():
        gevent.sleep(0)
        get("k")

    gevent.joinall([gevent.spawn(get, "k"), gevent.spawn(later)])
    assert fetches == ["k"]


@pytest.mark.gevent_schedules(runs=20)
def test_fine():
    gevent.joinall([gevent.spawn(gevent.sleep, 0) for _ in range(3)])
"""


def test_patched_in_a_subprocess(lab: Lab) -> None:
    lab.write(
        RACE_MODULE
        + """

@pytest.mark.gevent_schedules(runs=40)
def test_patched_sockets_explored():
    import socket
    import threading
    from gevent import monkey

    assert monkey.is_module_patched("socket")
    pairs = [socket.socketpair() for _ in range(3)]
    woke = []

    def reader(n, sock):
        sock.recv(1)
        woke.append(n)

    readers = [threading.Thread(target=reader, args=(n, b)) for n, (_, b) in enumerate(pairs)]
    for thread in readers:
        thread.start()
    gevent.sleep(0.001)
    for a, _ in pairs:
        a.sendall(b"x")
    for thread in readers:
        thread.join(10)
    for a, b in pairs:
        a.close()
        b.close()
    with open("orders.txt", "a") as orders:
        orders.write(" ".join(map(str, woke)) + "\\n")
"""
    )
    result = lab.run_patched()
    result.stdout.fnmatch_lines(["gevent-lab: *patching: on*"])  # the header line, unprefixed
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*gevent_schedules: run * of 100 failed*"])
    # Patched threads are greenlets, patched sockets gevent's: both are explored.
    orders = (lab.path / "orders.txt").read_text().splitlines()
    assert len(orders) == 40
    assert len(set(orders)) > 1


def test_in_xdist_workers(lab: Lab) -> None:
    lab.write(RACE_MODULE)
    result = lab.run_subprocess("-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    found = re.search(r"--gevent-schedule-seed=(\d+)", result.stdout.str())
    assert found is not None
    replay = lab.run_subprocess("-n", "2", f"--gevent-schedule-seed={found.group(1)}")
    replay.assert_outcomes(passed=1, failed=1)
    replay.stdout.fnmatch_lines(["*the replayed schedule failed*"])


def test_traces_draw_the_failing_and_a_passing_schedule(lab: Lab) -> None:
    lab.write(RACE_MODULE.replace("runs=100)", "runs=100, seed=3)"))
    result = lab.run("--gevent-trace=traces")
    result.assert_outcomes(passed=1, failed=1)
    pictures = list((lab.path / "traces").glob("*test_race*.svg"))
    assert len(pictures) == 1
    svg = pictures[0].read_text()
    assert "schedules: the first difference is at step" in svg
    assert re.search(r"run \d+, seed \d+: failed", svg)
    assert re.search(r"run \d+, seed \d+: passed", svg)
