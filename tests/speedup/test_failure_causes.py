"""What a failed concurrent_speedup says: nested spawns, inconclusive rounds, timeouts.

Each body's outcome is decided by construction (which greenlets take turns,
which runs are made slow on purpose), not by the machine's speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

NESTED_FAN_OUT = """
    import gevent
    import pytest

    @pytest.mark.concurrent_speedup(min_speedup=2)
    def test_handler(spawn):
        def handler():
            gevent.joinall([spawn(gevent.sleep, 0.02) for _ in range(5)], raise_error=True)
        spawn(handler).get()
"""


def test_a_fan_out_inside_a_tracked_greenlet_takes_turns(lab: Lab) -> None:
    # The five are the handler's children: they take turns among themselves in
    # the sequential run (100 ms), and overlap in the concurrent one (20 ms).
    lab.write(NESTED_FAN_OUT)
    lab.run().assert_outcomes(passed=1)


def test_a_fan_out_inside_a_plain_greenlet_takes_turns(lab: Lab) -> None:
    lab.write(NESTED_FAN_OUT.replace("spawn(handler).get()", "gevent.spawn(handler).get()"))
    lab.run().assert_outcomes(passed=1)


def test_a_spawner_waiting_beside_its_child_is_named_as_the_cause(lab: Lab) -> None:
    # A child runs beside its spawner in the sequential run too: the handler's
    # own 20 ms wait overlaps its child's in both runs (a true 1.0x).
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.concurrent_speedup(min_speedup=2)
        def test_handler():
            def handler():
                child = gevent.spawn(gevent.sleep, 0.02)
                gevent.sleep(0.02)
                child.get()
            gevent.spawn(handler).get()
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "hint: 1 of the 2 greenlets of each run were started by other greenlets, not by the "
            "test body. The sequential run makes the greenlets of one spawner take turns*but "
            "each runs beside the greenlet that started it: whatever a spawner waits on while "
            "its child runs*overlaps in the sequential run too*"
        ]
    )
    result.stdout.no_fnmatch_line("*the greenlets waited for each other*")


def test_rounds_that_never_settle_fail_as_inconclusive_with_their_spread(
    lab: Lab,
) -> None:
    # Two concurrent runs in five are made slower than any sequential one:
    # the medians show 4x, but 40 % of the concurrent rounds on the wrong side
    # is more than the rank test can call noise, in 5 rounds or in 15.
    lab.write(
        """
        import gevent
        import pytest

        RUNS = []

        @pytest.mark.concurrent_speedup(warmup=0)
        def test_unsettled(spawn, gevent_mode):
            if gevent_mode == "concurrent":
                RUNS.append(1)
                if len(RUNS) % 5 in (1, 3):
                    gevent.sleep(0.03)
            gevent.joinall([spawn(gevent.sleep, 0.003) for _ in range(4)])
        """
    )
    result = lab.run("--gevent-report=report.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "concurrent_speedup: the concurrent run was not faster by the required ratio beyond "
            "noise",
            "  inconclusive: after 15 timed pairs, the most this test runs (3 x rounds), the "
            "rounds vary too much to tell: the medians show *x but the spread of the rounds "
            "(sequential +/-*%, concurrent +/-*% around their medians) supports less",
            "*rounds:     15 timed pairs after 0 warmup pair(s) (the first 5 left it undecided*",
            "*::test_unsettled * fail (inconclusive)",
        ]
    )
    (entry,) = lab.report()["speedup"]
    assert (entry["verdict"], entry["inconclusive"]) == ("fail", True)


def test_a_clear_failure_is_not_called_inconclusive(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.concurrent_speedup(min_speedup=8)
        def test_fan_out(spawn):
            gevent.joinall([spawn(gevent.sleep, 0.003) for _ in range(4)])
        """
    )
    result = lab.run("--gevent-report=report.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["concurrent_speedup: the concurrent run was not faster*"])
    result.stdout.no_fnmatch_line("  inconclusive:*")
    result.stdout.no_fnmatch_line("*fail (inconclusive)*")
    (entry,) = lab.report()["speedup"]
    assert entry["inconclusive"] is False


def test_a_gevent_timeout_says_it_covers_all_runs_together(lab: Lab) -> None:
    # Each run takes about 20 ms alone (100 ms sequentially): the 12 runs of
    # one call cannot fit in 0.5 s, though any single run would.
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.gevent_timeout(0.5)
        @pytest.mark.concurrent_speedup
        def test_fan_out(spawn):
            gevent.joinall([spawn(gevent.sleep, 0.02) for _ in range(5)])
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*GeventTimeout: gevent timeout after 0.5 s*",
            "*concurrent_speedup: raised in the * run of * The gevent timeout (0.5 s) covers "
            "the test's whole call, every run of the body together, not each run: * run(s) had "
            "taken * when it expired. A marked test calls its body 12 times, up to 32 when the "
            "verdict needs more rounds; give it a limit that covers them all*",
        ]
    )
