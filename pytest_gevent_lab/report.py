"""``--gevent-report=PATH.json``: the run's measured results, readable after the run.

Capabilities add entries under a section name ("speedup", "claims") from the
controller's view of test reports, so results measured in xdist workers
arrive here too: a worker puts them in the test report's ``user_properties``
(which xdist serialises), and the controller files them with :func:`add`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from . import patched_mode

sections_key = pytest.StashKey[dict[str, list[dict[str, Any]]]]()


def add(config: pytest.Config, section: str, entry: dict[str, Any]) -> None:
    config.stash.setdefault(sections_key, {}).setdefault(section, []).append(entry)


def entries(config: pytest.Config, section: str) -> list[dict[str, Any]]:
    sections: dict[str, list[dict[str, Any]]] = config.stash.get(sections_key, {})
    return sections.get(section, [])


def write(config: pytest.Config) -> Path | None:
    """Write the report if ``--gevent-report`` asked for one (not from xdist workers)."""
    target = config.getoption("gevent_report")
    if not target or hasattr(config, "workerinput"):
        return None
    path = Path(target)
    document: dict[str, Any] = {"patching": patched_mode.header_lines(config)}
    sections: dict[str, list[dict[str, Any]]] = config.stash.get(sections_key, {})
    document.update(sections)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
