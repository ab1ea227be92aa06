"""What the greenlet checks know shows in the trace: spawns, lost errors, leaks, kills, hub blocks.

Each mark is looked for on the track of the greenlet it is about (the JSON's
``tid`` named by ``thread_name``) and in the SVG on that greenlet's lane, in
the mark's colour. Off, none of it is even imported.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

import pytest
from test_trace_svg import parse, with_class
from trace_rules import problems

from pytest_gevent_lab.traces.marks import MARK_COLOURS
from pytest_gevent_lab.traces.svg import BLOCK_COLOUR
from pytest_gevent_lab.traces.swimlanes import LANE_HEIGHT

if TYPE_CHECKING:
    from conftest import Lab, RunTraced, TracedRun

CHECKS = """
    import time

    import gevent
    import pytest


    def boom():
        raise ValueError("nobody looks")


    def forever():
        gevent.sleep(60)


    def test_lost_error(spawn):
        spawn(boom)
        gevent.sleep(0.01)


    def test_lost_plain_error():
        gevent.spawn(boom)
        gevent.sleep(0.01)


    @pytest.mark.gevent_trace
    def test_retrieved_error(spawn):
        glet = spawn(boom)
        with pytest.raises(ValueError):
            glet.get()


    def test_leaks(spawn):
        spawn(forever)
        gevent.sleep(0)  # forever runs, and waits
        spawn(forever)  # never runs before teardown


    @pytest.mark.gevent_trace
    def test_plain_leak_and_timer():
        gevent.spawn(forever)
        gevent.sleep(0)
        gevent.Timeout(60).start()  # never cancelled


    def blocker():
        time.sleep(0.3)  # unpatched: the hub waits


    @pytest.mark.gevent_block_threshold(0.05)
    def test_blocks(spawn):
        ticker = spawn(gevent.sleep, 0.01)  # waits in the hub while blocker blocks it
        spawn(blocker).join()
        spawn(blocker).join()  # as long: its block is not the longest, still marked
        ticker.join()
"""


def stem(test: str) -> str:
    return f"test_module.py__{test}"


def tids(trace: dict[str, Any]) -> dict[str, int]:
    """Track name -> tid."""
    return {
        event["args"]["name"]: event["tid"]
        for event in trace["traceEvents"]
        if event["ph"] == "M" and event["name"] == "thread_name"
    }


def marks(trace: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in trace["traceEvents"] if e["ph"] == "i" and e["cat"] == kind]


def on(trace: dict[str, Any], kind: str, lane: str) -> list[dict[str, Any]]:
    """The ``kind`` instants on ``lane``'s track, thread-scoped."""
    tid = tids(trace)[lane]
    found = [e for e in marks(trace, kind) if e["tid"] == tid]
    assert all(e["s"] == "t" for e in found), found
    return found


def label_rows(root: ET.Element) -> dict[str, float]:
    """Lane name -> the y of its label's baseline (a lane's middle is 4 px above it)."""
    return {"".join(e.itertext()): float(e.get("y", "0")) for e in with_class(root, "lane-label")}


def middle(element: ET.Element) -> float:
    if element.get("points"):
        ys = [float(point.split(",")[1]) for point in element.get("points", "").split()]
        return (min(ys) + max(ys)) / 2
    if element.get("d"):
        ys = [float(y) for y in re.findall(r"[ML][-\d.]+,([-\d.]+)", element.get("d", ""))]
        return (min(ys) + max(ys)) / 2
    if element.get("cy"):
        return float(element.get("cy", "0"))
    return float(element.get("y", "0")) + float(element.get("height", "0")) / 2


def lane_of(root: ET.Element, element: ET.Element) -> str:
    """The lane whose row ``element`` is drawn in."""
    rows = label_rows(root)
    name, y = min(rows.items(), key=lambda row: abs(row[1] - 4 - middle(element)))
    assert abs(y - 4 - middle(element)) < LANE_HEIGHT / 2, (name, y, middle(element))
    return name


def svg_marks(root: ET.Element, kind: str) -> list[tuple[str, ET.Element]]:
    """(lane, element) of every drawn ``kind`` mark (the key's samples are not marks)."""
    return [(lane_of(root, e), e) for e in with_class(root, f"mark-{kind}")]


def title(element: ET.Element) -> str:
    return "".join(element.itertext())


def line_of(run: TracedRun, code: str) -> int:
    """The line of the test module written for ``run`` where ``code`` first appears."""
    module = (run.directory.parent / "test_module.py").read_text("utf-8")
    return next(n for n, line in enumerate(module.splitlines(), 1) if code in line)


