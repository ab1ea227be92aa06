"""--gevent-block-threshold and blocking.watch(): real blocked intervals, with the stack."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

BLOCKER = """
import gevent, pytest
from gevent.monkey import get_original

real_sleep = get_original("time", "sleep")

def blocks_the_hub(seconds):
    real_sleep(seconds)   # an unpatched blocking call inside a greenlet
"""

BLOCKS_OVER_THRESHOLD = """
    @pytest.mark.gevent_block_threshold(0.05)
    def test_blocks(spawn):
        spawn(blocks_the_hub, 0.25).join()
"""


def test_blocking_over_the_threshold_fails_with_the_stack(lab: Lab) -> None:
    lab.write(BLOCKER, BLOCKS_OVER_THRESHOLD)
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*HubBlockedError: *::test_blocks: a greenlet blocked the gevent hub for * s"
            " (threshold 0.05 s)*",
            "*in blocks_the_hub*",
            "*real_sleep(seconds)*",
        ]
    )
    # The whole 0.25 s block, at least; a loaded machine may add to it, never take away.
    blocked = re.search(r"blocked the gevent hub for ([0-9.]+) s", result.stdout.str())
    assert blocked is not None
    assert float(blocked.group(1)) >= 0.25


def test_blocking_under_the_threshold_passes(lab: Lab) -> None:
    lab.write(
        BLOCKER,
        """
        def test_blocks_briefly(spawn):
            spawn(blocks_the_hub, 0.1).join()
        """,
    )
    lab.run("--gevent-block-threshold=5").assert_outcomes(passed=1)
    # the same block over the flag's threshold: the flag is what decided
    result = lab.run("--gevent-block-threshold=0.05")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*HubBlockedError: *(threshold 0.05 s)*"])


def test_main_greenlet_work_alone_is_not_blocking(lab: Lab) -> None:
    lab.ini("gevent_block_threshold = 0.05")
    lab.write(
        BLOCKER,
        """
        def test_busy_main(spawn):
            spawn(gevent.sleep, 0).join()   # the hub runs, nothing else waits
            real_sleep(0.2)                 # ordinary (slow) test work
            gevent.sleep(0)

        def test_a_greenlet_blocks(spawn):  # the ini's threshold is in force
            spawn(blocks_the_hub, 0.1).join()
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*HubBlockedError: *::test_a_greenlet_blocks: *(threshold 0.05 s)*"]
    )


def test_watch_measures_the_real_interval(lab: Lab) -> None:
    lab.write(
        BLOCKER,
        """
        from pytest_gevent_lab import watch

        def test_watch(spawn):
            with watch(0.01) as seen:
                spawn(blocks_the_hub, 0.15).join()
            # the measured time, not the threshold
            assert seen.longest >= 0.15
            assert "blocks_the_hub" in seen.stack
        """,
    )
    lab.run().assert_outcomes(passed=1)


def test_a_greenlet_running_a_c_function_is_named_with_its_spawn_site(
    lab: Lab,
) -> None:
    # time.sleep run directly by the greenlet: no Python frame for the sampler to show
    lab.write(
        """
        import time, pytest

        @pytest.mark.gevent_block_threshold(0.05)
        def test_blocks(spawn):
            spawn(time.sleep, 0.25).join()
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*HubBlockedError: *::test_blocks: a greenlet blocked the gevent hub*",
            "*Blocking greenlet: sleep() spawned at *_spawn_site.py:5 "
            "(<Greenlet at *sleep*(0.25)>)",
            "*no Python stack: the greenlet was running a C function directly*",
            "*run with --gevent-patch*",
        ]
    )
    result.stdout.no_fnmatch_line("*no stack sample caught*")


@pytest.mark.timeout(120)
def test_patched_run_advice_does_not_say_to_patch(lab: Lab) -> None:
    lab.write(BLOCKER, BLOCKS_OVER_THRESHOLD)
    result = lab.run_patched()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*HubBlockedError: *", "*The run is monkey-patched, so the blocking call is in a C ext*"]
    )
    result.stdout.no_fnmatch_line("*run with --gevent-patch*")
