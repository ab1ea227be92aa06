"""The coexistence suite: this plugin beside other plugins, each run a fresh pytest.

Every test writes a small project with pytester and runs it with
``run_project``: a subprocess with a deadline, in its own process group, so a
hang is a failure (``Hung``) and so is an orphan (``Orphaned``); see
``isolated_run.py``. Each test needs its peer plugin installed (the tox env
``plugins`` has all of them) and skips without it.
"""

from __future__ import annotations

import functools

import pytest
from plugins.isolated_run import RunProject, run_pytest

# Both modes of every coexistence test; patching is process-wide, hence subprocesses.
MODES = {"plain": (), "patched": ("--gevent-patch",)}


@pytest.fixture(params=list(MODES))
def mode_args(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The plugin's mode: ``()`` or ``("--gevent-patch",)``."""
    return MODES[request.param]


@pytest.fixture
def run_project(pytester: pytest.Pytester) -> RunProject:
    """``run_project(*pytest_args, timeout=S)``: pytest in pytester's folder, isolated."""
    return functools.partial(run_pytest, pytester)
