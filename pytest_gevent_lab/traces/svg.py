"""Small pieces every SVG panel uses: elements as text, time labels, axis ticks, lane colours.

Text is estimated, not measured (a picture must not need a browser to be made):
labels use a monospace font, whose advance is close to 0.6 em in every common
one, so a label can be cut to the room it has.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
import zlib
from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
MONO = "DejaVu Sans Mono, Liberation Mono, Menlo, Consolas, monospace"
MONO_ADVANCE = 0.6  # of the font size: the width of one monospace character
HUB_COLOUR = "#9aa0a6"
BLOCK_COLOUR = "#d32f2f"


def element(tag: str, text: str | None = None, /, **attributes: object) -> str:
    """``<tag a="1">text</tag>``; ``font_size=`` is written ``font-size``, ``class_`` ``class``."""
    parts = [tag]
    for key, value in attributes.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = number(value)
        parts.append(f"{name}={quoteattr(str(value))}")
    opening = " ".join(parts)
    if text is None:
        return f"<{opening}/>"
    return f"<{opening}>{escape(text)}</{tag}>"


def titled(tag: str, title: str, **attributes: object) -> str:
    """An element with a tooltip (browsers show ``<title>`` on hover)."""
    opening = element(tag, **attributes)[:-2]
    return f"{opening}>{element('title', title)}</{tag}>"


def number(value: float) -> str:
    """At most two decimals, no trailing zeros: pixel positions stay short."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fit(text: str, room: float, size: float) -> str:
    """``text`` cut with an ellipsis to what ``room`` pixels of monospace at ``size`` hold."""
    chars = max(1, int(room / (size * MONO_ADVANCE)))
    return text if len(text) <= chars else text[: max(0, chars - 1)] + "…"


def text_width(text: str, size: float) -> float:
    return len(text) * size * MONO_ADVANCE


def seconds(value: float) -> str:
    """A duration for a label: ``0``, ``750 µs``, ``1.5 ms``, ``2.25 s``."""
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if magnitude < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def ticks(span: float, wanted: int = 8) -> list[float]:
    """Round tick positions (1, 2 or 5 x a power of ten) from 0 to ``span``."""
    if span <= 0 or not math.isfinite(span):
        return [0.0]
    raw = span / wanted
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = int(span / step + 1e-9)
    return [i * step for i in range(count + 1)]


def colour(index: int) -> str:
    """Lane colours: hues a golden angle apart, so neighbours never look alike."""
    hue = (index * 137.508 + 210) % 360
    return f"hsl({hue:.0f},62%,52%)"


def colour_of_name(name: str) -> str:
    """A stable colour for a name that has no lane (a schedule step)."""
    return colour(zlib.crc32(name.encode("utf-8")) % 997)
