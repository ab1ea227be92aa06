"""Whose greenlet is it: only the owner is blamed, lifetimes are not changed, forks are left alone.

DESIGN.md, "Whose greenlet is it": a greenlet belongs to the test, fixture or
greenlet that was running when it was spawned; greenlets spawned at import or
collection belong to no test; a greenlet backing a thread is a thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from child_processes import WAIT_FOR_CHILD

if TYPE_CHECKING:
    from conftest import Lab


FORKED_CHILD = """
    import os, gevent

    def boom():
        raise ValueError("died in the child")

    def test_child_greenlet_error_is_visible(capfd):
        pid = {fork}
        if pid == 0:
            gevent.spawn(boom).join()
            os._exit(0)
        wait_for(pid)
        assert "ValueError: died in the child" in capfd.readouterr().err

    def test_the_parent_is_still_watched(spawn):
        spawn(boom).join()
"""


@pytest.mark.parametrize("fork", ["os.fork()", "gevent.fork()"])
@pytest.mark.parametrize("patched", [False, True], ids=["unpatched", "patched"])
def test_a_forked_child_reports_its_greenlet_errors_as_gevent_does(
    lab: Lab, fork: str, patched: bool
) -> None:
    # issue 16 item 1 (found through gipc): the child inherited the parent's
    # per-test capture and printed nothing.
    lab.write(WAIT_FOR_CHILD, FORKED_CHILD.replace("{fork}", fork))
    result = lab.run_patched() if patched else lab.run_subprocess()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED *::test_the_parent_is_still_watched*"])


def test_a_finished_greenlet_is_not_kept_alive(lab: Lab) -> None:
    # issue 16 item 2: the leak check must not change object lifetimes.
    lab.write(
        """
        import gc, weakref
        import gevent

        class Value:
            pass

        def test_finished_greenlet_is_collectable():
            g = gevent.spawn(Value)
            g.join()
            greenlet, value = weakref.ref(g), weakref.ref(g.value)
            del g
            gevent.sleep(0)  # gevent itself lets go of it in the next loop iteration
            gc.collect()
            assert greenlet() is None and value() is None

        def test_finished_tracked_greenlet_is_collectable(spawn, gevent_pool):
            for start in (spawn, gevent_pool(2).spawn):
                g = start(Value)
                g.join()
                greenlet, value = weakref.ref(g), weakref.ref(g.value)
                del g
                gevent.sleep(0)
                gc.collect()
                assert greenlet() is None and value() is None
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2)


def test_threads_of_a_patched_run_are_never_killed_as_leaks(lab: Lab) -> None:
    # issue 10 item 1: a module-level executor's workers start lazily in test_a.
    lab.write(
        """
        import concurrent.futures, threading, time

        EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=2)
        STOP = threading.Event()
        BACKGROUND = []

        def test_a():
            assert EXECUTOR.submit(lambda: 1).result(timeout=30) == 1

            def loop():
                while not STOP.wait(0.01):
                    pass

            thread = threading.Thread(target=loop, daemon=True, name="library-thread")
            thread.start()
            BACKGROUND.append(thread)

        def test_b():
            assert EXECUTOR.submit(lambda: 2).result(timeout=30) == 2
            assert BACKGROUND[0].is_alive()
            STOP.set()
            BACKGROUND[0].join(timeout=30)
            EXECUTOR.shutdown(wait=True)
        """,
    )
    result = lab.run_patched("-W", "error::pytest_gevent_lab.GreenletLeakWarning")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*GreenletLeakWarning*")


def test_a_greenlet_that_ignores_its_kill_is_reported_once(lab: Lab) -> None:
    # issue 10 item 9: it was re-reported (and waited for) in every later test.
    lab.write(
        """
        import gevent, pytest

        STOP, STUBBORN = [], []

        def stubborn():
            while not STOP:
                try:
                    gevent.sleep(0.01)
                except gevent.GreenletExit:
                    pass

        def test_leaves_a_stubborn_greenlet():
            STUBBORN.append(gevent.spawn(stubborn))
            gevent.sleep(0)

        def test_later_one():
            gevent.sleep(0.02)

        def test_and_another():
            gevent.sleep(0.02)
            STOP.append(True)
            STUBBORN[0].join(1)
        """,
    )
    result = lab.run(*("-W", "default"))
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(["*::test_leaves_a_stubborn_greenlet: greenlet(s) started*"])
    assert lab.before_summary(result).count("refused to die") == 1


