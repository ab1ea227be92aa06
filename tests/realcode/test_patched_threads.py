"""Patched threads stay threads: never killed as leaks; xdist and self-patching projects.

Issue 10 items 1 and 3, issue 16 item 3.
"""

from __future__ import annotations

import sys
from textwrap import dedent

import pytest
from plugins.isolated_run import RunProject, run_isolated

# The executor's workers start lazily, inside test_a, and must still serve test_b.
MODULE_LEVEL_EXECUTOR = """
    import concurrent.futures

    POOL = concurrent.futures.ThreadPoolExecutor(max_workers=2)


    def test_a():
        assert POOL.submit(lambda: 1).result(timeout=5) == 1


    def test_b():
        assert POOL.submit(lambda: 2).result(timeout=5) == 2
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
def test_patched_threads_run_without_the_plugin(pytester: pytest.Pytester, source: str) -> None:
    """The control: gevent's own patching launcher, this plugin off."""
    pytester.makepyfile(dedent(source))
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
            f"--basetemp={pytester.path / 'basetemp'}",
        ],
        cwd=pytester.path,
    )
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    "source", [MODULE_LEVEL_EXECUTOR, BACKGROUND_THREAD], ids=["executor", "daemon-thread"]
)
def test_patched_threads_are_not_killed_as_leaks(
    pytester: pytest.Pytester, run_project: RunProject, source: str
) -> None:
    pytester.makepyfile(dedent(source))
    result = run_project("--gevent-patch")
    assert "GreenletLeakWarning" not in result.stdout.str(), result.stdout.str()
    result.assert_outcomes(passed=2)


IS_PATCHED = """
    import gevent.monkey

    def test_runs_patched():
        assert gevent.monkey.is_module_patched("socket")
"""


def test_dist_without_workers_still_patches(
    pytester: pytest.Pytester, run_project: RunProject
) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(dedent(IS_PATCHED))
    result = run_project("--gevent-patch", "--dist", "loadfile")
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


def _self_patching_project(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makeconftest(dedent(SELF_PATCHING_CONFTEST))
    pytester.makepyfile(dedent(TWO_TESTS))


def test_self_patching_conftest_with_plugin_patching_under_xdist(
    pytester: pytest.Pytester, run_project: RunProject
) -> None:
    """What works today: the plugin patched first, and kept execnet on real threads."""
    _self_patching_project(pytester)
    result = run_project("-n", "2", "--gevent-patch")
    result.assert_outcomes(passed=2)


def test_self_patching_conftest_under_xdist(
    pytester: pytest.Pytester, run_project: RunProject
) -> None:
    _self_patching_project(pytester)
    result = run_project("-n", "2")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=2)
