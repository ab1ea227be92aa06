"""Under virtual time, ``--gevent-trace`` timelines are in virtual seconds (``use_clock``)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(("marker", "clock"), [("gevent_virtual_time", "virtual"), ("", "real")])
def test_the_trace_reads_the_tests_clock(
    pytester: pytest.Pytester, marker: str, clock: str
) -> None:
    decorator = f"@pytest.mark.{marker}" if marker else ""
    seconds = 3600 if marker else 0.01
    pytester.makepyfile(
        f"""
        import gevent
        import pytest

        @pytest.mark.gevent_trace
        {decorator}
        def test_sleeper():
            gevent.spawn(gevent.sleep, {seconds}).join()
        """
    )
    pytester.runpytest("-p", "no:randomly", "--gevent-trace=traces").assert_outcomes(passed=1)
    (trace,) = (pytester.path / "traces").glob("*.json")
    other = json.loads(trace.read_text())["otherData"]
    assert other["clock"] == clock
    assert other["duration_us"] >= seconds * 1e6
