"""gevent_timeout, the hub-blocking check and marker errors (issue 10 items 7, 8 and 11)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

OVERRUNS = """
    import time

    import gevent
    import pytest

    STUCK_FOR = 1.0


    @pytest.mark.gevent_timeout(0.2)
    def test_blocking_sleep_then_yield():
        time.sleep(STUCK_FOR)
        gevent.sleep(0)


    @pytest.mark.gevent_timeout(0.2)
    def test_cpu_loop_then_yield():
        end = time.monotonic() + STUCK_FOR
        while time.monotonic() < end:
            pass
        gevent.sleep(0)
"""


def test_gevent_timeout_fails_a_test_that_overran(lab: Lab) -> None:
    lab.write(OVERRUNS)
    result = lab.run_isolated()
    result.assert_outcomes(failed=2)


BLOCKS_BEFORE_FIRST_YIELD = """
    import time

    import gevent
    import pytest


    @pytest.fixture(scope="module")
    def ticker():
        # a greenlet parked in the hub, as a module fixture's background job is
        g = gevent.spawn(lambda: [gevent.sleep(0.01) for _ in iter(int, 1)])
        gevent.sleep(0)
        yield
        g.kill()


    @pytest.mark.gevent_block_threshold(0.1)
    def test_blocks_first(ticker):
        time.sleep(0.3)  # unpatched: blocks the hub before the test ever yields
        gevent.sleep(0)
"""


def test_block_before_the_first_yield_is_caught(lab: Lab) -> None:
    lab.write(BLOCKS_BEFORE_FIRST_YIELD)
    result = lab.run_isolated()
    result.assert_outcomes(failed=1)


NEGATIVE_TIMEOUT_ON_UNITTEST = """
    import unittest

    import pytest


    class TestCase(unittest.TestCase):
        @pytest.mark.gevent_timeout(-5)
        def test_method(self):
            pass
"""


def test_bad_marker_on_a_unittest_method_is_a_collection_error(lab: Lab) -> None:
    lab.write(NEGATIVE_TIMEOUT_ON_UNITTEST)
    result = lab.run_isolated()
    text = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in text, text
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*gevent_timeout*-5*"])
