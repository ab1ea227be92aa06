"""A :class:`~.model.Timeline` in the Trace Event Format (JSON), as Perfetto, chrome://tracing
and speedscope read it.

The test is one process (its real pid), each greenlet one thread track named by
``thread_name`` metadata and kept in lane order by ``thread_sort_index``. Run
slices are complete events (``"ph": "X"``), marks are instant events
(``"ph": "i"``, thread-scoped; marks of the whole test are global), hub blocks
are complete events on a track of their own, since they overlap the blamed
greenlet's run. The test's phases (setup, call, teardown, and runs marked
inside them) are nested complete events on a "test" track. Timestamps are
microseconds since the recording began. Results that are not on the time line
(``concurrent_speedup`` rounds, schedules) go in ``otherData``, which viewers
keep as metadata.

One event per line: a 100,000-switch trace stays greppable and diffable.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from .model import INSTANT_KINDS, SPAN_KINDS, Timeline

GLOBAL_TID = 0  # the test's own track: its phases, and marks of the whole test


def to_json(timeline: Timeline) -> str:
    """The trace as JSON text (the Object Format: ``{"traceEvents": [...], ...}``)."""
    pid = timeline.pid or 1
    tids = {lane.name: index for index, lane in enumerate(timeline.lanes, start=1)}
    events: list[dict[str, Any]] = [
        _meta(pid, GLOBAL_TID, "process_name", {"name": timeline.test}),
        _meta(pid, GLOBAL_TID, "process_labels", {"labels": timeline.outcome}),
        _meta(pid, GLOBAL_TID, "thread_name", {"name": "test"}),
        _meta(pid, GLOBAL_TID, "thread_sort_index", {"sort_index": 0}),
    ]
    for lane in timeline.lanes:
        tid = tids[lane.name]
        events.append(_meta(pid, tid, "thread_name", {"name": lane.name}))
        events.append(_meta(pid, tid, "thread_sort_index", {"sort_index": tid}))
    blocks_tid = len(timeline.lanes) + 1
    if timeline.spans:
        events.append(_meta(pid, blocks_tid, "thread_name", {"name": "hub blocked"}))
        events.append(_meta(pid, blocks_tid, "thread_sort_index", {"sort_index": blocks_tid}))

    lines: list[str] = []  # run slices, formatted directly: json.dumps per event is 10x slower
    for lane in timeline.lanes:
        category = "hub" if lane.is_hub else "run"
        prefix = (
            f'{{"ph":"X","pid":{pid},"tid":{tids[lane.name]},'
            f'"name":{json.dumps(lane.name, ensure_ascii=False)},"cat":"{category}","ts":'
        )
        for start, end in lane.slices:
            begin = round(start * 1e6, 3)
            dur = max(0.0, round(round(end * 1e6, 3) - begin, 3))
            lines.append(f'{prefix}{begin!r},"dur":{dur!r}}}')
    for phase in timeline.phases:
        events.append(
            {
                "ph": "X",
                "pid": pid,
                "tid": GLOBAL_TID,
                **_extent(phase.start, phase.end),
                "name": phase.name,
                "cat": "phase",
            }
        )
    for mark in timeline.instants:
        event: dict[str, Any] = {
            "ph": "i",
            "pid": pid,
            "tid": tids.get(mark.lane, GLOBAL_TID) if mark.lane else GLOBAL_TID,
            "ts": _us(mark.time),
            "name": INSTANT_KINDS[mark.kind],
            "cat": mark.kind,
            "s": "t" if mark.lane else "g",
        }
        if mark.text:
            event["args"] = {"text": mark.text}
        events.append(event)
    for span in timeline.spans:
        args = {"greenlet": span.lane} if span.lane else {}
        if span.text:
            args["text"] = span.text
        events.append(
            {
                "ph": "X",
                "pid": pid,
                "tid": blocks_tid,
                **_extent(span.start, span.end),
                "name": SPAN_KINDS[span.kind],
                "cat": span.kind,
                "args": args,
            }
        )

    other: dict[str, Any] = {
        "generator": "pytest-gevent-lab --gevent-trace",
        "test": timeline.test,
        "outcome": timeline.outcome,
        "clock": timeline.clock,
        "duration_us": _us(timeline.duration),
        "switches": timeline.switches,
    }
    if timeline.speedup is not None:
        rounds = timeline.speedup
        other["concurrent_speedup"] = {
            **asdict(rounds),
            "sequential_median": rounds.sequential_median,
            "concurrent_median": rounds.concurrent_median,
            "median_ratio": rounds.median_ratio,
        }
    if timeline.schedules is not None:
        other["schedules"] = asdict(timeline.schedules)
    lines[:0] = [json.dumps(event, separators=(",", ":"), ensure_ascii=False) for event in events]
    body = ",\n".join(lines)
    tail = json.dumps(other, ensure_ascii=False)
    return f'{{"displayTimeUnit":"ms","otherData":{tail},"traceEvents":[\n{body}\n]}}\n'


def _meta(pid: int, tid: int, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"ph": "M", "pid": pid, "tid": tid, "name": name, "args": args}


def _extent(start: float, end: float) -> dict[str, float]:
    """``ts`` and ``dur`` from rounded ends: a slice never pokes into the next one.

    (The run slices' loop does the same inline.)
    """
    begin = _us(start)
    return {"ts": begin, "dur": max(0.0, round(_us(end) - begin, 3))}


def _us(seconds: float) -> float:
    """Microseconds, to the nanosecond (more digits only make the file bigger)."""
    return round(seconds * 1e6, 3)
