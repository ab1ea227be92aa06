"""Helpers shared by the plugin's tests."""

from __future__ import annotations

from collections.abc import Callable
from textwrap import dedent

# The plugin imports gevent only once a test uses it. pytester's in-process
# runs drop every module first imported during the run, so a gevent imported
# by one such run would be imported anew by the next, with a new Hub class the
# first run's hub is no instance of. Imported here, it is kept.
import gevent.hub  # noqa: F401
import pytest

pytest_plugins = ["pytester"]

RunModule = Callable[..., pytest.RunResult]


def _write_module(pytester: pytest.Pytester, sources: tuple[str, ...]) -> None:
    pytester.makepyfile("".join(dedent(source) for source in sources))


@pytest.fixture
def run_in_process(pytester: pytest.Pytester) -> RunModule:
    """Write a test module from ``sources`` and run it unpatched, here, in file order."""

    def run(*sources: str, args: tuple[str, ...] = ()) -> pytest.RunResult:
        _write_module(pytester, sources)
        return pytester.runpytest("-p", "no:randomly", *args)

    return run


@pytest.fixture
def run_patched(pytester: pytest.Pytester) -> RunModule:
    """The same, in a fresh ``pytest --gevent-patch`` (patching cannot be undone here)."""

    def run(*sources: str) -> pytest.RunResult:
        _write_module(pytester, sources)
        result = pytester.runpytest_subprocess("--gevent-patch", "-p", "no:randomly")
        result.stdout.fnmatch_lines(["gevent-lab: *patching: on*"])
        return result

    return run
