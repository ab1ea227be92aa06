"""Helpers of the trace tests: a traced pytester run and reading what it wrote."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

SUBPROCESS_TIMEOUT = 180  # seconds; a hang is a failure


@dataclass
class TracedRun:
    result: pytest.RunResult
    directory: Path

    def files(self) -> list[str]:
        return sorted(
            path.name for path in self.directory.iterdir() if not path.name.startswith(".")
        )

    def trace(self, stem: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.directory / f"{stem}.json").read_text("utf-8"))
        return loaded

    def svg(self, stem: str) -> str:
        return (self.directory / f"{stem}.svg").read_text("utf-8")


RunTraced = Callable[..., TracedRun]


@pytest.fixture
def run_traced(pytester: pytest.Pytester) -> RunTraced:
    """Write ``source`` as the test module and run it with ``--gevent-trace=traces``.

    In this process by default (unpatched); ``subprocess=True`` for runs that
    patch, use xdist or destroy the hub.
    """

    def run(source: str, *args: str, subprocess: bool = False) -> TracedRun:
        pytester.makepyfile(test_module=dedent(source))
        directory = pytester.path / "traces"
        argv = ("-p", "no:randomly", f"--gevent-trace={directory}", *args)
        if subprocess:
            result = pytester.runpytest_subprocess(*argv, timeout=SUBPROCESS_TIMEOUT)
        else:
            result = pytester.runpytest(*argv)
        return TracedRun(result, directory)

    return run
