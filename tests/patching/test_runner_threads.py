"""The test runner's own threads stay threads: xdist roles, execnet, other plugins' threads."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

PATCHED_HERE = """
    import gevent.monkey

    def test_patched_in_this_process():
        assert gevent.monkey.is_module_patched("socket")
"""


@pytest.mark.parametrize("dist", ["--dist=loadfile", "--dist=load", "-n0"])
def test_dist_without_workers_runs_here_patched(lab: Lab, dist: str) -> None:
    # issue 10 item 3: --dist without -n runs the tests in this process, so it
    # must patch (it said "xdist controller" and ran them unpatched).
    lab.write(PATCHED_HERE)
    result = lab.run_patched(dist)
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


def test_a_conftest_that_patches_works_under_xdist(lab: Lab) -> None:
    # issue 16 item 3 (pytest-xdist issue 254): geventhttpclient's conftest
    # patches at import; under -n 2 the workers died in INTERNALERROR LoopExit.
    lab.conftest(SELF_PATCHING_CONFTEST)
    lab.write(SELF_PATCHED_TESTS)
    result = lab.run_subprocess("-n", "2")
    result.assert_outcomes(passed=2)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


TIMED_OUT = """
    import time

    def test_hangs_in_a_real_call():
        from gevent.monkey import get_original
        get_original("time", "sleep")(60)  # never yields: only a real thread can end it
"""


@pytest.mark.parametrize("patch", [(), ("--gevent-patch",)], ids=["unpatched", "patched"])
def test_pytest_timeout_thread_method_fires(lab: Lab, patch: tuple[str]) -> None:
    # issue 10 item 4: patched, its timer thread was a greenlet that never ran.
    lab.write(TIMED_OUT)
    result = lab.run_subprocess("-p", "timeout", "--timeout=0.5", "--timeout-method=thread", *patch)
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
    lab: Lab, skip: tuple[str]
) -> None:
    # issue 10 item 2: with pytest-xdist installed, pytest-rerunfailures serves its
    # status database from a thread; as a greenlet stuck in a real accept() it
    # hung the run at the first yield (sockets unpatched) or kept the hub alive.
    pytest.importorskip("pytest_rerunfailures")
    lab.write(YIELDS)
    result = lab.run_patched("-p", "rerunfailures", *skip)
    result.assert_outcomes(passed=2)


COPIES_MADE = """
    import sys

    def test_copies():
        made = [m.rpartition("_")[2] for m in sys.modules if m.startswith("_gevent_lab_native_")]
        print("copies:", ",".join(sorted(made)) or "none")
"""


# pytest-rerunfailures (where installed) serves from a thread only when xdist is registered
RERUNFAILURES = importlib.util.find_spec("pytest_rerunfailures") is not None


@pytest.mark.parametrize(
    ("plugins", "copies"),
    [
        (["-p", "no:timeout", "-p", "no:xdist"], "none"),
        (["-p", "timeout", "-p", "no:xdist"], "threading"),
        (["-p", "no:timeout", "-p", "xdist"], "socket,threading" if RERUNFAILURES else "none"),
    ],
)
def test_a_patched_run_copies_only_what_its_runner_threads_need(
    lab: Lab, plugins: list[str], copies: str
) -> None:
    # issue 15: a copy costs what importing its module did (socket's enums): ~14 M
    # instructions for the three, in a run whose plugins need none of them.
    lab.write(COPIES_MADE)
    result = lab.run_patched("-s", *plugins)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*copies: {copies}"])