def test_a_greenlet_spawned_at_import_is_not_blamed_on_a_test(lab: Lab) -> None:
    # issue 10 item 9: it failed the first test that yielded, in another file.
    lab.write(
        """
        import gevent

        def late():
            gevent.sleep(0.05)
            raise ValueError("spawned at import")

        gevent.spawn(late)
        """,
        name="background",
    )
    lab.write("import background\n\ndef test_imports():\n    pass\n", name="test_a")
    lab.write("import gevent\n\ndef test_yields():\n    gevent.sleep(0.2)\n", name="test_b")
    result = lab.run_subprocess()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*gevent-lab: greenlet errors no test could be blamed for*",
            "*late() spawned at *background.py:* died with ValueError: spawned at import "
            "while test_b.py::test_yields ran; it belongs to no test (spawned at import or "
            "collection)*",
        ]
    )


def test_a_timer_started_by_one_test_does_not_fire_in_the_next(lab: Lab) -> None:
    # issue 10 item 9: a gevent.Timeout left started by test N fired inside test N+1.
    lab.write(
        """
        import gevent

        def test_leaves_a_timeout_started():
            gevent.Timeout.start_new(0.05)

        def test_leaves_a_raw_timer_started():
            gevent.get_hub().loop.timer(0.05).start(lambda: 1 / 0)

        def test_next_one_sleeps_past_them():
            gevent.sleep(0.2)
        """,
    )
    result = lab.run(*("-W", "default"))
    result.assert_outcomes(passed=3, warnings=2)
    result.stdout.fnmatch_lines(
        [
            "*::test_leaves_a_timeout_started: timer(s) started during the test were still "
            "pending and were stopped (1)*",
            "*<Timeout at * seconds=0.05 pending> (gevent.Timeout started and never cancelled)*",
            "*::test_leaves_a_raw_timer_started: timer(s) started during the test*",
            "*timer calling <function test_leaves_a_raw_timer_started.<locals>.<lambda>*",
        ]
    )


def test_timers_of_a_wider_fixture_keep_running(lab: Lab) -> None:
    # The leftover check stops the test's timers, never a fixture greenlet's sleep.
    lab.write(
        """
        import gevent
        import pytest

        @pytest.fixture(scope="module")
        def ticker():
            ticks = []

            def tick():
                while True:
                    ticks.append(1)
                    gevent.sleep(0.001)

            g = gevent.spawn(tick)
            yield ticks
            g.kill()

        def test_leaves_a_raw_timer_beside_the_ticker(ticker):
            gevent.get_hub().loop.timer(30).start(lambda: None)
            gevent.get_hub().loop.timer(30).start(lambda: None)
            gevent.sleep(0.01)

        def test_the_ticker_still_ticks(ticker):
            before = len(ticker)
            gevent.sleep(0.2)
            assert len(ticker) > before
        """,
    )
    # A fresh interpreter: timers earlier in-process runs left in this
    # process's hub would be counted as this test's.
    result = lab.run_subprocess("-W", "default")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(["*timer(s) started during the test were still pending*(2)*"])


def test_gevent_still_prints_an_error_it_reports(lab: Lab) -> None:
    # issue 10 item 18: code under test may assert on gevent's own report
    # (geventhttpclient's test_verify_self_signed_fail does).
    lab.write(
        """
        import gevent

        def boom():
            raise ValueError("printed by gevent")

        def test_reads_gevent_output(capsys):
            g = gevent.spawn(boom)
            g.join()
            err = capsys.readouterr().err
            assert "ValueError: printed by gevent" in err
            assert "failed with ValueError" in err  # not retrieved: the test still fails

        def test_error_reported_in_the_phase_it_happened_in():
            gevent.spawn(boom).join()
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*boom() spawned at *died with ValueError: printed by gevent during call of "
            "*::test_reads_gevent_output*",
        ]
    )
    result.stdout.no_fnmatch_line("*AssertionError*")


def test_a_module_fixture_greenlet_error_fails_the_fixture_not_the_test(lab: Lab) -> None:
    # Only the owner is blamed: the fixture's greenlet dies while a test runs.
    lab.write(
        """
        import gevent, pytest

        def dies_later():
            gevent.sleep(0.01)
            raise ValueError("the fixture's greenlet")

        @pytest.fixture(scope="module")
        def background():
            g = gevent.spawn(dies_later)
            yield g

        def test_innocent(background):
            gevent.sleep(0.05)

        def test_also_innocent(background):
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_also_innocent*",
            "*GreenletError: dies_later() spawned at *died with ValueError: the fixture's "
            "greenlet during call of *::test_innocent "
            "(it belongs to fixture 'background' (module scope))*",
        ]
    )
