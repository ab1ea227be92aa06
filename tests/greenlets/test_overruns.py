"""Time a test spent without yielding still counts: gevent timeouts and hub-blocking checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab


def test_a_gevent_timeout_fails_a_body_that_overran_without_yielding(lab: Lab) -> None:
    # issue 10 item 7: callbacks run before timers, so a body that blocked or
    # computed past its limit, then yielded once, passed.
    lab.write(
        """
        import time
        import gevent, pytest
        from gevent.monkey import get_original

        @pytest.mark.gevent_timeout(0.2)
        def test_blocks_then_yields():
            get_original("time", "sleep")(0.5)
            gevent.sleep(0)

        @pytest.mark.gevent_timeout(0.2)
        def test_computes_then_yields():
            end = time.perf_counter() + 0.5
            while time.perf_counter() < end:
                pass
            gevent.sleep(0)

        @pytest.mark.gevent_timeout(30)
        def test_within_its_limit():
            gevent.sleep(0.01)

        def test_the_loop_then_rests_a_while():
            gevent.sleep(0)
            get_original("time", "sleep")(0.3)  # libev's cached now() goes stale

        @pytest.mark.gevent_timeout(0.2)
        def test_a_quick_test_after_the_rest():
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=3, failed=2)
    # Which message depends on whether the loop, at the one yield, ran the
    # overdue timer before the body's own wake-up (load decides): "the test ran
    # for ... and never let the timeout fire", or "the test was still waiting".
    result.stdout.fnmatch_lines(
        [
            "*GeventTimeout: gevent timeout after 0.2 s in *::test_blocks_then_yields: the test *",
            "*GeventTimeout: gevent timeout after 0.2 s in *::test_computes_then_yields*",
        ]
    )


def test_a_block_before_the_first_yield_is_caught(lab: Lab) -> None:
    # issue 10 item 8: a module fixture's ticker waits in the hub while the
    # test's first statement blocks; nothing had switched yet, so it was missed.
    lab.write(
        """
        import gevent, pytest
        from gevent.monkey import get_original

        @pytest.fixture(scope="module")
        def ticker():
            g = gevent.spawn(lambda: [gevent.sleep(0.01) for _ in iter(int, 1)])
            gevent.sleep(0)
            yield
            g.kill()

        @pytest.mark.gevent_block_threshold(0.1)
        def test_blocks_first(ticker):
            get_original("time", "sleep")(0.3)
            gevent.sleep(0)
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*HubBlockedError: *::test_blocks_first: a greenlet blocked the gevent hub for *"]
    )


def test_a_cpu_loop_gets_cpu_advice_not_patching_advice(lab: Lab) -> None:
    # issue 10 item 8: the advice named a C extension or an unpatched module.
    lab.write(
        """
        import time
        import gevent, pytest

        def compute():
            end = time.thread_time() + 0.3
            while time.thread_time() < end:
                pass

        @pytest.mark.gevent_block_threshold(0.1)
        def test_computes(spawn):
            gevent.joinall([spawn(compute), spawn(gevent.sleep, 0.01)])
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*The greenlet was computing, not waiting (on a CPU *"])
    result.stdout.no_fnmatch_line("*monkey-patched*")
