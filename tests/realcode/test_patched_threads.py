"""Patched threads stay threads: never killed as leaks; xdist and self-patching projects.

Issue 10 items 1 and 3, issue 16 item 3.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from plugins.isolated_run import run_isolated

if TYPE_CHECKING:
    from conftest import Lab

# The executor's workers start lazily, inside test_a, and must still serve test_b.
MODULE_LEVEL_EXECUTOR = """
    import concurrent.futures

    POOL = concurrent.futures.ThreadPoolExecutor(max_workers=2)


    def test_a():
        assert POOL.submit(lambda: 1).result(timeout=30) == 1


    def test_b():
        assert POOL.submit(lambda: 2).result(timeout=30) == 2
"""

# A library's daemon thread started by one test keeps working in the next.
BACKGROUND_THREAD = """
    import threading
    import time

    ticks = []


    def background():
        while True:
            ticks.append(1)
            time.sleep(0.01)


    def test_starts_a_background_thread():
        threading.Thread(target=background, daemon=True).start()
        time.sleep(0.05)
        assert ticks


    def test_the_thread_still_runs():
        before = len(ticks)
        time.sleep(0.2)
        assert len(ticks) > before
"""


@pytest.mark.parametrize("source", [MODULE_LEVEL_EXECUTOR, BACKGROUND_THREAD])
def test_patched_threads_run_without_the_plugin(lab: Lab, source: str) -> None:
    """The control: gevent's own patching launcher, this plugin off."""
    lab.write(source)
    # Not lab.run_isolated: the command is gevent.monkey's launcher, not pytest itself.
    result = run_isolated(
        [
            sys.executable,
            "-m",
            "gevent.monkey",
            "--module",
            "pytest",
            "-p",
            "no:gevent_lab",
            "-p",
            "no:randomly",
            f"--basetemp={lab.path / 'basetemp'}",
        ],
        cwd=lab.path,
    )
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    "source", [MODULE_LEVEL_EXECUTOR, BACKGROUND_THREAD], ids=["executor", "daemon-thread"]
)
def test_patched_threads_are_not_killed_as_leaks(lab: Lab, source: str) -> None:
    lab.write(source)
    result = lab.run_isolated("--gevent-patch")
    assert "GreenletLeakWarning" not in result.stdout.str(), result.stdout.str()
    result.assert_outcomes(passed=2)


IS_PATCHED = """
    import gevent.monkey

    def test_runs_patched():
        assert gevent.monkey.is_module_patched("socket")
"""


def test_dist_without_workers_still_patches(lab: Lab) -> None:
    pytest.importorskip("xdist")
    lab.write(IS_PATCHED)
    result = lab.run_isolated("--gevent-patch", "--dist", "loadfile")
    result.assert_outcomes(passed=1)


# geventhttpclient's tests/conftest.py does this.
SELF_PATCHING_CONFTEST = """
    import gevent.monkey

    gevent.monkey.patch_all()
"""
TWO_TESTS = """
    import gevent

    def test_one():
        gevent.sleep(0.01)

    def test_two():
        gevent.sleep(0.01)
"""


def _self_patching_project(lab: Lab) -> None:
    pytest.importorskip("xdist")
    lab.conftest(SELF_PATCHING_CONFTEST)
    lab.write(TWO_TESTS)


def test_self_patching_conftest_with_plugin_patching_under_xdist(lab: Lab) -> None:
    """What works today: the plugin patched first, and kept execnet on real threads."""
    _self_patching_project(lab)
    result = lab.run_isolated("-n", "2", "--gevent-patch")
    result.assert_outcomes(passed=2)


def test_self_patching_conftest_under_xdist(lab: Lab) -> None:
    _self_patching_project(lab)
    result = lab.run_isolated("-n", "2")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=2)
