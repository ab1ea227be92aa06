"""The ``gevent_clock`` fixture: ``time()``, ``advance()``, ``autojump_threshold``, ``jumps``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

HEADER = """
import time
from time import monotonic as real_monotonic

import gevent
import pytest


def ticker(clock, ticks, period=1):
    while True:
        gevent.sleep(period)
        ticks.append(clock.time())
"""


def test_advance_fires_each_timer_at_its_own_instant(lab: Lab) -> None:
    lab.write(
        HEADER,
        """
        def test_a_ticker_ticks_once_per_second_of_advance(gevent_clock):
            start, ticks = gevent_clock.time(), []
            beating = gevent.spawn(ticker, gevent_clock, ticks)
            gevent_clock.advance(3.5)
            assert [tick - start for tick in ticks] == [1, 2, 3]
            assert gevent_clock.time() - start == 3.5
            assert time.monotonic() == gevent_clock.time()
            assert gevent_clock.jumps == 0  # advance() moved it, not the autojump
            gevent_clock.advance(0.5)
            assert [tick - start for tick in ticks] == [1, 2, 3, 4]
            beating.kill()

        def test_advance_zero_runs_what_can_run_now(gevent_clock):
            start, ran = gevent_clock.time(), []
            gevent.spawn(ran.append, "spawned")
            gevent.spawn_later(1, ran.append, "later")
            gevent_clock.advance(0)
            assert ran == ["spawned"] and gevent_clock.time() == start
            gevent_clock.advance(1)
            assert ran == ["spawned", "later"]

        @pytest.mark.gevent_virtual_time(autojump_threshold=3600)
        def test_with_a_long_threshold_only_advance_moves_the_clock(gevent_clock):
            # (a jump would wait an hour of real quiet first; advance() never waits)
            start, woke = gevent_clock.time(), []
            sleeper = gevent.spawn(lambda: woke.append(gevent.sleep(10) or gevent_clock.time()))
            gevent_clock.advance(9)
            assert woke == [] and not sleeper.dead
            gevent_clock.advance(1)
            assert woke == [start + 10] and sleeper.dead
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=3)


def test_advance_refuses_bad_calls(lab: Lab) -> None:
    lab.write(
        HEADER,
        """
        kept = []

        def test_bad_seconds(gevent_clock):
            with pytest.raises(ValueError, match="finite number of seconds >= 0 .*got -1"):
                gevent_clock.advance(-1)
            with pytest.raises(TypeError, match="expected a number of seconds, got '1'"):
                gevent_clock.advance("1")
            kept.append(gevent_clock)

        def test_from_the_hub(gevent_clock):
            errors = []

            def in_a_callback():
                try:
                    gevent_clock.advance(1)
                except RuntimeError as error:
                    errors.append(str(error))

            gevent.get_hub().loop.run_callback(in_a_callback)
            gevent.sleep(0)
            assert errors and "called from the hub" in errors[0]

        def test_two_at_once(gevent_clock):
            first = gevent.spawn(gevent_clock.advance, 5)
            gevent.sleep(0)
            with pytest.raises(RuntimeError, match="is already advancing the clock"):
                gevent_clock.advance(1)
            first.join()

        def test_after_its_test_ended():
            with pytest.raises(RuntimeError, match="this clock is not running"):
                kept[0].advance(1)
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=4)


def test_autojump_threshold_and_jumps(lab: Lab) -> None:
    lab.write(
        HEADER,
        """
        def test_each_jump_is_counted(gevent_clock):
            for _ in range(7):
                gevent.sleep(3)
            assert gevent_clock.jumps == 7

        def test_the_threshold_is_real_quiet_before_a_jump(gevent_clock):
            assert gevent_clock.autojump_threshold == 0
            gevent_clock.autojump_threshold = 0.2
            real_start = real_monotonic()
            gevent.sleep(10)
            # Not before 0.2 s of quiet (load can only lengthen it; timers may round 1 ms).
            assert real_monotonic() - real_start >= 0.19
            assert gevent_clock.jumps == 1

        @pytest.mark.parametrize("value", [-0.1, "0", None, float("nan")])
        def test_a_bad_threshold_is_refused(gevent_clock, value):
            with pytest.raises(ValueError, match="gevent_clock.autojump_threshold: autojump"):
                gevent_clock.autojump_threshold = value
            assert gevent_clock.autojump_threshold == 0
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=6)
