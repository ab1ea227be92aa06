"""``python -m pytest_gevent_lab``: patch first, then import and run pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def launch(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_gevent_lab", "-p", "no:randomly", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_patches_before_pytest_is_imported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket
        import gevent.monkey

        def test_patched():
            assert socket.socket.__module__.startswith("gevent")
            assert gevent.monkey.is_module_patched("threading")
        """
    )
    result = launch(pytester.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "patching: on (python -m pytest_gevent_lab)" in result.stdout
    # pytest, and so everything it imports, came after patching.
    assert "imported before patching" not in result.stdout
    assert "unpatched originals still held by" not in result.stdout


def test_failing_test_exit_code_passes_through(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_fails():\n    assert False\n")
    assert launch(pytester.path).returncode == pytest.ExitCode.TESTS_FAILED


def test_no_tests_exit_code_passes_through(pytester: pytest.Pytester) -> None:
    assert launch(pytester.path, "--collect-only").returncode == pytest.ExitCode.NO_TESTS_COLLECTED


def test_skip_option_is_applied(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import socket

        def test_socket_left_alone():
            assert socket.socket.__module__ == "socket"
        """
    )
    result = launch(pytester.path, "--gevent-patch-skip=socket")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gevent-lab: left unpatched: socket" in result.stdout


def test_unknown_skip_name_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = launch(pytester.path, "--gevent-patch-skip", "nope")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "unknown module name(s) 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_refuses_to_patch_an_xdist_controller(pytester: pytest.Pytester) -> None:
    result = launch(pytester.path, "-n", "2")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "pytest -n N --gevent-patch" in result.stderr
