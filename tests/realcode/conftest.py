"""Repros of what real code and real projects' suites found (issues 10 and 16).

Each test writes a minimal project and runs it in a fresh pytest
(``run_project``: a deadline, its own process group, no orphans; see
``tests/plugins/isolated_run.py``). A test of a bug not fixed yet is marked
``xfail(strict=True)`` with its issue item, so it turns red once fixed.
"""

from __future__ import annotations

import functools

import pytest
from plugins.isolated_run import RunProject, run_pytest


@pytest.fixture
def run_project(pytester: pytest.Pytester) -> RunProject:
    """``run_project(*pytest_args, timeout=S)``: pytest in pytester's folder, isolated."""
    return functools.partial(run_pytest, pytester)
