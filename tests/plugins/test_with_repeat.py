"""Beside pytest-repeat: every repetition gets fresh fixtures, its own checks and claim entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

pytest.importorskip("pytest_repeat")

REPEATED = """
    import gevent
    import pytest


    @pytest.mark.claim("ordered", "the sequencer orders greenlets")
    def test_ordered(sequencer, interleaving, spawn, record_figure):
        def first():
            with sequencer(0):
                interleaving.record("0")
            with sequencer(2):
                interleaving.record("2")

        def second():
            with sequencer(1):
                interleaving.record("1")

        gevent.joinall([spawn(second), spawn(first)], raise_error=True)
        interleaving.assert_order(["0", "1", "2"])
        record_figure("events", len(interleaving.events))


    def test_lost_error():
        gevent.spawn(lambda: 1 / 0).join()
"""


def test_each_repetition_is_a_test_of_its_own(lab: Lab, mode_args: tuple[str, ...]) -> None:
    lab.write(REPEATED)
    result = lab.run_isolated(*mode_args, "--count=3", "--gevent-report=report.json")
    # Each repetition of the lost error fails on its own: the capture is per test.
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["*ZeroDivisionError*"])
    claims = lab.report()["claims"]
    assert sorted(entry["test"] for entry in claims) == [
        f"test_each_repetition_is_a_test_of_its_own.py::test_ordered[{n}-3]" for n in (1, 2, 3)
    ]
    assert {entry["verdict"] for entry in claims} == {"holds"}
    assert [[f["value"] for f in entry["figures"]] for entry in claims] == [[3], [3], [3]]