def test_an_error_nobody_retrieved_is_marked_in_red_on_the_greenlet_that_died(
    run_traced: RunTraced,
) -> None:
    run = run_traced(CHECKS, "-k", "error")
    run.result.assert_outcomes(failed=2, passed=1)
    for test in ("test_lost_error", "test_lost_plain_error"):
        trace = run.trace(stem(test))
        assert problems(trace) == []
        (error,) = on(trace, "error", "boom")
        assert error["args"]["text"] == "ValueError: nobody looks; nothing retrieved it"
        (death,) = on(trace, "death", "boom")
        assert error["ts"] <= death["ts"]  # marked when it died, not when it was found
        teardown = next(e for e in trace["traceEvents"] if e.get("name") == "teardown")
        assert error["ts"] < teardown["ts"]
        assert len(marks(trace, "error")) == 1

        root = parse(run.svg(stem(test)))
        ((lane, drawn),) = svg_marks(root, "error")
        assert lane == "boom"
        assert drawn.get("fill") == MARK_COLOURS["error"] == "#c62828"
        assert "ValueError: nobody looks" in title(drawn)
    # the tracked greenlet's spawn mark comes from the tracker, which saw the spawn
    (spawn,) = on(run.trace(stem("test_lost_error")), "spawn", "boom")
    line = line_of(run, "spawn(boom)")
    assert spawn["args"]["text"] == (
        f"spawned at test_module.py:{line} by test test_module.py::test_lost_error"
    )


def test_a_plain_spawn_is_marked_where_its_spawner_ran(run_traced: RunTraced) -> None:
    # gevent keeps who spawned a greenlet and where, not when: the mark sits at the
    # end of the spawner's run before the greenlet's first
    run = run_traced(CHECKS, "-k", "test_lost_plain_error")
    trace = run.trace(stem("test_lost_plain_error"))
    assert problems(trace) == []
    (spawn,) = on(trace, "spawn", "boom")
    line = line_of(run, "gevent.spawn(boom)")
    assert spawn["args"]["text"] == f"spawned at test_module.py:{line} by main"
    (start,) = on(trace, "start", "boom")
    main_runs = [
        event
        for event in trace["traceEvents"]
        if event["ph"] == "X" and event["tid"] == tids(trace)["main"]
    ]
    ends = [event["ts"] + event["dur"] for event in main_runs]
    before = [end for end in ends if end <= start["ts"] + 0.01]
    assert before
    assert abs(spawn["ts"] - max(before)) < 0.01, (spawn["ts"], before)
    assert sorted(
        lane for lane, _ in svg_marks(parse(run.svg(stem("test_lost_plain_error"))), "spawn")
    ) == ["boom"]


def test_a_hub_started_during_the_test_gets_no_spawn_mark(run_traced: RunTraced) -> None:
    # In a fresh process the first gevent call of the first test starts the hub: gevent
    # records a spawner for it too, but nothing spawned it (seen on the hub's lane at first)
    run = run_traced(CHECKS, "-k", "test_lost_plain_error", subprocess=True)
    trace = run.trace(stem("test_lost_plain_error"))
    assert on(trace, "start", "hub")  # the hub's first run is in this recording
    assert [mark["tid"] for mark in marks(trace, "spawn")] == [tids(trace)["boom"]]


def test_an_error_no_test_answers_for_is_marked_as_it_happens(run_traced: RunTraced) -> None:
    source = """
        import gevent
        import pytest


        def fails_later():
            gevent.sleep(0.02)
            raise RuntimeError("spawned at import")


        gevent.spawn(fails_later)


        @pytest.mark.gevent_trace
        def test_runs_while_it_dies():
            gevent.sleep(0.2)
    """
    run = run_traced(source)
    run.result.assert_outcomes(passed=1)
    run.result.stdout.fnmatch_lines(["*greenlet errors no test could be blamed for*"])
    trace = run.trace(stem("test_runs_while_it_dies"))
    assert problems(trace) == []
    (error,) = on(trace, "error", "fails_later")
    assert error["args"]["text"] == (
        "RuntimeError: spawned at import; it belongs to no test (spawned at import or collection)"
    )
    (death,) = on(trace, "death", "fails_later")
    assert error["ts"] <= death["ts"]
    ((lane, _),) = svg_marks(parse(run.svg(stem("test_runs_while_it_dies"))), "error")
    assert lane == "fails_later"


def test_a_retrieved_error_is_a_death_not_an_error_mark(run_traced: RunTraced) -> None:
    run = run_traced(CHECKS, "-k", "retrieved")
    run.result.assert_outcomes(passed=1)
    trace = run.trace(stem("test_retrieved_error"))
    assert marks(trace, "error") == []
    (death,) = on(trace, "death", "boom")
    assert death["args"]["text"] == "died of ValueError: nobody looks"
    assert with_class(parse(run.svg(stem("test_retrieved_error"))), "mark-error") == []


