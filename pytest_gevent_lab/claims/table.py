"""The claims table of the terminal summary: one row per claim id, in source order.

Claim texts mix Chinese and English, so widths are display widths (a wide
character takes two columns) and long lines wrap at spaces or between wide
characters, keeping the claim column aligned.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from .marker import UNVERIFIED

_MIN_CLAIM_WIDTH = 30


def _char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def display_width(text: str) -> int:
    return sum(_char_width(char) for char in text)


def _break_at(line: str, width: int) -> int:
    """Where to cut ``line`` so that its head fits in ``width`` columns (at least 1 char)."""
    used = best = 0
    for index, char in enumerate(line):
        char_width = _char_width(char)
        if used + char_width > width:
            return best or max(index, 1)
        if char_width == 2 and index:
            best = index  # before a wide character
        used += char_width
        if char == " " or char_width == 2:
            best = index + 1
    return len(line)


def wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines() or [""]:
        line = raw.strip()
        while display_width(line) > width:
            cut = _break_at(line, width)
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        lines.append(line)
    return lines


def format_value(value: object, unit: str) -> str:
    if isinstance(value, float):
        shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    else:
        shown = str(value)
    return f"{shown} {unit}".rstrip()


def format_figure(figure: dict[str, Any]) -> str:
    line = f"{figure['name']}: {format_value(figure['value'], figure['unit'])}"
    if figure.get("article") is not None:
        line += f"  (article: {format_value(figure['article'], figure['unit'])})"
    return line


def group_verdict(entries: list[dict[str, Any]]) -> str:
    """The verdict of one claim over all the tests that check it."""
    not_verified = [entry["outcome"] for entry in entries if entry["verdict"] == UNVERIFIED]
    if not_verified:
        counts = {word: not_verified.count(word) for word in dict.fromkeys(not_verified)}
        return f"{UNVERIFIED} (" + ", ".join(f"{n} {w}" for w, n in counts.items()) + ")"
    verdicts = list(dict.fromkeys(entry["verdict"] for entry in entries))
    return verdicts[0] if len(verdicts) == 1 else "conflicting: " + " / ".join(verdicts)


def _grouped(entries: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["id"], []).append(entry)

    def first_location(group: list[dict[str, Any]]) -> tuple[str, int, str]:
        return min((str(e["location"][0]), e["location"][1] or 0, e["test"]) for e in group)

    return sorted(groups.values(), key=first_location)


def table_lines(entries: Iterable[dict[str, Any]], width: int = 100) -> list[str]:
    """The table's lines: a header, then per claim its text, source and figures."""
    groups = _grouped(entries)
    if not groups:
        return []
    rows = [(group[0]["id"], group_verdict(group), group) for group in groups]
    id_width = max(display_width("id"), *(display_width(row[0]) for row in rows))
    verdict_width = max(len("verdict"), *(len(row[1]) for row in rows))
    indent = id_width + verdict_width + 4
    claim_width = max(width - indent - 1, _MIN_CLAIM_WIDTH)

    def row(first: str, second: str, third: str) -> str:
        pad = " " * (id_width - display_width(first))
        return f"{first}{pad}  {second:<{verdict_width}}  {third}".rstrip()

    lines = [row("id", "verdict", "claim"), row("-" * id_width, "-" * verdict_width, "-----")]
    for claim_id, verdict, group in rows:
        cells = wrap(group[0]["text"], claim_width)
        if group[0].get("source"):
            cells += wrap(f"source: {group[0]['source']}", claim_width)
        for figure in (figure for entry in group for figure in entry["figures"]):
            head, *rest = wrap(format_figure(figure), claim_width - 2)
            cells += ["- " + head, *("  " + line for line in rest)]
        lines.append(row(claim_id, verdict, cells[0]))
        lines.extend(row("", "", cell) for cell in cells[1:])
    return lines


def totals_line(entries: Iterable[dict[str, Any]]) -> str:
    verdicts = [group_verdict(group) for group in _grouped(entries)]
    counts: dict[str, int] = {}
    for verdict in verdicts:
        key = UNVERIFIED if verdict.startswith(UNVERIFIED) else verdict
        counts[key] = counts.get(key, 0) + 1
    return f"claims: {len(verdicts)} (" + ", ".join(f"{v}: {n}" for v, n in counts.items()) + ")"
