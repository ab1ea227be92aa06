"""The test runner's own threads stay threads: xdist roles, execnet, other plugins' threads."""

from __future__ import annotations

import textwrap

import pytest

TIMEOUT = 120

PATCHED_HERE = """
    import gevent.monkey

    def test_patched_in_this_process():
        assert gevent.monkey.is_module_patched("socket")
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:randomly", *args, timeout=TIMEOUT)


@pytest.mark.parametrize("dist", ["--dist=loadfile", "--dist=load", "-n0"])
def test_dist_without_workers_runs_here_patched(pytester: pytest.Pytester, dist: str) -> None:
    # issue 10 item 3: --dist without -n runs the tests in this process, so it
    # must patch (it said "xdist controller" and ran them unpatched).
    pytester.makepyfile(textwrap.dedent(PATCHED_HERE))
    result = run(pytester, "--gevent-patch", dist)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["gevent-lab: *; patching: on (--gevent-patch)"])


SELF_PATCHING_CONFTEST = """
    import gevent.monkey
    gevent.monkey.patch_all()
"""

SELF_PATCHED_TESTS = """
    import threading

    import gevent
    import gevent.monkey

    def test_patched_by_the_conftest():
        assert gevent.monkey.is_module_patched("threading")

    def test_threads_are_greenlets():
        done = []
        thread = threading.Thread(target=done.append, args=("thread",))
        thread.start()
        thread.join()
        assert done == ["thread"]
"""


def test_a_conftest_that_patches_works_under_xdist(pytester: pytest.Pytester) -> None:
    # issue 16 item 3 (pytest-xdist issue 254): geventhttpclient's conftest
    # patches at import; under -n 2 the workers died in INTERNALERROR LoopExit.
    pytester.makeconftest(textwrap.dedent(SELF_PATCHING_CONFTEST))
    pytester.makepyfile(textwrap.dedent(SELF_PATCHED_TESTS))
    result = run(pytester, "-n", "2")
    result.assert_outcomes(passed=2)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


TIMED_OUT = """
    import time

    def test_hangs_in_a_real_call():
        from gevent.monkey import get_original
        get_original("time", "sleep")(60)  # never yields: only a real thread can end it
"""


@pytest.mark.parametrize("patch", [(), ("--gevent-patch",)], ids=["unpatched", "patched"])
def test_pytest_timeout_thread_method_fires(pytester: pytest.Pytester, patch: tuple[str]) -> None:
    # issue 10 item 4: patched, its timer thread was a greenlet that never ran.
    pytester.makepyfile(textwrap.dedent(TIMED_OUT))
    result = run(pytester, "-p", "timeout", "--timeout=1", "--timeout-method=thread", *patch)
    assert "Timeout" in result.stdout.str() + result.stderr.str()
    assert result.ret != 0


YIELDS = """
    import gevent
    import gevent.event
    import pytest
    from gevent.exceptions import LoopExit

    def test_yields():
        gevent.sleep(0)

    def test_nothing_left_to_run_ends_in_loop_exit():
        with pytest.raises(LoopExit):
            gevent.event.Event().wait()
"""


@pytest.mark.parametrize("skip", [(), ("--gevent-patch-skip=socket",)], ids=["full", "no-socket"])
def test_rerunfailures_status_server_does_not_hang_a_patched_run(
    pytester: pytest.Pytester, skip: tuple[str]
) -> None:
    # issue 10 item 2: with pytest-xdist installed, pytest-rerunfailures serves its
    # status database from a thread; as a greenlet stuck in a real accept() it
    # hung the run at the first yield (sockets unpatched) or kept the hub alive.
    pytest.importorskip("pytest_rerunfailures")
    pytester.makepyfile(textwrap.dedent(YIELDS))
    result = run(pytester, "-p", "rerunfailures", "--gevent-patch", *skip)
    result.assert_outcomes(passed=2)
