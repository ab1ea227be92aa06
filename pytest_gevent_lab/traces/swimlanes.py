"""The SVG picture of a :class:`~.model.Timeline`: one lane per greenlet, a time axis, marks.

A pure function from the data to text, self-contained (no script, no external
font or image), so it opens in any browser and can be committed. Slices
narrower than a pixel are merged per lane: a 100,000-switch test draws a few
hundred rectangles per lane, not 100,000, and any run still shows as at least
one pixel. Past :data:`MAX_LANES` greenlets the picture keeps the lanes that
carry an error, leak or kill mark and the busiest others, and says how many it
left out. ``concurrent_speedup`` rounds and a pair of schedules, when the
timeline has them, are drawn below the lanes (``speedup_chart``,
``schedule_diff``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable

from . import marks, schedule_diff, speedup_chart
from .marks import Scale
from .model import Instant, Lane, Phase, Timeline
from .svg import (
    FONT,
    HUB_COLOUR,
    MONO,
    colour,
    element,
    fit,
    seconds,
    text_width,
    ticks,
)

WIDTH = 1000
PAD = 12
LANE_HEIGHT = 16
BAR_HEIGHT = 11
LABEL_SIZE = 11
MAX_LANES = 50  # readable at a glance; past it, one row counts the rest
_PRIORITY_MARKS = ("error", "leak", "kill")  # lanes kept whatever their busy time


def to_svg(timeline: Timeline) -> str:
    """The whole picture as an SVG document."""
    shown, hidden = choose_lanes(timeline.lanes, timeline.instants, MAX_LANES)
    longest = max((len(lane.name) for lane in shown), default=4)
    if hidden:
        longest = max(longest, len(_more(hidden)))
    label_width = min(max(text_width("x" * longest, LABEL_SIZE) + 12, 60), 230)
    x0, x1 = PAD + label_width + 6, WIDTH - PAD - 4
    scale = (x1 - x0) / timeline.duration if timeline.duration > 0 else 0.0

    def x_of(moment: float) -> float:
        return x0 + moment * scale

    parts: list[str] = []
    parts += _header(timeline, len(shown) + len(hidden))
    axis_top = PAD + 44
    phase_parts, phase_height = _phases(timeline.phases, x_of, axis_top + 20)
    lanes_top = axis_top + 20 + phase_height
    rows = len(shown) + (1 if hidden else 0)
    lanes_bottom = lanes_top + rows * LANE_HEIGHT
    parts += _axis(timeline, x0, x1, axis_top, lanes_top, lanes_bottom, x_of)
    parts += phase_parts

    row_of = {lane.name: index for index, lane in enumerate(shown)}
    colours = {
        lane.name: (HUB_COLOUR if lane.is_hub else colour(i)) for i, lane in enumerate(shown)
    }
    bands, outlines = marks.spans(
        timeline.spans, row_of, x_of, lanes_top, lanes_bottom, LANE_HEIGHT
    )
    parts += bands
    for index, lane in enumerate(shown):
        parts += _lane(lane, index, lanes_top, label_width, x0, x1, x_of, colours[lane.name])
    parts += outlines
    if hidden:
        parts += _hidden_row(hidden, lanes_top + len(shown) * LANE_HEIGHT, label_width, x0)
    parts += marks.instants(timeline.instants, row_of, x_of, lanes_top, lanes_bottom, LANE_HEIGHT)

    height = lanes_bottom + 10
    legend, legend_height = marks.legend(timeline, PAD, height, WIDTH - PAD)
    parts += legend
    height += legend_height
    if timeline.speedup is not None:
        panel, panel_height = speedup_chart.panel(timeline.speedup, PAD, height, WIDTH - 2 * PAD)
        parts += panel
        height += panel_height
    if timeline.schedules is not None:
        panel, panel_height = schedule_diff.panel(
            timeline.schedules, colours, PAD, height, WIDTH - 2 * PAD
        )
        parts += panel
        height += panel_height
    height += PAD
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" font-family="{FONT}" font-size="11">'
    )
    background = element("rect", width=WIDTH, height=f"{height:.0f}", fill="#ffffff")
    return "\n".join([head, background, *parts, "</svg>"]) + "\n"


def choose_lanes(
    lanes: tuple[Lane, ...], instants: Iterable[Instant], limit: int
) -> tuple[list[Lane], list[Lane]]:
    """The lanes to draw, in their order, and those left out (the least busy)."""
    if len(lanes) <= limit:
        return list(lanes), []
    marked = {mark.lane for mark in instants if mark.kind in _PRIORITY_MARKS}
    first = lanes[0].name  # the greenlet the test started in
    ranked = sorted(
        lanes,
        key=lambda lane: (lane.name != first, lane.name not in marked, not lane.is_hub, -lane.busy),
    )
    keep = {lane.name for lane in ranked[: limit - 1]}  # one row says what is left out
    return [lane for lane in lanes if lane.name in keep], [
        lane for lane in lanes if lane.name not in keep
    ]


def _header(timeline: Timeline, greenlets: int) -> list[str]:
    clock = "real time" if timeline.clock == "real" else f"{timeline.clock} time"
    facts = [
        timeline.outcome,
        seconds(timeline.duration),
        f"{greenlets} greenlet{'s' if greenlets != 1 else ''}",
        f"{timeline.switches} switches",
        clock,
    ]
    return [
        element(
            "text",
            fit(timeline.test, WIDTH - 2 * PAD, 13),
            x=PAD,
            y=PAD + 13,
            font_size=13,
            font_weight="bold",
            class_="title",
        ),
        element("text", " · ".join(facts), x=PAD, y=PAD + 30, fill="#444", class_="subtitle"),
    ]


def _axis(
    timeline: Timeline,
    x0: float,
    x1: float,
    top: float,
    lanes_top: float,
    lanes_bottom: float,
    x_of: Scale,
) -> list[str]:
    parts = [element("line", x1=x0, y1=top + 16, x2=x1, y2=top + 16, stroke="#888")]
    for moment in ticks(timeline.duration):
        x = x_of(moment)
        label = seconds(moment)
        # the last label would stick out of the picture when centred on its tick
        anchor = "end" if x + text_width(label, 10) / 2 > WIDTH - 2 else "middle"
        parts.append(element("line", x1=x, y1=lanes_top, x2=x, y2=lanes_bottom, stroke="#eceff1"))
        parts.append(element("line", x1=x, y1=top + 12, x2=x, y2=top + 16, stroke="#888"))
        parts.append(
            element(
                "text",
                label,
                x=x,
                y=top + 9,
                text_anchor=anchor,
                fill="#555",
                font_size=10,
                class_="tick",
            )
        )
    return parts


PHASE_COLOURS = {"setup": "#e3f2fd", "call": "#e8f5e9", "teardown": "#fff3e0"}
PHASE_ROW = 14


def _phases(phases: Iterable[Phase], x_of: Scale, top: float) -> tuple[list[str], float]:
    """The test's phases in a strip above the lanes; one inside another gets a row below."""
    rows: list[float] = []  # where each row's last phase ends
    parts = []
    for phase in sorted(phases, key=lambda p: (p.start, -p.end)):
        row = next((i for i, end in enumerate(rows) if end <= phase.start), len(rows))
        if row == len(rows):
            rows.append(phase.end)
        rows[row] = phase.end
        left, right = x_of(phase.start), x_of(phase.end)
        y = top + row * PHASE_ROW
        fill = PHASE_COLOURS.get(phase.name, "#ede7f6")
        title = f"{phase.name}: {seconds(phase.start)} to {seconds(phase.end)}"
        parts.append(f'<g class="phase">{element("title", title)}')
        parts.append(
            element(
                "rect",
                x=left,
                y=y,
                width=max(right - left, 1.0),
                height=PHASE_ROW - 2,
                fill=fill,
                stroke="#b0bec5",
                stroke_width=0.5,
            )
        )
        if right - left > text_width(phase.name, 9) + 6:
            parts.append(
                element(
                    "text",
                    phase.name,
                    x=(left + right) / 2,
                    y=y + 9.5,
                    text_anchor="middle",
                    font_size=9,
                    fill="#455a64",
                )
            )
        parts.append("</g>")
    return parts, len(rows) * PHASE_ROW + (4 if rows else 0)


