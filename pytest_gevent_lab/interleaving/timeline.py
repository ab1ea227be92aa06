"""The text a failed order assertion shows: expected and actual side by side, and a timeline.

The timeline has one column per greenlet, so a reader sees at a glance which
greenlet ran when. Long logs keep their first and last rows and the rows around
the marked ones; the middle is elided, so a 100-event failure stays readable.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence

MISSING = "(nothing)"
ALL_ROWS_UP_TO = 40  # shorter logs are shown whole
EDGE_ROWS = 8  # kept at the start and at the end of a long log
CONTEXT_ROWS = 4  # kept on each side of a marked row
MAX_FOCUS = 3  # marked rows that keep context around them
MAX_COLUMNS = 8  # more greenlets than this: one row per event naming its greenlet


def first_difference(expected: Sequence[str], actual: Sequence[str]) -> int | None:
    """Index of the first position where the two differ (a missing item counts), else None."""
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            return index
    if len(expected) != len(actual):
        return min(len(expected), len(actual))
    return None


def mismatch(
    expected: Sequence[str], actual: Sequence[str], *, nothing: str
) -> tuple[int, str, str] | None:
    """``(index, actual item, expected item)`` at the first difference, as reprs, else None."""
    first = first_difference(expected, actual)
    if first is None:
        return None
    got = repr(actual[first]) if first < len(actual) else nothing
    want = repr(expected[first]) if first < len(expected) else nothing
    return first, got, want


def side_by_side(
    expected: Sequence[str], actual: Sequence[str], *, what: str = "event"
) -> list[str]:
    """Rows ``expected | actual``; ``>`` marks the first difference, ``!=`` every differing row."""
    first = first_difference(expected, actual)
    count = max(len(expected), len(actual))
    left = [expected[i] if i < len(expected) else MISSING for i in range(count)]
    right = [actual[i] if i < len(actual) else MISSING for i in range(count)]
    width = min(max(len("expected"), *map(len, left or [""])), 40)
    number = len(str(count))
    lines = [f"expected vs actual ({_marked_note(first, what)}):"]
    lines.append(f"  {'#':>{number}}  {'expected':<{width}}    actual")
    for index in _visible(count, [] if first is None else [first], lines_out=lines, what=what):
        mark = ">" if index == first else " "
        differs = "!=" if left[index] != right[index] else "  "
        lines.append(
            f"{mark} {index + 1:>{number}}  {_fit(left[index], width):<{width}} {differs} "
            f"{_fit(right[index], 60)}"
        )
    return lines


def timeline(
    rows: Sequence[tuple[str, str]], marks: Collection[int] = (), *, what: str = "event"
) -> list[str]:
    """One row per ``(greenlet, text)``, the text in that greenlet's column; ``>`` marks rows."""
    columns: dict[str, int] = {}
    for glet, _ in rows:
        columns.setdefault(glet, len(columns))
    if not columns:
        return ["timeline: no events recorded"]
    if len(columns) > MAX_COLUMNS:
        return _listed(rows, marks, len(columns), what)
    widest = max(12, min(36, 110 // len(columns)))
    widths = [len(name) for name in columns]
    for glet, text in rows:
        column = columns[glet]
        widths[column] = max(widths[column], len(text))
    widths = [min(width, widest) for width in widths]
    number = len(str(len(rows)))
    lines = [f"timeline (one column per greenlet, {what}s in order):"]
    header = "  ".join(_fit(name, w).ljust(w) for name, w in zip(columns, widths, strict=True))
    lines.append(f"  {'#':>{number}}  {header}".rstrip())
    focus = sorted(marks)[:MAX_FOCUS]
    for index in _visible(len(rows), focus, lines_out=lines, what=what):
        glet, text = rows[index]
        cells = [""] * len(columns)
        cells[columns[glet]] = text
        body = "  ".join(_fit(cell, w).ljust(w) for cell, w in zip(cells, widths, strict=True))
        mark = ">" if index in marks else " "
        lines.append(f"{mark} {index + 1:>{number}}  {body}".rstrip())
    return lines


def _listed(
    rows: Sequence[tuple[str, str]], marks: Collection[int], greenlets: int, what: str
) -> list[str]:
    """The timeline for many greenlets: columns would be too narrow to read."""
    width = min(24, max(len("greenlet"), *(len(glet) for glet, _ in rows)))
    number = len(str(len(rows)))
    lines = [f"timeline ({greenlets} greenlets, too many for columns; {what}s in order):"]
    lines.append(f"  {'#':>{number}}  {'greenlet':<{width}}  {what}")
    for index in _visible(len(rows), sorted(marks)[:MAX_FOCUS], lines_out=lines, what=what):
        glet, text = rows[index]
        mark = ">" if index in marks else " "
        lines.append(
            f"{mark} {index + 1:>{number}}  {_fit(glet, width):<{width}}  {_fit(text, 60)}"
        )
    return lines


def _visible(count: int, focus: Iterable[int], *, lines_out: list[str], what: str) -> Iterator[int]:
    """Indices to show; appends an elision line to ``lines_out`` before each gap."""
    if count <= ALL_ROWS_UP_TO:
        yield from range(count)
        return
    keep = set(range(EDGE_ROWS)) | set(range(count - EDGE_ROWS, count))
    for index in focus:
        keep.update(range(max(0, index - CONTEXT_ROWS), min(count, index + CONTEXT_ROWS + 1)))
    previous = -1
    for index in sorted(keep):
        if index != previous + 1:
            lines_out.append(f"  ... {index - previous - 1} {what}s elided ...")
        yield index
        previous = index


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 3)] + "..."


def _marked_note(first: int | None, what: str) -> str:
    if first is None:
        return "identical"
    return f"first difference at {what} {first + 1}, marked >"
