"""Where a test's trace files go: ``DIR/<test id made file-safe>.json`` and ``.svg``.

The name keeps the node id readable (``tests/test_a.py::test_b[1]`` becomes
``tests.test_a.py__test_b_1``); an id with other characters, or too long for a
file name, also gets a short hash of the id, so two tests never share a file,
also when xdist workers write into the same folder at once.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from .model import Timeline

# a path, names and plain parameters: the readable name alone is unambiguous
_PLAIN = re.compile(r"[A-Za-z0-9._/:-]*(\[[A-Za-z0-9._-]*\])?")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_STEM = 150  # file systems allow 255 bytes; leave room for the hash and the suffix


def stem(nodeid: str) -> str:
    """The file name, without suffix, for the test ``nodeid``."""
    readable = nodeid.replace("::", "__").replace("/", ".").replace("[", "_").replace("]", "")
    readable = _UNSAFE.sub("_", readable).strip(".") or "test"
    if _PLAIN.fullmatch(nodeid) and len(readable) <= MAX_STEM:
        return readable
    digest = hashlib.sha1(nodeid.encode("utf-8")).hexdigest()[:10]
    return f"{readable[:MAX_STEM]}-{digest}"


def paths(directory: Path, nodeid: str) -> tuple[Path, Path]:
    """The JSON and the SVG file of ``nodeid`` in ``directory``."""
    name = stem(nodeid)
    return directory / f"{name}.json", directory / f"{name}.svg"


def write(timeline: Timeline, json_path: Path, svg_path: Path) -> None:
    """Write both files; each appears whole or not at all (a reader never sees half)."""
    from .swimlanes import to_svg
    from .trace_event import to_json

    for path, text in ((json_path, to_json(timeline)), (svg_path, to_svg(timeline))):
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
