"""Beside pytest-rerunfailures (with pytest-xdist installed): no hang, one claim entry per test.

With xdist installed, rerunfailures starts a status server in every pytest
process, `-n` or not: a listening socket on 127.0.0.1 and a
``threading.Thread`` blocked in its ``accept()``. Patched, that thread is a
greenlet (issue 10 item 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

pytest.importorskip("pytest_rerunfailures")
pytest.importorskip("xdist")

# Each run takes a few seconds; a hang costs this long.
HANG_TIMEOUT = 45

PASSING = """
    import gevent

    def test_greenlet(spawn):
        assert spawn(lambda: 1).get() == 1
"""

WAITS_FOREVER = """
    import gevent
    import gevent.event
    import pytest
    from gevent.exceptions import LoopExit


    def test_waiting_on_nothing_is_a_loop_exit():
        with pytest.raises(LoopExit):
            gevent.event.Event().wait()
"""


def test_plain_run_with_reruns(lab: Lab) -> None:
    lab.write(PASSING)
    result = lab.run_isolated("--reruns=1", timeout=HANG_TIMEOUT)
    result.assert_outcomes(passed=1)


def test_patched_run(lab: Lab) -> None:
    lab.write(PASSING)
    result = lab.run_isolated("--gevent-patch", timeout=HANG_TIMEOUT)
    result.assert_outcomes(passed=1)


def test_patched_run_with_socket_unpatched_does_not_hang(lab: Lab) -> None:
    lab.write(PASSING)
    result = lab.run_isolated("--gevent-patch", "--gevent-patch-skip=socket", timeout=HANG_TIMEOUT)
    result.assert_outcomes(passed=1)


def test_patched_loop_exit_still_happens(lab: Lab) -> None:
    lab.write(WAITS_FOREVER)
    result = lab.run_isolated("--gevent-patch", timeout=HANG_TIMEOUT)
    result.assert_outcomes(passed=1)


def test_unpatched_loop_exit_control(lab: Lab) -> None:
    """The same body unpatched: rerunfailures' real thread does not touch the hub."""
    lab.write(WAITS_FOREVER)
    result = lab.run_isolated(timeout=HANG_TIMEOUT)
    result.assert_outcomes(passed=1)


# The first attempt fails, the second passes (a counter in a file survives the rerun).
FLAKY_CLAIM = """
    import pathlib

    import pytest

    @pytest.mark.claim("flaky", "passes on its second attempt")
    def test_flaky(record_figure):
        counter = pathlib.Path("attempts")
        attempt = int(counter.read_text()) + 1 if counter.exists() else 1
        counter.write_text(str(attempt))
        record_figure("attempt", attempt)
        assert attempt >= 2

    @pytest.mark.claim("never", "fails on every attempt")
    def test_never(record_figure):
        record_figure("value", 1)
        assert False
"""


def _claims(lab: Lab, *args: str) -> list[dict[str, object]]:
    lab.write(FLAKY_CLAIM)
    result = lab.run_isolated(
        *args, "--reruns=2", "--gevent-report=report.json", timeout=HANG_TIMEOUT
    )
    outcomes = result.parseoutcomes()
    assert (outcomes.get("passed"), outcomes.get("failed"), outcomes.get("rerun")) == (1, 1, 3)
    document = lab.report()
    return document["claims"]  # type: ignore[no-any-return]


def test_one_claim_entry_per_test_with_its_final_outcome(lab: Lab) -> None:
    claims = _claims(lab)
    verdicts = [(entry["id"], entry["verdict"], entry["outcome"]) for entry in claims]
    assert sorted(verdicts) == [("flaky", "holds", "passed"), ("never", "unverified", "failed")]


def test_figures_are_those_of_the_final_attempt(lab: Lab) -> None:
    claims = _claims(lab)
    flaky = [entry for entry in claims if entry["id"] == "flaky"]
    assert flaky, claims
    assert [figure["value"] for figure in flaky[-1]["figures"]] == [2]  # type: ignore[attr-defined]
