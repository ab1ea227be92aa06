"""The virtual time bound's own timer is never reported as a timer the test left behind.

The leak check walks the loop's timer objects when a test leaves more watchers
active than it found; the bound is stopped only after that check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab


def test_a_deadline_loop_leaves_no_timer(lab: Lab) -> None:
    lab.write(
        """
        import time

        import gevent
        import pytest

        @pytest.mark.gevent_virtual_time
        def test_deadline_loop(gevent_clock):
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                gevent.sleep(0.5)
        """,
    )
    result = lab.run(*("-W", "error::pytest_gevent_lab.GreenletLeakWarning"))
    result.assert_outcomes(passed=1)