def test_a_spawn_mark_comes_before_the_first_run_on_the_same_track(run_traced: RunTraced) -> None:
    run = run_traced(CHECKS, "-k", "test_leaks")
    trace = run.trace(stem("test_leaks"))
    (spawn,) = on(trace, "spawn", "forever")
    (start,) = on(trace, "start", "forever")
    assert spawn["ts"] <= start["ts"]
    line = line_of(run, "spawn(forever)")
    assert spawn["args"]["text"] == (
        f"spawned at test_module.py:{line} by test test_module.py::test_leaks"
    )
    root = parse(run.svg(stem("test_leaks")))
    drawn = sorted(lane for lane, _ in svg_marks(root, "spawn"))
    assert drawn == ["forever", "forever#2"]


def test_leaked_greenlets_are_marked_then_killed_on_their_own_tracks(run_traced: RunTraced) -> None:
    run = run_traced(CHECKS, "-k", "test_leaks")
    run.result.assert_outcomes(passed=1, errors=1)
    trace = run.trace(stem("test_leaks"))
    assert problems(trace) == []
    teardown = next(e for e in trace["traceEvents"] if e.get("name") == "teardown")
    within = (teardown["ts"], teardown["ts"] + teardown["dur"])
    for lane in ("forever", "forever#2"):
        (leak,) = on(trace, "leak", lane)
        (kill,) = on(trace, "kill", lane)
        assert within[0] <= leak["ts"] <= kill["ts"] <= within[1]
        assert leak["args"]["text"] == (
            "still running at the end of test test_module.py::test_leaks; killed by the leak check"
        )
    # the one that ran was thrown into (the recorder saw it); the other was unscheduled
    assert on(trace, "kill", "forever")[0]["args"]["text"] == "exception thrown in"
    assert on(trace, "kill", "forever#2")[0]["args"]["text"] == (
        "killed by the leak check before it ever ran"
    )
    assert on(trace, "start", "forever#2") == []
    (death,) = on(trace, "death", "forever")
    assert death["args"]["text"] == "killed (GreenletExit)"

    root = parse(run.svg(stem("test_leaks")))
    leaks = svg_marks(root, "leak")
    assert sorted(lane for lane, _ in leaks) == ["forever", "forever#2"]
    assert {e.get("fill") for _, e in leaks} == {MARK_COLOURS["leak"]}
    assert sorted(lane for lane, _ in svg_marks(root, "kill")) == ["forever", "forever#2"]


def test_a_plain_leak_and_a_pending_timer_are_marked_too(run_traced: RunTraced) -> None:
    run = run_traced(
        CHECKS, "-k", "plain_leak", "-W", "ignore::pytest_gevent_lab.GreenletLeakWarning"
    )
    run.result.assert_outcomes(passed=1)
    trace = run.trace(stem("test_plain_leak_and_timer"))
    assert problems(trace) == []
    (leak,) = on(trace, "leak", "forever")
    assert "killed by the leak check" in leak["args"]["text"]
    (kill,) = on(trace, "kill", "forever")
    assert leak["ts"] <= kill["ts"]
    timers = [e for e in marks(trace, "leak") if e["s"] == "g"]
    assert len(timers) == 1
    assert timers[0]["tid"] == 0  # the test's own track: a timer is no greenlet
    assert "still pending at teardown, stopped:" in timers[0]["args"]["text"]
    assert "gevent.Timeout started and never cancelled" in timers[0]["args"]["text"]


