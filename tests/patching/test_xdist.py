"""``pytest -n 2 --gevent-patch``: every worker fully patched, same results as serial."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

MIXED_RESULTS = """
    import socket
    import threading

    import gevent
    import gevent.monkey
    import pytest


    @pytest.mark.parametrize("n", range(4))
    def test_patched_worker(n):
        assert gevent.monkey.is_module_patched("threading")
        assert socket.socket.__module__.startswith("gevent")


    def test_greenlets_and_patched_threads_run():
        done = []
        thread = threading.Thread(target=lambda: done.append("thread"))
        thread.start()
        gevent.spawn(done.append, "greenlet").join()
        thread.join()
        assert sorted(done) == ["greenlet", "thread"]


    @pytest.mark.parametrize("n", range(2))
    def test_fails(n):
        assert n < 0
"""


def test_every_worker_patches_and_results_match_serial(lab: Lab) -> None:
    lab.write(MIXED_RESULTS)
    serial = lab.run_patched()
    serial.assert_outcomes(passed=5, failed=2)

    distributed = lab.run_patched("-n", "2", "--gevent-report=r.json")
    distributed.assert_outcomes(passed=5, failed=2)
    distributed.stdout.fnmatch_lines(
        [
            "gevent-lab: *; patching: off in this xdist controller (it runs no tests); "
            "every worker patches itself (--gevent-patch)",
            "*gevent-lab: patching in xdist workers*",
        ]
    )
    for worker in ("gw0", "gw1"):
        distributed.stdout.fnmatch_lines(
            [f"[[]{worker}[]] gevent-lab: *; patching: on in this xdist worker (--gevent-patch)"]
        )
    # and --gevent-report holds each worker's patching (here: an xdist run costs ~3 s)
    workers = lab.report("r.json")["patching in xdist workers"]
    assert sorted(workers) == ["gw0", "gw1"]
    assert "patching: on in this xdist worker" in workers["gw0"][0]


def test_workers_unpatched_without_the_flag(lab: Lab) -> None:
    lab.write(
        """
        import gevent.monkey

        def test_unpatched():
            assert not gevent.monkey.is_anything_patched()
        """
    )
    result = lab.run("-n", "2")  # in this process: nothing patches, the workers are fresh
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*gevent-lab: patching in xdist workers*")
