"""``python -m pytest_gevent_lab``: patch first, then import and run pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def launch(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_gevent_lab", "-p", "no:randomly", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=None if env is None else {**os.environ, **env},
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


@pytest.mark.parametrize(
    ("args", "env"),
    [(("-n", "2"), {}), (("-nauto",), {}), ((), {"PYTEST_ADDOPTS": "-n 2"})],
    ids=["-n 2", "-nauto", "PYTEST_ADDOPTS"],
)
def test_refuses_to_patch_an_xdist_controller(
    pytester: pytest.Pytester, args: tuple[str, ...], env: dict[str, str]
) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = launch(pytester.path, *args, env=env)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "use: pytest -n N --gevent-patch" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_xdist_workers_is_fine(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    assert launch(pytester.path, "-n", "0").returncode == pytest.ExitCode.OK


def test_refuses_an_ini_skip_list_it_could_not_apply(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ngevent_patch_skip = socket\n")
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = launch(pytester.path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "gevent_patch_skip asks to leave unpatched: socket" in result.stderr
    assert "Pass --gevent-patch-skip=socket to the launcher" in result.stderr
    assert launch(pytester.path, "--gevent-patch-skip=socket").returncode == pytest.ExitCode.OK


def test_refuses_no_gevent_patch(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = launch(pytester.path, "--no-gevent-patch")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--no-gevent-patch cannot undo python -m pytest_gevent_lab" in result.stderr


def test_monkey_patch_warnings_are_shown(pytester: pytest.Pytester) -> None:
    # sitecustomize runs at interpreter start-up, before the launcher patches.
    site = pytester.mkdir("site")
    (site / "sitecustomize.py").write_text("from ssl import SSLContext\n")
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = launch(pytester.path, env={"PYTHONPATH": str(site)})
    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    assert "MonkeyPatchWarning: Monkey-patching ssl after ssl has already been imported" in (
        result.stdout
    )
