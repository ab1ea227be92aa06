"""The helper every plugin test uses: ``lab``, a throwaway project to write and run pytest in.

    def test_leak_is_reported(lab):
        lab.write('''
            import gevent

            def test_leaks(spawn):
                spawn(gevent.sleep, 100)
                gevent.sleep(0)
        ''')
        lab.run().assert_outcomes(passed=1, errors=1)

Sources are dedented and joined in order. Every run keeps the inner file order
(``-p no:randomly``; a ``-p randomly`` among its arguments turns it back on):
pytest-randomly is installed, and many inner modules rely on one test running
before the next. Patched runs go through ``run_patched`` (a fresh interpreter:
patching cannot be undone here), which also checks that the header says patching
is on, so a run that silently stayed unpatched cannot pass. Every fresh
interpreter has a timeout (a run that needs longer passes its own), so a hang
fails its test. ``run_isolated`` also runs it in its own process group, so a
process it leaves behind fails the test too (``plugins/isolated_run.py``); it
keeps file order unless the arguments name pytest-randomly (the one suite that
tests beside it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess
from textwrap import dedent
from typing import Any

# The plugin imports gevent only once a test uses it. pytester's in-process
# runs drop every module first imported during the run, so a gevent imported
# by one such run would be imported anew by the next, with a new Hub class the
# first run's hub is no instance of. Imported here, it is kept.
import gevent.hub  # noqa: F401
import pytest
from plugins.isolated_run import DEFAULT_TIMEOUT, run_pytest

pytest_plugins = ["pytester"]

SUBPROCESS_TIMEOUT = 120.0
"""Seconds a fresh pytest may take: a hang fails its test instead of sticking CI."""
TEST_TIMEOUT = 300.0
"""Seconds any test of this suite may take unless it says otherwise (pytest-timeout)."""
# The inner runs' own order and cache are noise here: file order, and no
# .pytest_cache written by every one of a hundred runs.
INNER_ARGS = ("-p", "no:randomly", "-p", "no:cacheprovider")
PATCHED_HEADER = "*gevent-lab: *patching: on*"


class Lab:
    """A pytester directory for one test, with the ways this suite runs pytest in it."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester

    @property
    def path(self) -> Path:
        return self.pytester.path

    def write(self, *sources: str, name: str | None = None) -> Path:
        """One module from ``sources``; named after the running test unless ``name`` is given."""
        text = _joined(sources)
        if name is None:
            return self.pytester.makepyfile(text)
        return self.pytester.makepyfile(**{name: text})

    def conftest(self, *sources: str) -> Path:
        return self.pytester.makeconftest(_joined(sources))

    def ini(self, *lines: str) -> Path:
        """pytest.ini: ``[pytest]`` and ``lines``, e.g. ``ini("gevent_timeout = 0.05")``."""
        return self.pytester.makeini("\n".join(["[pytest]", *lines, ""]))

    @staticmethod
    def before_summary(result: pytest.RunResult) -> str:
        """A run's output up to its short test summary: with ``CI`` set, pytest
        prints each summary line untruncated, repeating the whole message."""
        return result.stdout.str().partition("short test summary info")[0]

    def run(self, *args: str) -> pytest.RunResult:
        """pytest in this process (unpatched), in file order."""
        return self.pytester.runpytest(*INNER_ARGS, *args)

    def run_subprocess(self, *args: str, timeout: float = SUBPROCESS_TIMEOUT) -> pytest.RunResult:
        """pytest in a fresh interpreter, in file order, failing after ``timeout`` seconds."""
        return self.pytester.runpytest_subprocess(*INNER_ARGS, *args, timeout=timeout)

    def run_isolated(self, *args: str, timeout: float = DEFAULT_TIMEOUT) -> pytest.RunResult:
        """pytest in a fresh interpreter and its own process group: a hang past ``timeout``
        raises ``Hung``, a process left running ``Orphaned`` (see ``run_pytest``)."""
        return run_pytest(self.pytester, *args, timeout=timeout)

    def run_patched(self, *args: str) -> pytest.RunResult:
        """``pytest --gevent-patch`` in a fresh interpreter; its header must say patching is on."""
        result = self.run_subprocess("--gevent-patch", *args)
        result.stdout.fnmatch_lines([PATCHED_HEADER])
        return result

    def launch(self, *args: str, env: dict[str, str] | None = None) -> CompletedProcess[str]:
        """``python -m pytest_gevent_lab`` (the launcher) here, with ``env`` added to ours."""
        return subprocess.run(
            [sys.executable, "-m", "pytest_gevent_lab", *INNER_ARGS, *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            env=None if env is None else {**os.environ, **env},
            check=False,
        )

    def report(self, path: str = "report.json") -> dict[str, Any]:
        """The ``--gevent-report`` document a run wrote to ``path``."""
        document: dict[str, Any] = json.loads((self.path / path).read_text(encoding="utf-8"))
        return document


def _joined(sources: tuple[str, ...]) -> str:
    return "".join(dedent(source) for source in sources)


@pytest.fixture
def lab(pytester: pytest.Pytester) -> Lab:
    return Lab(pytester)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # In-process runs have no subprocess timeout: a plugin bug that hangs one
    # must fail that test, not stop the suite. Tests that set their own keep
    # theirs, and so does a run given a timeout (--timeout, ini, PYTEST_TIMEOUT).
    if not config.pluginmanager.hasplugin("timeout") or (
        config.getoption("timeout") or config.getini("timeout") or os.environ.get("PYTEST_TIMEOUT")
    ):
        return
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))
