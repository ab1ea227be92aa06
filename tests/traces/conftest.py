"""Helpers of the trace tests: a traced ``lab`` run and reading what it wrote."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Lab

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
def run_traced(lab: Lab) -> RunTraced:
    """Write ``source`` as the test module and run it with ``--gevent-trace=traces``.

    In this process by default (``lab.run``: unpatched); ``subprocess=True``
    (``lab.run_subprocess``) for runs that patch, use xdist or destroy the hub.
    """

    def run(source: str, *args: str, subprocess: bool = False) -> TracedRun:
        lab.write(source, name="test_module")
        directory = lab.path / "traces"
        argv = (f"--gevent-trace={directory}", *args)
        if subprocess:
            result = lab.run_subprocess(*argv, timeout=SUBPROCESS_TIMEOUT)
        else:
            result = lab.run(*argv)
        return TracedRun(result, directory)

    return run
