"""Under virtual time, ``--gevent-trace`` timelines are in virtual seconds (``use_clock``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


@pytest.mark.parametrize(("marker", "clock"), [("gevent_virtual_time", "virtual"), ("", "real")])
def test_the_trace_reads_the_tests_clock(lab: Lab, marker: str, clock: str) -> None:
    decorator = f"@pytest.mark.{marker}" if marker else ""
    seconds = 3600 if marker else 0.01
    lab.write(
        f"""
        import gevent
        import pytest

        @pytest.mark.gevent_trace
        {decorator}
        def test_sleeper():
            gevent.spawn(gevent.sleep, {seconds}).join()
        """
    )
    lab.run("--gevent-trace=traces").assert_outcomes(passed=1)
    (trace,) = (lab.path / "traces").glob("*.json")
    other = json.loads(trace.read_text())["otherData"]
    assert other["clock"] == clock
    assert other["duration_us"] >= seconds * 1e6
