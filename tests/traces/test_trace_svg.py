"""The SVG picture as a document: well-formed, self-contained, each lane and panel in its place.

(How a browser draws it: ``test_trace_browser``.)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import TYPE_CHECKING

from test_trace_event_format import STEM, WORKERS, made_up

from pytest_gevent_lab.traces.model import Instant, Lane, Span, Timeline
from pytest_gevent_lab.traces.swimlanes import MAX_LANES, to_svg

if TYPE_CHECKING:
    from conftest import RunTraced

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{NS}svg"
    return root


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def labels(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in with_class(root, "lane-label")]


def assert_self_contained(root: ET.Element) -> None:
    for element in root.iter():
        tag = element.tag.removeprefix(NS)
        assert tag not in {"script", "image", "foreignObject", "use", "a"}, tag
        for name, value in element.attrib.items():
            assert "href" not in name, (tag, name)
            assert "url(" not in value, (tag, name, value)
            assert "http" not in value, (tag, name, value)


def test_a_real_run_draws_one_labelled_lane_per_greenlet(run_traced: RunTraced) -> None:
    run = run_traced(WORKERS)
    root = parse(run.svg(STEM))
    assert_self_contained(root)
    assert labels(root) == ["main", "hub", "worker", "worker#2", "sleeper"]
    ys = [float(e.get("y", "0")) for e in with_class(root, "lane-label")]
    assert ys == sorted(ys)
    assert len(set(ys)) == len(ys)
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    title = with_class(root, "title")[0].text
    assert title == "test_module.py::test_workers"
    started = {"".join(e.itertext()).rpartition("(")[2] for e in with_class(root, "mark-start")}
    assert started >= {"worker)", "worker#2)", "sleeper)"}
    assert {t.text for t in root.iter(f"{NS}text") if t.text in ("setup", "call", "teardown")} >= {
        "call"
    }


def test_marks_blocks_and_panels_are_drawn() -> None:
    root = parse(to_svg(made_up()))
    assert_self_contained(root)
    for kind in ("start", "spawn", "error", "leak"):
        assert len(with_class(root, f"mark-{kind}")) == 1, kind
    (block,) = with_class(root, "hub-block")
    assert block.get("fill") == "#d32f2f"
    assert float(block.get("width", "0")) > 10  # 0.1 s of a 0.5 s test across ~900 px

    assert len(with_class(root, "sequential")) == 2 + 1  # two rounds' bars, one median line
    assert len(with_class(root, "concurrent")) == 2 + 1
    facts = with_class(root, "speedup-facts")[0].text or ""
    assert "median ratio 4.64x" in facts
    assert "required 2.10x" in facts

    differences = with_class(root, "first-difference")
    assert len(differences) == 2  # one row in each column
    steps = [e.text for e in with_class(root, "step")]
    assert steps == ["main", "worker", "main", "hub"]
    assert {e.text for e in with_class(root, "schedule-label")} == {"seed 1", "seed 2"}
    titles = [e.text for e in with_class(root, "panel-title")]
    assert "schedules: the first difference is at step 2" in titles


def test_text_from_the_test_is_escaped() -> None:
    timeline = replace(
        made_up(), lanes=(Lane('<img src="x">&', ((0.0, 0.5),)),), instants=(), spans=()
    )
    root = parse(to_svg(timeline))
    assert labels(root) == ['<img src="x">&']
    assert with_class(root, "title")[0].text == "tests/test_x.py::test_all[<&>]"


def test_the_picture_is_a_pure_function_of_the_timeline() -> None:
    assert to_svg(made_up()) == to_svg(made_up())


def crowd(count: int) -> Timeline:
    """``count`` greenlets; greenlet N ran N slices of 1 ms; g3 had an error, g4 leaked."""
    lanes = [Lane("main", ((0.0, 0.001),))]
    lanes += [
        Lane(f"g{n}", tuple((n * 0.01 + i * 0.002, n * 0.01 + i * 0.002 + 0.001) for i in range(n)))
        for n in range(1, count)
    ]
    return Timeline(
        test="t",
        outcome="failed",
        duration=count * 0.013,
        clock="real",
        lanes=tuple(lanes),
        instants=(Instant("error", 0.03, "g3"), Instant("leak", 0.04, "g4")),
        spans=(Span("hub_block", 0.0, 0.001, None),),
    )


def test_past_fifty_greenlets_it_keeps_the_busiest_and_the_marked_and_counts_the_rest() -> None:
    root = parse(to_svg(crowd(120)))
    shown = labels(root)
    assert len(shown) == MAX_LANES  # 49 lanes and one row counting the rest
    assert shown[-1] == "+ 71 more"
    kept = shown[:-1]
    assert kept[:3] == ["main", "g3", "g4"]  # in their order; the marked ones kept though idle
    assert kept[3:] == [f"g{n}" for n in range(74, 120)]  # then the 46 busiest
    hidden_row = with_class(root, "hidden-lanes")
    assert hidden_row
    assert "71 less busy greenlets not drawn" in "".join(
        t.text or "" for t in root.iter(f"{NS}text")
    )


def test_up_to_fifty_greenlets_every_lane_is_drawn() -> None:
    root = parse(to_svg(crowd(MAX_LANES)))
    assert len(labels(root)) == MAX_LANES
    assert not with_class(root, "hidden-lanes")


def test_a_hundred_thousand_slices_make_a_small_picture() -> None:
    slices = tuple((i * 1e-5, i * 1e-5 + 4e-6) for i in range(100_000))
    timeline = Timeline("t", "passed", 1.0, "real", (Lane("main", slices),))
    svg = to_svg(timeline)
    rects = len(re.findall(r"<rect ", svg))
    assert rects < 2_000  # merged per pixel: about one per pixel column, not one per slice
    assert len(svg) < 200_000