def test_a_hub_block_is_a_red_span_blamed_on_the_blocking_greenlet(run_traced: RunTraced) -> None:
    run = run_traced(CHECKS, "-k", "blocks")
    run.result.assert_outcomes(failed=1)
    trace = run.trace(stem("test_blocks"))
    assert problems(trace) == []
    tracks = tids(trace)
    blocks = [e for e in trace["traceEvents"] if e.get("cat") == "hub_block"]
    assert [block["args"]["greenlet"] for block in blocks] == ["blocker", "blocker#2"]
    line = line_of(run, "time.sleep(0.3)")
    for block in blocks:
        assert block["ph"] == "X"
        assert block["tid"] == tracks["hub blocked"]
        assert block["dur"] >= 300_000  # microseconds: time.sleep(0.3) returns no sooner
        assert block["args"]["text"].startswith("blocked the hub for ")
        # the line the sampler caught, whether or not the block was the longest
        assert block["args"]["text"].endswith(
            f"; at test_module.py:{line} in blocker: time.sleep(0.3)  # unpatched: the hub waits"
        )
        # the span lies within the blocker's own run slice (it is that slice)
        runs = [
            e
            for e in trace["traceEvents"]
            if e["ph"] == "X"
            and e["tid"] == tracks[block["args"]["greenlet"]]
            and e["dur"] >= 300_000
        ]
        assert len(runs) == 1
        # Two trace functions read the clock at the same switch, one after the
        # other: under load microseconds apart (9 µs seen in CI), never a
        # millisecond of a 300 ms block.
        slack = 1_000
        assert runs[0]["ts"] <= block["ts"] + slack
        assert block["ts"] + block["dur"] <= runs[0]["ts"] + runs[0]["dur"] + slack
    run.result.stdout.fnmatch_lines(["E * Blocking code (stack sampled while it blocked):"])

    root = parse(run.svg(stem("test_blocks")))
    bands = with_class(root, "hub-block")
    assert [band.get("fill") for band in bands] == [BLOCK_COLOUR] * 2
    assert ["by blocker:" in title(bands[0]), "by blocker#2:" in title(bands[1])] == [True, True]
    outlines = [
        e for e in root.iter() if e.get("stroke") == BLOCK_COLOUR and e.get("fill") == "none"
    ]
    assert [lane_of(root, e) for e in outlines] == ["blocker", "blocker#2"]
    # drawn over the lanes, whose shaded backgrounds would hide them on every other row
    order = list(root.iter())
    last_lane = max(order.index(e) for e in with_class(root, "lane"))
    assert all(order.index(outline) > last_lane for outline in outlines)


def test_under_xdist_each_worker_writes_its_tests_marks_and_each_report_names_both_files(
    run_traced: RunTraced,
) -> None:
    source = CHECKS + (
        """
    @pytest.mark.parametrize("n", range(4))
    def test_more_lost_errors(n, spawn):
        spawn(boom)
        gevent.sleep(0.01)
"""
    )
    run = run_traced(source, "-n", "2", subprocess=True)
    run.result.assert_outcomes(failed=7, errors=1, passed=3)
    failing = [
        "test_lost_error",
        "test_lost_plain_error",
        "test_blocks",
        "test_leaks",
        *(f"test_more_lost_errors_{n}" for n in range(4)),
    ]
    for test in failing:
        run.result.stdout.fnmatch_lines(
            [
                f"picture: traces/{stem(test)}.svg",
                f"trace:   traces/{stem(test)}.json (Trace Event Format: *",
            ]
        )
    expected = {
        "test_lost_error": "error",
        "test_lost_plain_error": "error",
        "test_blocks": "hub_block",
        "test_leaks": "leak",
        **{f"test_more_lost_errors_{n}": "error" for n in range(4)},
    }
    pids = set()
    for test, kind in expected.items():
        trace = json.loads((run.directory / f"{stem(test)}.json").read_text("utf-8"))
        assert problems(trace) == []
        assert any(e.get("cat") == kind for e in trace["traceEvents"]), test
        pids |= {e["pid"] for e in trace["traceEvents"]}
        assert (run.directory / f"{stem(test)}.svg").is_file()
    assert len(pids) == 2  # both workers wrote marks into the one folder


OFF = """
    import sys

    from pathlib import Path


    def pytest_unconfigure(config):
        loaded = sorted(
            name for name in sys.modules
            if name.startswith("pytest_gevent_lab.traces.") or name.endswith(".trace_marks")
        )
        Path("loaded.txt").write_text(" ".join(loaded) or "-")
"""


def test_off_the_checks_import_no_trace_code(lab: Lab) -> None:
    lab.conftest(OFF)
    lab.write(CHECKS, name="test_module")
    result = lab.run_subprocess("-W", "ignore::pytest_gevent_lab.GreenletLeakWarning")
    result.assert_outcomes(failed=3, errors=1, passed=3)  # every check had something to say
    # current (a list look-up) and options are imported by every run; nothing else is
    loaded = (lab.path / "loaded.txt").read_text().split()
    assert loaded == ["pytest_gevent_lab.traces.current", "pytest_gevent_lab.traces.options"]


def test_an_empty_run_imports_no_gevent(lab: Lab) -> None:
    lab.conftest(
        "import sys\n"
        "from pathlib import Path\n\n\n"
        "def pytest_unconfigure(config):\n"
        "    Path('gevent.txt').write_text(str(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('gevent', 'greenlet'))))\n"
    )
    result = lab.run_subprocess()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert (lab.path / "gevent.txt").read_text() == "[]"
