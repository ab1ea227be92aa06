"""Virtual time together with the plugin's other checks: errors, leaks, the interleaving log."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab


def test_errors_of_virtual_timers_fail_the_test(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        pytestmark = pytest.mark.gevent_virtual_time

        def test_a_greenlet_woken_by_a_virtual_timer_dies():
            gevent.spawn_later(5, lambda: 1 / 0)
            gevent.sleep(10)

        def test_a_raw_timer_callback_raises():
            gevent.get_hub().loop.timer(5).start(lambda: {}["missing"])
            gevent.sleep(10)

        def test_the_next_test_is_clean(gevent_clock):
            gevent.sleep(10)
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "*GreenletError: *died with ZeroDivisionError: division by zero during call of "
            "*test_a_greenlet_woken_by_a_virtual_timer_dies*",
            "*GreenletError: *VirtualTimer* died with KeyError: 'missing' during call of "
            "*test_a_raw_timer_callback_raises*",
        ]
    )


def test_a_greenlet_left_sleeping_is_a_leak_and_never_wakes_later(
    lab: Lab,
) -> None:
    lab.write(
        """
        import gevent
        import pytest

        woke = []

        @pytest.mark.gevent_virtual_time
        def test_leaves_a_sleeper():
            gevent.spawn_later(100, woke.append, "spawn_later")
            gevent.spawn(lambda: gevent.sleep(100) or woke.append("sleep"))
            gevent.sleep(0)

        def test_after_it():
            gevent.sleep(0.05)
            assert woke == []
        """,
    )
    result = lab.run(*("-W", "error::pytest_gevent_lab.GreenletLeakWarning"))
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*GreenletLeakWarning: *::test_leaves_a_sleeper: greenlet(s) started with plain*killed*"]
    )


def test_interleaving_events_carry_virtual_times(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest

        @pytest.mark.gevent_virtual_time
        def test_times(interleaving, gevent_clock):
            def worker(name, seconds):
                gevent.sleep(seconds)
                interleaving.record(name)

            start = gevent_clock.time()
            gevent.joinall([gevent.spawn(worker, "slow", 20), gevent.spawn(worker, "fast", 10)])
            interleaving.assert_order(["fast", "slow"])
            assert [event.time - start for event in interleaving.events] == [10, 20]
        """
    )
    result = lab.run()
    result.assert_outcomes(passed=1)


def test_hub_blocking_is_still_measured_in_real_time(lab: Lab) -> None:
    lab.write(
        """
        import gevent
        import pytest
        from gevent.monkey import get_original

        @pytest.mark.gevent_virtual_time
        @pytest.mark.gevent_block_threshold(0.05)
        def test_blocks(spawn):
            spawn(get_original("time", "sleep"), 0.3)
            gevent.sleep(1)
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)


def test_the_virtual_time_bound_is_not_a_leftover_timer_of_a_busy_test(
    lab: Lab,
) -> None:
    # Thousands of switches make the leak check walk the heap for timers the
    # test left; the plugin's own bound timer (stopped after it) is not one.
    lab.write(
        """
        import time
        import gevent
        import pytest

        @pytest.mark.gevent_virtual_time
        def test_polls_for_an_hour():
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                gevent.sleep(0.5)

        @pytest.mark.gevent_virtual_time
        def test_leaves_a_timer():
            for _ in range(3000):
                gevent.sleep(0)
            gevent.get_hub().loop.timer(50).start(lambda: None)
        """,
    )
    result = lab.run(*("-W", "error::pytest_gevent_lab.GreenletLeakWarning"))
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*GreenletLeakWarning: *::test_leaves_a_timer: timer(s) started during the test*(1)*"]
    )
    result.stdout.no_fnmatch_line("*_expire*")
