"""``concurrent_speedup`` tests draw their rounds: the times judged; each run is a phase."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from test_trace_svg import parse, with_class
from trace_rules import problems

from pytest_gevent_lab.traces.model import SpeedupRounds, Timeline
from pytest_gevent_lab.traces.speedup_chart import LABEL_GAP
from pytest_gevent_lab.traces.swimlanes import to_svg

if TYPE_CHECKING:
    from conftest import Lab, RunTraced

SPEEDUP = """
    import time

    import gevent
    import pytest

    CALLS = []


    @pytest.mark.gevent_trace
    @pytest.mark.concurrent_speedup(min_speedup=1.0, rounds=5)
    def test_overlaps(spawn):
        gevent.joinall([spawn(gevent.sleep, 0.01) for _ in range(5)])


    @pytest.mark.concurrent_speedup(min_speedup=2.0, rounds=5)
    def test_blocks(spawn):
        gevent.joinall([spawn(time.sleep, 0.002) for _ in range(3)])  # unpatched: no overlap


    @pytest.mark.concurrent_speedup(min_speedup=1.0, rounds=5)
    def test_raises_in_round_2(spawn):
        CALLS.append(None)
        # calls: warmup C, S; round 1 S, C; round 2 S, then its concurrent run raises
        if len(CALLS) == 6:
            raise RuntimeError("broke in round 2")
        gevent.joinall([spawn(gevent.sleep, 0.001) for _ in range(3)])
"""


def stem(test: str) -> str:
    return f"test_module.py__{test}"


def entries(run_directory: Any) -> dict[str, dict[str, Any]]:
    report = json.loads((run_directory.parent / "report.json").read_text("utf-8"))
    return {entry["test"].rpartition("::")[2]: entry for entry in report["speedup"]}


def phases(trace: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in trace["traceEvents"] if e.get("cat") == "phase"]


def test_a_passing_marked_test_and_a_failing_one_draw_the_rounds_their_verdict_judged(
    run_traced: RunTraced,
) -> None:
    run = run_traced(SPEEDUP, "-k", "overlaps or blocks", "--gevent-report=report.json")
    run.result.assert_outcomes(passed=1, failed=1)
    judged = entries(run.directory)
    assert {test: entry["verdict"] for test, entry in judged.items()} == {
        "test_overlaps": "pass",
        "test_blocks": "fail",
    }
    for test, entry in judged.items():
        trace = run.trace(stem(test))
        assert problems(trace) == []
        drawn = trace["otherData"]["concurrent_speedup"]
        # the very times the verdict (and --gevent-report) judged, round by round
        assert drawn["sequential"] == entry["sequential_s"]
        assert drawn["concurrent"] == entry["concurrent_s"]
        assert len(drawn["sequential"]) == entry["rounds_run"]
        assert drawn["required"] == entry["required_speedup"]
        assert drawn["supported"] == entry["supported_speedup"]
        assert drawn["verdict"] == entry["verdict"]
        assert drawn["median_ratio"] == pytest.approx(entry["speedup"])

        # every run of the body is a phase inside the call, in the order they ran
        names = [phase["name"] for phase in phases(trace)]
        rounds = [
            f"{mode} {n}" for n in range(1, entry["rounds_run"] + 1)
            for mode in ("sequential", "concurrent")
        ]  # fmt: skip
        warmup = ["warmup concurrent 1", "warmup sequential 1"]
        assert names == ["setup", *warmup, *rounds, "call", "teardown"]
        call = next(p for p in phases(trace) if p["name"] == "call")
        runs = [p for p in phases(trace) if p["name"] in (*warmup, *rounds)]
        assert [p["ts"] for p in runs] == sorted(p["ts"] for p in runs)
        for body in runs:
            assert call["ts"] <= body["ts"]
            assert body["ts"] + body["dur"] <= call["ts"] + call["dur"] + 1e-3

        root = parse(run.svg(stem(test)))
        assert [e.text for e in with_class(root, "panel-title")] == [
            "concurrent_speedup: time of each timed round, sequential and concurrent"
        ]
        assert f"verdict: {entry['verdict']}" in run.svg(stem(test))


def test_a_run_that_raised_leaves_the_whole_rounds_drawn(run_traced: RunTraced) -> None:
    run = run_traced(SPEEDUP, "-k", "raises", "--gevent-report=report.json")
    run.result.assert_outcomes(failed=1)
    entry = entries(run.directory)["test_raises_in_round_2"]
    assert entry["verdict"] == "error"
    assert len(entry["sequential_s"]) == 2
    assert len(entry["concurrent_s"]) == 1
    trace = run.trace(stem("test_raises_in_round_2"))
    assert problems(trace) == []
    drawn = trace["otherData"]["concurrent_speedup"]
    assert drawn["sequential"] == entry["sequential_s"][:1]
    assert drawn["concurrent"] == entry["concurrent_s"]
    assert drawn["verdict"] == "error"
    # the run that raised is a phase too: where it stopped is in the picture
    assert [p["name"] for p in phases(trace)][-4:] == [
        "sequential 2",
        "concurrent 2",
        "call",
        "teardown",
    ]


def test_without_a_trace_folder_nothing_is_drawn_and_the_verdicts_stand(lab: Lab) -> None:
    lab.write(SPEEDUP, name="test_module")
    # Our warnings are errors here; another installed plugin's (pytest-asyncio's
    # configure-time deprecation) is not this test's business.
    result = lab.run("-k", "overlaps", "-W", "error::pytest_gevent_lab.GreenletLeakWarning")
    result.assert_outcomes(passed=1)
    assert not list(lab.path.rglob("*.svg"))


def test_equal_medians_keep_their_labels_apart() -> None:
    rounds = SpeedupRounds((0.0065,) * 5, (0.0065,) * 5, required=2.1, verdict="fail")
    timeline = Timeline(
        test="t.py::test_x", outcome="failed", duration=0.1, clock="real", lanes=(), speedup=rounds
    )
    root = parse(to_svg(timeline))
    labels = with_class(root, "median-label")
    assert ["".join(e.itertext()) for e in labels] == [
        "sequential median 6.5 ms",
        "concurrent median 6.5 ms",
    ]
    top, bottom = (float(e.get("y", "0")) for e in labels)
    assert bottom - top >= LABEL_GAP
    line = next(e for e in with_class(root, "median"))
    assert top < float(line.get("y1", "0")) < bottom  # around the line they both label
