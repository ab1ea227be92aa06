"""Beside pytest-timeout: both of its methods stop a stuck test, patched or not.

Each body is stuck for far longer than the limit but ends by itself
(``STUCK_FOR``), so a timeout that never fires shows as a passing inner test
instead of a hang; the margin (0.5 s limit, 15 s body) is wide enough for load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

pytest.importorskip("pytest_timeout")

STUCK = """
    import time

    import gevent

    STUCK_FOR = 15


    def test_stuck_in_a_cpu_loop():
        end = time.monotonic() + STUCK_FOR
        while time.monotonic() < end:
            pass


    def test_stuck_in_a_blocking_sleep():
        time.sleep(STUCK_FOR)


    def test_stuck_waiting_on_a_greenlet():
        gevent.spawn(gevent.sleep, STUCK_FOR).join()
"""
BODIES = ["test_stuck_in_a_cpu_loop", "test_stuck_in_a_blocking_sleep"]
BODIES += ["test_stuck_waiting_on_a_greenlet"]


@pytest.mark.parametrize("body", BODIES)
def test_signal_method_stops_a_stuck_test(lab: Lab, mode_args: tuple[str, ...], body: str) -> None:
    lab.write(STUCK)
    result = lab.run_isolated(*mode_args, "--timeout=0.5", "--timeout-method=signal", "-k", body)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failed: Timeout (>0.5s) from pytest-timeout.*"])


def _thread_method(lab: Lab, mode_args: tuple[str, ...], body: str) -> None:
    lab.write(STUCK)
    result = lab.run_isolated(*mode_args, "--timeout=0.5", "--timeout-method=thread", "-k", body)
    # The thread method dumps every stack and ends the process at once.
    result.stdout.fnmatch_lines(["*+ Timeout +*"])
    assert result.ret != 0


@pytest.mark.parametrize("body", BODIES)
def test_thread_method_stops_a_stuck_test_unpatched(lab: Lab, body: str) -> None:
    _thread_method(lab, (), body)


@pytest.mark.parametrize("body", ["test_stuck_waiting_on_a_greenlet"])
def test_thread_method_stops_a_test_that_yields_patched(lab: Lab, body: str) -> None:
    _thread_method(lab, ("--gevent-patch",), body)


@pytest.mark.parametrize("body", ["test_stuck_in_a_cpu_loop"])
def test_thread_method_stops_a_test_that_never_yields_patched(lab: Lab, body: str) -> None:
    _thread_method(lab, ("--gevent-patch",), body)
