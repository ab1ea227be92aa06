"""The marks on the lanes (first run, death, kill, spawn, error, leak), hub blocks, and the key.

Each mark is a small shape of its own colour with a tooltip saying what, when
and, where known, why; the key at the bottom lists only the kinds present.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .model import INSTANT_KINDS, SPAN_KINDS, Instant, Span, Timeline
from .svg import BLOCK_COLOUR, HUB_COLOUR, colour, element, seconds, text_width, titled

Scale = Callable[[float], float]  # seconds -> x pixels
MARK_COLOURS = {
    "start": "#2e7d32",
    "spawn": "#1565c0",
    "death": "#263238",
    "kill": "#000000",
    "error": "#c62828",
    "leak": "#ef6c00",
}


def spans(
    spans: Iterable[Span],
    row_of: dict[str, int],
    x_of: Scale,
    lanes_top: float,
    lanes_bottom: float,
    lane_height: float,
) -> tuple[list[str], list[str]]:
    """Hub blocks: a pale red band across every lane, a red outline on the greenlet blamed.

    Two lists: the bands go under the lanes (the run bars show through), the
    outlines over them (a lane's shaded background would hide them).
    """
    parts: list[str] = []
    outlines: list[str] = []
    for span in spans:
        left, right = x_of(span.start), x_of(span.end)
        width = max(right - left, 1.0)
        label = SPAN_KINDS[span.kind]
        title = (
            f"{label} {seconds(span.end - span.start)}"
            + (f" by {span.lane}" if span.lane else "")
            + (f": {span.text}" if span.text else "")
        )
        parts.append(
            titled(
                "rect",
                title,
                x=left,
                y=lanes_top,
                width=width,
                height=lanes_bottom - lanes_top,
                fill=BLOCK_COLOUR,
                fill_opacity=0.14,
                class_="hub-block",
            )
        )
        row = row_of.get(span.lane) if span.lane else None
        if row is not None:
            top = lanes_top + row * lane_height
            outlines.append(
                element(
                    "rect",
                    x=left,
                    y=top + 1,
                    width=width,
                    height=lane_height - 2,
                    fill="none",
                    stroke=BLOCK_COLOUR,
                    stroke_width=2,
                )
            )
    return parts, outlines


def instants(
    instants: Iterable[Instant],
    row_of: dict[str, int],
    x_of: Scale,
    lanes_top: float,
    lanes_bottom: float,
    lane_height: float,
) -> list[str]:
    parts = []
    for mark in instants:
        x = x_of(mark.time)
        title = (
            f"{INSTANT_KINDS[mark.kind]} at {seconds(mark.time)}"
            + (f" ({mark.lane})" if mark.lane else "")
            + (f": {mark.text}" if mark.text else "")
        )
        if mark.lane is None:
            parts.append(
                titled(
                    "line",
                    title,
                    x1=x,
                    y1=lanes_top,
                    x2=x,
                    y2=lanes_bottom,
                    stroke=MARK_COLOURS[mark.kind],
                    stroke_width=1.5,
                    stroke_dasharray="4 3",
                )
            )
            continue
        row = row_of.get(mark.lane)
        if row is not None:
            parts.append(
                symbol(mark.kind, x, lanes_top + row * lane_height + lane_height / 2, title)
            )
    return parts


def symbol(kind: str, x: float, y: float, title: str = "", role: str = "mark") -> str:
    """The mark of ``kind`` centred on ``(x, y)``, with a tooltip; ``role="legend"`` in the key."""
    fill = MARK_COLOURS[kind]
    tip = title or INSTANT_KINDS[kind]
    attributes: dict[str, object] = {"class_": f"{role} {role}-{kind}"}
    if kind == "start":
        points = f"{x:.1f},{y - 5:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 5:.1f}"
        return titled("polygon", tip, points=points, fill=fill, **attributes)
    if kind == "spawn":
        return titled(
            "circle",
            tip,
            cx=x,
            cy=y,
            r=3.5,
            fill="#ffffff",
            stroke=fill,
            stroke_width=1.6,
            **attributes,
        )
    if kind == "death":
        return titled("rect", tip, x=x - 1, y=y - 6, width=2.5, height=12, fill=fill, **attributes)
    if kind == "kill":
        a, b, c, d = f"{x - 4:.1f}", f"{x + 4:.1f}", f"{y - 4:.1f}", f"{y + 4:.1f}"
        path = f"M{a},{c}L{b},{d}M{a},{d}L{b},{c}"
        return titled("path", tip, d=path, stroke=fill, stroke_width=2, **attributes)
    if kind == "error":
        points = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
        return titled(
            "polygon",
            tip,
            points=points,
            fill=fill,
            stroke="#ffffff",
            stroke_width=0.8,
            **attributes,
        )
    # leak
    return titled(
        "rect",
        tip,
        x=x - 4,
        y=y - 4,
        width=8,
        height=8,
        fill=fill,
        stroke="#ffffff",
        stroke_width=0.8,
        **attributes,
    )


def legend(timeline: Timeline, left: float, top: float, right: float) -> tuple[list[str], float]:
    present = {mark.kind for mark in timeline.instants}
    items: list[tuple[str, str]] = [
        ("run", "runs"),
        ("hub", "hub: the event loop, running callbacks or waiting"),
    ]
    items += [(kind, label) for kind, label in INSTANT_KINDS.items() if kind in present]
    if timeline.spans:
        items.append(("hub_block", SPAN_KINDS["hub_block"]))
    parts: list[str] = []
    x, y = left, top + 10
    for key, label in items:
        width = 18 + text_width(label, 10) * 0.9 + 14  # a proportional font is narrower
        if x + width > right:
            x, y = left, y + 16
        if key == "run":
            parts.append(element("rect", x=x, y=y - 5, width=12, height=10, fill=colour(0)))
        elif key == "hub":
            parts.append(element("rect", x=x, y=y - 5, width=12, height=10, fill=HUB_COLOUR))
        elif key == "hub_block":
            parts.append(
                element(
                    "rect", x=x, y=y - 5, width=12, height=10, fill=BLOCK_COLOUR, fill_opacity=0.35
                )
            )
        else:
            parts.append(symbol(key, x + 6, y, role="legend"))
        parts.append(element("text", label, x=x + 18, y=y + 4, font_size=10, fill="#333"))
        x += width
    return parts, y - top + 16
