"""Beside pytest-asyncio: async tests and gevent tests in one run, and no crash on its warning."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from plugins.isolated_run import run_isolated

if TYPE_CHECKING:
    from conftest import Lab

pytest.importorskip("pytest_asyncio")

ROOT = Path(__file__).resolve().parents[2]

ASYNC_BESIDE_GEVENT = """
    import asyncio

    import gevent
    import pytest


    @pytest.mark.asyncio
    async def test_async():
        await asyncio.sleep(0.01)
        assert asyncio.get_running_loop().is_running()


    def test_gevent(spawn):
        assert spawn(lambda: gevent.sleep(0.01) or 42).get() == 42


    @pytest.mark.asyncio
    async def test_async_after_gevent():
        results = await asyncio.gather(asyncio.sleep(0.01, "a"), asyncio.sleep(0, "b"))
        assert results == ["a", "b"]
"""


def test_async_tests_run_beside_gevent_tests(lab: Lab, mode_args: tuple[str, ...]) -> None:
    lab.write(ASYNC_BESIDE_GEVENT)
    result = lab.run_isolated(*mode_args)
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize("target", ["examples", "tests"])
def test_this_projects_configuration_survives_pytest_asyncio(target: str) -> None:
    """``pytest examples`` (and ``pytest tests``) with this repository's own ini, collect only."""
    # Not lab: it runs in this repository, not in a lab folder.
    result = run_isolated(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", target],
        cwd=ROOT,
        timeout=120,
    )
    text = "\n".join(result.outlines + result.errlines)
    assert "INTERNALERROR" not in text, text[-3000:]
    assert result.ret == 0, text[-3000:]
