"""The ``concurrent_speedup`` panel: each timed round's sequential and concurrent time, the medians.

Bars side by side per round show at a glance whether one slow round decided
the verdict; the dashed lines are the medians the failure message quotes.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .model import SpeedupRounds
from .svg import element, seconds, ticks

SEQUENTIAL_COLOUR = "#546e7a"
CONCURRENT_COLOUR = "#00897b"
PLOT_HEIGHT = 110
AXIS_WIDTH = 64
LABEL_GAP = 12  # pixels between the two median labels' baselines, at the least


def panel(rounds: SpeedupRounds, left: float, top: float, width: float) -> tuple[list[str], float]:
    """The chart's elements, placed at ``(left, top)``, and the height it takes."""
    parts = [
        element(
            "text",
            "concurrent_speedup: time of each timed round, sequential and concurrent",
            x=left,
            y=top + 14,
            font_weight="bold",
            class_="panel-title",
        )
    ]
    plot_top, plot_left = top + 26, left + AXIS_WIDTH
    plot_width = width - AXIS_WIDTH - 150  # room on the right for the median labels
    plot_bottom = plot_top + PLOT_HEIGHT
    highest = max(*rounds.sequential, *rounds.concurrent, 1e-9) * 1.1

    def y_of(value: float) -> float:
        return plot_bottom - value / highest * PLOT_HEIGHT

    for value in ticks(highest, 4):
        y = y_of(value)
        parts.append(
            element("line", x1=plot_left, y1=y, x2=plot_left + plot_width, y2=y, stroke="#eceff1")
        )
        parts.append(
            element(
                "text",
                seconds(value),
                x=plot_left - 6,
                y=y + 3,
                text_anchor="end",
                font_size=10,
                fill="#555",
            )
        )
    count = len(rounds.sequential)
    group = plot_width / count
    bar = max(min(group * 0.36, 18.0), 1.0)
    label_every = max(1, round(count / 20))
    for index, (sequential, concurrent) in enumerate(
        zip(rounds.sequential, rounds.concurrent, strict=True)
    ):
        middle = plot_left + group * (index + 0.5)
        for value, x, fill, mode in (
            (sequential, middle - bar - 0.5, SEQUENTIAL_COLOUR, "sequential"),
            (concurrent, middle + 0.5, CONCURRENT_COLOUR, "concurrent"),
        ):
            y = y_of(value)
            parts.append(
                f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{plot_bottom - y:.2f}" '
                f'fill="{fill}" class="round {mode}"><title>round {index + 1} {mode}: '
                f"{seconds(value)}</title></rect>"
            )
        if index % label_every == 0:
            parts.append(
                element(
                    "text",
                    str(index + 1),
                    x=middle,
                    y=plot_bottom + 12,
                    text_anchor="middle",
                    font_size=10,
                    fill="#555",
                )
            )
    parts.append(
        element(
            "line",
            x1=plot_left,
            y1=plot_bottom,
            x2=plot_left + plot_width,
            y2=plot_bottom,
            stroke="#888",
        )
    )
    medians = (
        (rounds.sequential_median, SEQUENTIAL_COLOUR, "sequential"),
        (rounds.concurrent_median, CONCURRENT_COLOUR, "concurrent"),
    )
    label_ys = _apart([y_of(median) + 3 for median, _, _ in medians], LABEL_GAP)
    for (median, fill, mode), label_y in zip(medians, label_ys, strict=True):
        y = y_of(median)
        parts.append(
            element(
                "line",
                x1=plot_left,
                y1=y,
                x2=plot_left + plot_width + 6,
                y2=y,
                stroke=fill,
                stroke_width=1.5,
                stroke_dasharray="5 3",
                class_=f"median {mode}",
            )
        )
        parts.append(
            element(
                "text",
                f"{mode} median {seconds(median)}",
                x=plot_left + plot_width + 10,
                y=label_y,
                font_size=10,
                fill=fill,
                class_="median-label",
            )
        )
    parts.append(
        element(
            "text",
            "round",
            x=plot_left + plot_width / 2,
            y=plot_bottom + 24,
            text_anchor="middle",
            font_size=10,
            fill="#555",
        )
    )
    facts = [
        f"median ratio {rounds.median_ratio:.2f}x",
        f"required {rounds.required:.2f}x",
    ]
    if rounds.supported is not None:
        facts.append(f"supported beyond noise {rounds.supported:.2f}x")
    if rounds.verdict:
        facts.append(f"verdict: {rounds.verdict}")
    summary = " · ".join(facts)
    parts.append(
        element("text", summary, x=left, y=plot_bottom + 42, fill="#212121", class_="speedup-facts")
    )
    for offset, (fill, mode) in enumerate(
        ((SEQUENTIAL_COLOUR, "sequential"), (CONCURRENT_COLOUR, "concurrent"))
    ):
        x = left + width - 190 + offset * 95
        parts.append(element("rect", x=x, y=top + 5, width=10, height=10, fill=fill))
        parts.append(element("text", mode, x=x + 14, y=top + 14, font_size=10, fill="#333"))
    return parts, plot_bottom + 54 - top


def _apart(ys: list[float], gap: float) -> list[float]:
    """The two labels' baselines, moved apart about their middle when closer than ``gap``.

    A body that overlaps nothing has equal medians: the labels would print over
    each other. The first (sequential) stays on top when they tie.
    """
    first, second = ys
    if abs(second - first) >= gap:
        return ys
    middle = (first + second) / 2
    if first <= second:
        return [middle - gap / 2, middle + gap / 2]
    return [middle + gap / 2, middle - gap / 2]
