"""The greenlet checks in a monkey-patched run (a subprocess: patching cannot be undone)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


@pytest.mark.timeout(120)
def test_checks_in_a_patched_run(lab: Lab) -> None:
    lab.write(
        """
        import time
        import gevent, pytest
        from gevent.monkey import get_original

        def explode():
            raise ValueError("patched kaboom")

        def test_lost_exception_fails(spawn):
            spawn(explode).join()

        def test_leak_is_reported(spawn):
            spawn(time.sleep, 100)   # patched: a cooperative sleep
            time.sleep(0)

        @pytest.mark.gevent_block_threshold(0.05)
        def test_patched_sleep_does_not_block(spawn):
            spawn(time.sleep, 0.2).join()

        @pytest.mark.gevent_block_threshold(0.05)
        def test_original_sleep_blocks(spawn):
            def blocker():
                get_original("time", "sleep")(0.2)
            spawn(blocker).join()

        @pytest.mark.gevent_timeout(0.05)
        def test_timeout_in_patched_io(spawn):
            spawn(time.sleep, 100).join()
        """
    )
    result = lab.run_patched()
    # error: the leak (the greenlet the timed-out test waited on is killed on expiry)
    result.assert_outcomes(passed=2, failed=3, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            "*patching: on*",
            "*GreenletError: *explode()*during call of *::test_lost_exception_fails*",
            "*LeakedGreenletError: leaked greenlet(s) from test *::test_leak_is_reported*",
            "*HubBlockedError: *::test_original_sleep_blocks: a greenlet blocked the gevent hub*",
            "*GeventTimeout: gevent timeout after 0.05 s in *::test_timeout_in_patched_io*",
        ]
    )
    assert "test_patched_sleep_does_not_block" not in result.stdout.str()
