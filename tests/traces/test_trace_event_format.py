"""The JSON files follow the Trace Event Format's rules (``trace_rules``), with real timestamps."""

from __future__ import annotations

import copy
import json
import os
import time
from typing import TYPE_CHECKING, Any

import pytest
from trace_rules import problems

from pytest_gevent_lab.traces.model import (
    Instant,
    Lane,
    Phase,
    Schedule,
    ScheduleComparison,
    Span,
    SpeedupRounds,
    Timeline,
)
from pytest_gevent_lab.traces.trace_event import to_json

if TYPE_CHECKING:
    from conftest import RunTraced

WORKERS = """
    import gevent
    import pytest


    def worker(n):
        for _ in range(n):
            gevent.sleep(0)


    def sleeper():
        gevent.sleep(0)
        gevent.sleep(0.05)


    @pytest.mark.gevent_trace
    def test_workers():
        gevent.joinall([gevent.spawn(worker, 3), gevent.spawn(worker, 4), gevent.spawn(sleeper)])
"""
STEM = "test_module.py__test_workers"


def threads(trace: dict[str, Any]) -> dict[int, str]:
    return {
        event["tid"]: event["args"]["name"]
        for event in trace["traceEvents"]
        if event["ph"] == "M" and event["name"] == "thread_name"
    }


def slices(trace: dict[str, Any], tid: int) -> list[tuple[float, float]]:
    return sorted(
        (event["ts"], event["ts"] + event["dur"])
        for event in trace["traceEvents"]
        if event["ph"] == "X" and event["tid"] == tid
    )


def test_a_real_run_writes_a_valid_trace_in_microseconds(run_traced: RunTraced) -> None:
    began = time.perf_counter()
    run = run_traced(WORKERS)
    wall = time.perf_counter() - began
    run.result.assert_outcomes(passed=1)
    trace = run.trace(STEM)
    assert problems(trace) == []

    names = threads(trace)
    assert set(names.values()) == {"test", "main", "hub", "worker", "worker#2", "sleeper"}
    tid_of = {name: tid for tid, name in names.items()}
    assert {event["pid"] for event in trace["traceEvents"]} == {os.getpid()}  # in-process run
    process = [e for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == "process_name"]
    assert process[0]["args"]["name"] == "test_module.py::test_workers"

    # gevent.sleep(0.05) between the sleeper's two last slices: 50,000 microseconds at least
    sleeper = slices(trace, tid_of["sleeper"])
    assert len(sleeper) == 3
    assert sleeper[2][0] - sleeper[1][1] >= 50_000
    assert trace["otherData"]["duration_us"] <= wall * 1e6  # not nanoseconds either
    assert len(slices(trace, tid_of["worker#2"])) == 5

    phases = [e["name"] for e in trace["traceEvents"] if e.get("cat") == "phase"]
    assert phases == ["setup", "call", "teardown"]
    starts = {e["tid"] for e in trace["traceEvents"] if e["ph"] == "i" and e["cat"] == "start"}
    assert {tid_of["worker"], tid_of["worker#2"], tid_of["sleeper"]} <= starts


def made_up() -> Timeline:
    """Every kind of content the writers know, with made-up numbers."""
    return Timeline(
        test="tests/test_x.py::test_all[<&>]",
        outcome="failed",
        duration=0.5,
        clock="virtual",
        lanes=(
            Lane("main", ((0.0, 0.1), (0.4, 0.5))),
            Lane("hub", ((0.1, 0.2), (0.3, 0.4)), is_hub=True),
            Lane("worker", ((0.2, 0.3),)),
            Lane("leaked", ()),
        ),
        instants=(
            Instant("start", 0.2, "worker"),
            Instant("spawn", 0.05, "worker", "spawned at test_x.py:9"),
            Instant("error", 0.3, "worker", "ValueError: boom"),
            Instant("leak", 0.45, "leaked", "never joined"),
            Instant("kill", 0.45, None, "the whole test"),
        ),
        spans=(Span("hub_block", 0.2, 0.3, "worker", "time.sleep(0.1)"),),
        phases=(Phase("setup", 0.0, 0.05), Phase("call", 0.05, 0.45), Phase("run 1", 0.1, 0.2)),
        speedup=SpeedupRounds((0.5, 0.52), (0.1, 0.12), required=2.1, supported=3.0),
        schedules=ScheduleComparison(
            Schedule("seed 1", ("main", "worker")), Schedule("seed 2", ("main", "hub")), 1
        ),
        pid=4242,
        switches=5,
    )


def test_every_kind_of_content_is_valid_and_where_it_belongs() -> None:
    trace = json.loads(to_json(made_up()))
    assert problems(trace) == []
    names = threads(trace)
    tid_of = {name: tid for tid, name in names.items()}
    assert names[0] == "test"
    assert tid_of["hub blocked"] not in {tid_of["main"], tid_of["worker"]}
    instants = {e["cat"]: e for e in trace["traceEvents"] if e["ph"] == "i"}
    assert instants["error"]["tid"] == tid_of["worker"]
    assert instants["error"]["s"] == "t"
    assert instants["kill"]["s"] == "g"  # a mark of the whole test
    assert instants["leak"]["args"] == {"text": "never joined"}
    block = next(e for e in trace["traceEvents"] if e.get("cat") == "hub_block")
    assert (block["ts"], block["dur"], block["tid"]) == (
        200_000.0,
        100_000.0,
        tid_of["hub blocked"],
    )
    assert block["args"] == {"greenlet": "worker", "text": "time.sleep(0.1)"}
    assert trace["otherData"]["clock"] == "virtual"
    assert trace["otherData"]["concurrent_speedup"]["median_ratio"] == pytest.approx(0.51 / 0.11)
    assert trace["otherData"]["schedules"]["first_difference"] == 1


def _x(tid: int, ts: float, dur: float, name: str = "main") -> dict[str, Any]:
    return {"ph": "X", "pid": 4242, "tid": tid, "ts": ts, "dur": dur, "name": name}


def _drop_thread_name(events: list[dict[str, Any]]) -> None:
    events[:] = [e for e in events if not (e["name"] == "thread_name" and e["tid"] == 2)]


BREAKAGES = {
    "no thread_name metadata": _drop_thread_name,
    "unknown phase 'Z'": lambda events: events.append({**events[-1], "ph": "Z"}),
    "starts before": lambda events: events.append(_x(1, 50_000.0, 80_000.0)),
    "is after the test's end": lambda events: events.append(_x(1, 600_000.0, 1.0)),
    "not nested": lambda events: events.append(_x(0, 40_000.0, 20_000.0, "x")),
    "scope s must be": lambda events: events.append({**_x(1, 1.0, 0.0), "ph": "i", "s": "q"}),
    "must be integers": lambda events: events.append({**_x(1, 1.0, 1.0), "pid": "1"}),
    "needs dur >= 0": lambda events: events.append(_x(1, 1.0, -1.0)),
}


@pytest.mark.parametrize("complaint", BREAKAGES)
def test_the_rules_catch_a_broken_trace(complaint: str) -> None:
    trace = json.loads(to_json(made_up()))
    broken = copy.deepcopy(trace)
    BREAKAGES[complaint](broken["traceEvents"])
    found = problems(broken)
    assert any(complaint in problem for problem in found), found
