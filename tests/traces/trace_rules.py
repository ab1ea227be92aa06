"""The Trace Event Format's rules, as a check of a parsed trace (a list of what breaks them).

From the format's specification (the "Trace Event Format" document that
chrome://tracing and Perfetto implement): the JSON Object Format holds
``traceEvents``; every event has a one-letter phase ``ph``, a ``name``, a
``pid`` and a ``tid``; timed events have ``ts`` in microseconds; complete
events (``X``) a ``dur``; instant events (``i``) a scope ``s`` of ``g``, ``p``
or ``t``; metadata events (``M``) name processes and threads with
``args.name`` and order them with ``args.sort_index``. On one thread, complete
events must nest properly; on a greenlet's track they must not overlap at all
(one greenlet runs one slice at a time).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

PHASES = set("BEXiICbnestfPNODMVvRc()")
METADATA = {
    "process_name",
    "process_labels",
    "process_sort_index",
    "thread_name",
    "thread_sort_index",
}
EPSILON_US = 1e-6  # float rounding of ts + dur


def problems(trace: Any, *, nested_tids: frozenset[int] = frozenset({0})) -> list[str]:
    """Every rule ``trace`` breaks; empty when it is a valid trace of greenlet lanes.

    ``nested_tids``: threads whose complete events may nest (the test's phases);
    on every other thread they may not overlap.
    """
    found: list[str] = []
    if not isinstance(trace, dict) or not isinstance(trace.get("traceEvents"), list):
        return ['not the JSON Object Format: no "traceEvents" list']
    if trace.get("displayTimeUnit", "ms") not in ("ms", "ns"):
        found.append(f"displayTimeUnit {trace['displayTimeUnit']!r} is not 'ms' or 'ns'")
    duration = (trace.get("otherData") or {}).get("duration_us")
    named_threads: set[tuple[int, int]] = set()
    named_processes: set[int] = set()
    used_threads: set[tuple[int, int]] = set()
    slices: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
    for index, event in enumerate(trace["traceEvents"]):
        where = f"event {index} {event!r}"[:200]
        if not isinstance(event, dict):
            found.append(f"{where}: not an object")
            continue
        phase = event.get("ph")
        if not isinstance(phase, str) or phase not in PHASES:
            found.append(f"{where}: unknown phase {phase!r}")
            continue
        if not isinstance(event.get("name"), str):
            found.append(f"{where}: no name")
        pid, tid = event.get("pid"), event.get("tid")
        if not (_is_int(pid) and _is_int(tid)):
            found.append(f"{where}: pid and tid must be integers")
            continue
        if phase == "M":
            found += _metadata(event, where, named_threads, named_processes)
            continue
        ts = event.get("ts")
        if not _is_number(ts) or ts < 0:
            found.append(f"{where}: ts must be microseconds >= 0")
            continue
        if duration is not None and ts > duration + EPSILON_US:
            found.append(f"{where}: ts {ts} is after the test's end ({duration} us)")
        if phase == "X":
            dur = event.get("dur")
            if not _is_number(dur) or dur < 0:
                found.append(f"{where}: a complete event needs dur >= 0 (microseconds)")
                continue
            if duration is not None and ts + dur > duration + EPSILON_US:
                found.append(f"{where}: ends at {ts + dur} us, after the test's end ({duration})")
            slices[(pid, tid)].append((ts, ts + dur, event["name"]))
            used_threads.add((pid, tid))
        elif phase in "iI":
            scope = event.get("s", "t")
            if scope not in ("g", "p", "t"):
                found.append(f"{where}: instant scope s must be g, p or t, got {scope!r}")
            if scope == "t":
                used_threads.add((pid, tid))
    for pid, tid in sorted(used_threads - named_threads):
        found.append(f"thread pid={pid} tid={tid} has events but no thread_name metadata")
    for pid in sorted({pid for pid, _ in used_threads} - named_processes):
        found.append(f"process {pid} has events but no process_name metadata")
    for (pid, tid), extents in slices.items():
        found += _overlaps(sorted(extents), f"pid={pid} tid={tid}", tid in nested_tids)
    return found


def _metadata(
    event: dict[str, Any], where: str, threads: set[tuple[int, int]], processes: set[int]
) -> list[str]:
    name, args = event.get("name"), event.get("args")
    if name not in METADATA:
        return [f"{where}: unknown metadata event {name!r}"]
    if not isinstance(args, dict):
        return [f"{where}: metadata without args"]
    if name.endswith("_name"):
        if not isinstance(args.get("name"), str) or not args["name"]:
            return [f"{where}: {name} needs args.name, a non-empty string"]
        if name == "thread_name":
            threads.add((event["pid"], event["tid"]))
        else:
            processes.add(event["pid"])
    elif name.endswith("_sort_index") and not _is_int(args.get("sort_index")):
        return [f"{where}: {name} needs an integer args.sort_index"]
    return []


def _overlaps(extents: list[tuple[float, float, str]], track: str, nesting: bool) -> list[str]:
    found = []
    open_ends: list[float] = []
    previous_end = -1.0
    for start, end, name in extents:
        if nesting:
            while open_ends and open_ends[-1] <= start + EPSILON_US:
                open_ends.pop()
            if open_ends and end > open_ends[-1] + EPSILON_US:
                found.append(f"{track}: {name!r} [{start}, {end}] overlaps its parent, not nested")
            open_ends.append(end)
        else:
            if start < previous_end - EPSILON_US:
                found.append(f"{track}: slice {name!r} at {start} starts before {previous_end}")
            previous_end = max(previous_end, end)
    return found


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
