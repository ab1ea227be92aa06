"""What a test and its greenlets are waiting on: the text a gevent timeout shows.

gevent's ``GreenletTree`` shows every greenlet of the thread with its whole
stack: for a test, some 25 lines of pytest and of this plugin around one line
of the test, and the finished greenlets of earlier tests. This shows the
test's own code where it waits, then each greenlet the test started that is
still running, with the innermost frames of its own code.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import linecache
import os
from types import FrameType
from typing import Any

from ..failures import internal_files
from .naming import describe, short_path
from .owners import Owner, can_run

FRAMES = 4  # of a greenlet's own code, innermost first
# The test's stack ends where pytest's (and pluggy's) begins.
_RUNNER = (os.sep + "_pytest" + os.sep, os.sep + "pluggy" + os.sep)


def _user_frames(frame: FrameType | None, limit: int) -> list[FrameType]:
    """The innermost ``limit`` frames of user code, from ``frame`` outwards."""
    internal = internal_files()
    frames: list[FrameType] = []
    while frame is not None and len(frames) < limit:
        filename = frame.f_code.co_filename
        if any(part in filename for part in _RUNNER):
            break
        if not filename.startswith(internal):
            frames.append(frame)
        frame = frame.f_back
    return frames


def _format(frames: list[FrameType], indent: str) -> list[str]:
    lines = []
    for frame in frames:
        code = frame.f_code
        lines.append(f"{indent}{short_path(code.co_filename)}:{frame.f_lineno}, in {code.co_name}")
        source = linecache.getline(code.co_filename, frame.f_lineno).strip()
        if source:
            lines.append(f"{indent}    {source}")
    return lines


def report(test_greenlet: Any, greenlets: list[Any]) -> str:
    """The test's waiting line(s) and each of ``greenlets`` still running, where it is."""
    lines = ["The test waits at:"]
    frames = _user_frames(getattr(test_greenlet, "gr_frame", None), limit=3)
    lines += _format(frames, "  ") or ["  (no frame of the test's own code)"]
    running = [glet for glet in greenlets if can_run(glet)]
    if running:
        lines.append(f"Its greenlets still running ({len(running)}):")
        for glet in running[:20]:
            lines.append(f"  {describe(glet)}")
            where = _format(_user_frames(getattr(glet, "gr_frame", None), FRAMES), "      ")
            lines += where or ["      (not started yet, or running gevent's code only)"]
        if len(running) > 20:
            lines.append(f"  ... and {len(running) - 20} more")
    else:
        lines.append("It started no greenlet that is still running.")
    return "\n".join(lines)


def owned_greenlets(owner: Owner) -> list[Any]:
    """The live greenlets ``owner`` answers for: tracked ones, then plain ones it started."""
    found = [ref() for ref in (*owner.spawned, *owner.born)]
    return [glet for glet in dict.fromkeys(found) if glet is not None and can_run(glet)]
