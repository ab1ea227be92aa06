"""The ``gevent_schedules`` panel: a failing and a passing schedule side by side, their first
difference marked.

A step is what ran: a greenlet's name, or ``greenlet: what it did`` (the
steps ``gevent_schedules`` records), drawn in that greenlet's lane colour.
Both columns show the same window of steps around the first difference (the
steps before it are the same in both, so most of them are only counted), each
step in the colour of its greenlet's lane.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .model import Schedule, ScheduleComparison
from .svg import BLOCK_COLOUR, MONO, colour_of_name, element, fit

ROW = 15
CONTEXT = 8  # steps shown on each side of the first difference
ENDED = "(ended)"


def panel(
    comparison: ScheduleComparison,
    colours: dict[str, str],
    left: float,
    top: float,
    width: float,
) -> tuple[list[str], float]:
    """The two columns' elements, placed at ``(left, top)``, and the height they take."""
    first = comparison.first_difference
    longest = max(len(comparison.failing.steps), len(comparison.passing.steps))
    begin, end = max(0, first - CONTEXT), min(longest, first + CONTEXT + 1)
    parts = [
        element(
            "text",
            f"schedules: the first difference is at step {first + 1}",
            x=left,
            y=top + 14,
            font_weight="bold",
            class_="panel-title",
        )
    ]
    column = (width - 20) / 2
    rows_top = top + 44
    if begin:
        parts.append(
            element(
                "text",
                f"… {begin} earlier step{'s' if begin != 1 else ''}, the same in both",
                x=left,
                y=rows_top + 11,
                fill="#616161",
                font_style="italic",
            )
        )
        rows_top += ROW
    for offset, schedule in enumerate((comparison.failing, comparison.passing)):
        x = left + offset * (column + 20)
        parts += _column(schedule, colours, x, top, rows_top, column, begin, end, first)
    rows = end - begin
    after = rows_top + rows * ROW
    return parts, after + ROW + 8 - top


def _column(
    schedule: Schedule,
    colours: dict[str, str],
    x: float,
    top: float,
    rows_top: float,
    width: float,
    begin: int,
    end: int,
    first: int,
) -> list[str]:
    parts = [
        element(
            "text",
            fit(schedule.label, width, 11),
            x=x,
            y=top + 34,
            font_weight="bold",
            class_="schedule-label",
        )
    ]
    number_width = 7 * len(str(end)) + 4
    for row, step in enumerate(range(begin, end)):
        y = rows_top + row * ROW
        name = schedule.steps[step] if step < len(schedule.steps) else ENDED
        if step == first:
            parts.append(
                element(
                    "rect",
                    x=x - 2,
                    y=y,
                    width=width,
                    height=ROW,
                    fill=BLOCK_COLOUR,
                    fill_opacity=0.12,
                    stroke=BLOCK_COLOUR,
                    stroke_width=1.5,
                    class_="first-difference",
                )
            )
        parts.append(
            element(
                "text",
                str(step + 1),
                x=x + number_width,
                y=y + 11,
                text_anchor="end",
                font_family=MONO,
                font_size=10,
                fill="#757575",
            )
        )
        if name != ENDED:
            # A step is "greenlet: what it did" (gevent_schedules) or a greenlet's name.
            lane = name.split(": ", 1)[0]
            fill = colours.get(name) or colours.get(lane) or colour_of_name(lane)
            parts.append(
                element("rect", x=x + number_width + 6, y=y + 3, width=9, height=9, fill=fill)
            )
        parts.append(
            element(
                "text",
                fit(name, width - number_width - 30, 11),
                x=x + number_width + 20,
                y=y + 11,
                font_family=MONO,
                fill="#9e9e9e" if name == ENDED else "#212121",
                class_="step",
            )
        )
    remaining = len(schedule.steps) - end
    if remaining > 0:
        parts.append(
            element(
                "text",
                f"… {remaining} more step{'s' if remaining != 1 else ''}",
                x=x,
                y=rows_top + (end - begin) * ROW + 11,
                fill="#616161",
                font_style="italic",
            )
        )
    return parts
