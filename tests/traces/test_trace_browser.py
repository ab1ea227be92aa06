"""The SVG as a real browser draws it: Debian's headless ``chromium``, its DOM and a screenshot.

A known picture is rendered twice, with and without its lane labels: the
labels' boxes (as the browser laid them out, read through ``--dump-dom`` from
a page that inlines the SVG) must hold dark text pixels in the first
screenshot and none in the second, and everything right of the label column
must be the same in both. Skipped only where no browser is installed and
``CI`` is unset; ``.ci/run`` installs chromium and sets ``CI``.
"""

from __future__ import annotations

import colorsys
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import browser
import png_pixels
import pytest

from pytest_gevent_lab.traces.model import Instant, Lane, Span, Timeline
from pytest_gevent_lab.traces.swimlanes import to_svg

NAMES = ("main", "hub", "worker", "worker#2", "a_rather_long_greenlet_name", "x")
LABELS_ONLY = re.compile(r'<text [^>]*class="lane-label"[^>]*>[^<]*</text>')
BOXES_SCRIPT = """
<script>
const box = (e) => {
  const b = e.getBoundingClientRect();
  return [b.left, b.top, b.right, b.bottom];
};
const labels = [...document.querySelectorAll("text.lane-label")]
  .map((e) => [e.textContent, ...box(e)]);
const svg = box(document.querySelector("svg"));
document.getElementById("boxes").textContent = JSON.stringify({labels, svg});
</script>
"""


def known_timeline() -> Timeline:
    lanes = tuple(
        Lane(
            name,
            ((0.1 * i, 0.1 * i + 0.08), (0.6 + 0.05 * i, 0.62 + 0.05 * i)),
            is_hub=name == "hub",
        )
        for i, name in enumerate(NAMES)
    )
    return Timeline(
        test="tests/test_known.py::test_picture",
        outcome="failed",
        duration=1.0,
        clock="real",
        lanes=lanes,
        instants=(Instant("error", 0.5, "worker", "boom"), Instant("spawn", 0.05, "x")),
        spans=(Span("hub_block", 0.9, 0.95, "worker#2"),),
    )


@pytest.fixture(scope="module")
def chromium() -> str:
    return browser.require()


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


def hsl(text: str) -> tuple[int, int, int]:
    hue, saturation, lightness = (float(v) for v in re.findall(r"[\d.]+", text))
    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
    return round(r * 255), round(g * 255), round(b * 255)


def test_the_browser_draws_the_lanes_and_puts_each_label_where_the_svg_says(
    chromium: str, tmp_path: Path
) -> None:
    svg = to_svg(known_timeline())
    root = ET.fromstring(svg)
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    placed = [
        (e.text, float(e.get("x", "0")), float(e.get("y", "0")))
        for e in root.iter("{http://www.w3.org/2000/svg}text")
        if e.get("class") == "lane-label"
    ]
    assert [name for name, _, _ in placed] == list(NAMES)

    # Where the browser laid the labels out.
    page = tmp_path / "page.html"
    page.write_text(
        f'<!doctype html><html><body style="margin:0">{svg}<pre id="boxes"></pre>'
        f"{BOXES_SCRIPT}</body></html>",
        "utf-8",
    )
    dom = browser.dump_dom(chromium, page)
    found = re.search(r'<pre id="boxes">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    boxes = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert boxes["svg"] == [0, 0, width, height]
    assert [label[0] for label in boxes["labels"]] == list(NAMES)
    for (name, x, y), (_, left, top, right, bottom) in zip(placed, boxes["labels"], strict=True):
        assert abs(right - x) <= 2, (name, right, x)  # text-anchor="end" at x
        assert top < y < bottom, (name, top, y, bottom)  # y is the baseline
        assert 6 <= bottom - top <= 20, (name, top, bottom)  # drawn in a real font at 11 px
        assert right - left > 5 * len(name) * 0.8, (name, left, right)

    # The same picture drawn with and without its labels.
    with_labels, without_labels = tmp_path / "with.svg", tmp_path / "without.svg"
    with_labels.write_text(svg, "utf-8")
    stripped, count = LABELS_ONLY.subn("", svg)
    assert count == len(NAMES)
    without_labels.write_text(stripped, "utf-8")
    shots = []
    for source in (with_labels, without_labels):
        png = source.with_suffix(".png")
        browser.screenshot(chromium, source, png, width, height)
        shots.append(png_pixels.read(png))
    drawn, bare = shots
    assert (drawn.width, drawn.height) == (width, height)

    everything = drawn.region(0, 0, width, height)
    white = sum(1 for pixel in everything if pixel == (255, 255, 255))
    assert white < 0.97 * len(everything), "the picture is blank"
    assert len(set(everything)) > 20

    for (name, *_), (_, left, top, right, bottom) in zip(placed, boxes["labels"], strict=True):
        dark = [p for p in drawn.region(left, top, right, bottom) if luminance(p) < 110]
        assert len(dark) >= 8, f"no text drawn where the label {name!r} is"
        blank = [p for p in bare.region(left, top, right, bottom) if luminance(p) < 200]
        assert not blank, f"something else is drawn where the label {name!r} is"

    plot_left = int(max(box[3] for box in boxes["labels"])) + 4
    assert drawn.region(plot_left, 0, width, height) == bare.region(plot_left, 0, width, height)

    # Each lane's first slice is drawn in its lane's colour.
    lanes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "lane"]
    for name, lane in zip(NAMES, lanes, strict=True):
        rect = next(
            r for r in lane.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") != "#f5f6f8"
        )
        x = float(rect.get("x", "0")) + float(rect.get("width", "0")) / 2
        y = float(rect.get("y", "0")) + float(rect.get("height", "0")) / 2
        fill = rect.get("fill", "")
        want = (
            hsl(fill)
            if fill.startswith("hsl")
            else tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5))
        )
        got = drawn.pixel(int(x), int(y))
        assert all(abs(a - b) <= 6 for a, b in zip(got, want, strict=True)), (name, got, want)