def _lane(
    lane: Lane,
    index: int,
    lanes_top: float,
    label_width: float,
    x0: float,
    x1: float,
    x_of: Scale,
    fill: str,
) -> list[str]:
    top = lanes_top + index * LANE_HEIGHT
    summary = f"{lane.name}: ran {seconds(lane.busy)} in {len(lane.slices)} slices"
    parts = [f'<g class="lane">{element("title", summary)}']
    if index % 2:
        parts.append(
            element("rect", x=x0, y=top, width=x1 - x0, height=LANE_HEIGHT, fill="#f5f6f8")
        )
    parts.append(
        element(
            "text",
            fit(lane.name, label_width - 4, LABEL_SIZE),
            x=PAD + label_width,
            y=top + LANE_HEIGHT / 2 + 4,
            text_anchor="end",
            font_family=MONO,
            font_size=LABEL_SIZE,
            fill="#212121",
            class_="lane-label",
        )
    )
    bar_top = top + (LANE_HEIGHT - BAR_HEIGHT) / 2
    for start, end in _merged(lane.slices, x_of):
        parts.append(
            element(
                "rect",
                x=start,
                y=bar_top,
                width=max(end - start, 1.0),
                height=BAR_HEIGHT,
                fill=fill,
            )
        )
    parts.append("</g>")
    return parts


def _merged(slices: Iterable[tuple[float, float]], x_of: Scale) -> list[tuple[float, float]]:
    """Pixel extents of the slices, neighbours closer than half a pixel joined."""
    merged: list[list[float]] = []
    for start, end in slices:
        left, right = x_of(start), x_of(end)
        if merged and left - merged[-1][1] < 0.5:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    return [(left, right) for left, right in merged]


def _hidden_row(hidden: list[Lane], top: float, label_width: float, x0: float) -> list[str]:
    busy = sum(lane.busy for lane in hidden)
    slices = sum(len(lane.slices) for lane in hidden)
    return [
        element(
            "text",
            _more(hidden),
            x=PAD + label_width,
            y=top + LANE_HEIGHT / 2 + 4,
            text_anchor="end",
            font_family=MONO,
            font_size=LABEL_SIZE,
            fill="#616161",
            class_="lane-label hidden-lanes",
        ),
        element(
            "text",
            f"{len(hidden)} less busy greenlets not drawn: they ran {seconds(busy)} "
            f"in {slices} slices",
            x=x0,
            y=top + LANE_HEIGHT / 2 + 4,
            fill="#616161",
            font_style="italic",
        ),
    ]


def _more(hidden: list[Lane]) -> str:
    return f"+ {len(hidden)} more"
