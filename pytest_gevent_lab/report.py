"""``--gevent-report=PATH.json``: the run's measured results, readable after the run.

Capabilities add entries under a section name ("speedup", "claims") from the
controller's view of test reports, so results measured in xdist workers
arrive here too: a worker puts them in the test report's ``user_properties``
(which xdist serialises), and the controller files them with :func:`add`.
"""

from __future__ import annotations

import json
import sys
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


def check_target(config: pytest.Config) -> None:
    """A report path that cannot be written is a usage error now, not a crash after the run."""
    target = config.getoption("gevent_report")
    if target and Path(target).is_dir():
        raise pytest.UsageError(
            f"--gevent-report={target}: is a folder; give a file path, e.g. {target}/report.json"
        )


def write(config: pytest.Config) -> Path | None:
    """Write the report if ``--gevent-report`` asked for one (not from xdist workers)."""
    target = config.getoption("gevent_report")
    if not target or hasattr(config, "workerinput"):
        return None
    path = Path(target)
    document: dict[str, Any] = {
        "patching": patched_mode.header_lines(config),
        "patching in xdist workers": patched_mode.worker_reports(config),
    }
    sections: dict[str, list[dict[str, Any]]] = config.stash.get(sections_key, {})
    document.update(sections)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as error:
        # After the run: say so instead of a traceback that hides the summary.
        sys.stderr.write(f"ERROR: gevent-lab could not write --gevent-report={target}: {error}\n")
        return None
    return path
