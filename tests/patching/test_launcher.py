"""``python -m pytest_gevent_lab``: patch first, then import and run pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


def test_patches_before_pytest_is_imported_and_passes_its_exit_code_through(lab: Lab) -> None:
    lab.write(
        """
        import socket
        import gevent.monkey

        def test_patched():
            assert socket.socket.__module__.startswith("gevent")
            assert gevent.monkey.is_module_patched("threading")

        def test_fails():
            assert False
        """
    )
    result = lab.launch()
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "patching: on (python -m pytest_gevent_lab)" in result.stdout
    # pytest, and so everything it imports, came after patching.
    assert "imported before patching" not in result.stdout
    assert "unpatched originals still held by" not in result.stdout


def test_no_tests_exit_code_passes_through(lab: Lab) -> None:
    assert lab.launch("--collect-only").returncode == pytest.ExitCode.NO_TESTS_COLLECTED


def test_unknown_skip_name_is_a_usage_error(lab: Lab) -> None:
    result = lab.launch("--gevent-patch-skip", "nope")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "unknown module name(s) 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [(("-n", "2"), {}), (("-nauto",), {}), ((), {"PYTEST_ADDOPTS": "-n 2"})],
    ids=["-n 2", "-nauto", "PYTEST_ADDOPTS"],
)
def test_refuses_to_patch_an_xdist_controller(
    lab: Lab, args: tuple[str, ...], env: dict[str, str]
) -> None:
    lab.write("def test_ok():\n    pass\n")
    result = lab.launch(*args, env=env)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "use: pytest -n N --gevent-patch" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_xdist_workers_is_fine(lab: Lab) -> None:
    lab.write(
        """
        import gevent.monkey

        def test_patched_here(request):
            assert gevent.monkey.is_module_patched("socket")
            assert not hasattr(request.config, "workerinput")  # no xdist worker ran it
        """
    )
    result = lab.launch("-n", "0")
    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    assert "patching: on (python -m pytest_gevent_lab)" in result.stdout
    assert "1 passed" in result.stdout
    assert "xdist" not in result.stderr


def test_refuses_an_ini_skip_list_it_could_not_apply_and_applies_the_option(lab: Lab) -> None:
    lab.ini("gevent_patch_skip = socket")
    lab.write(
        """
        import socket

        def test_socket_left_alone():
            assert socket.socket.__module__ == "socket"
        """
    )
    result = lab.launch()
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "gevent_patch_skip asks to leave unpatched: socket" in result.stderr
    assert "Pass --gevent-patch-skip=socket to the launcher" in result.stderr
    # what the message says to do works: the option is applied
    result = lab.launch("--gevent-patch-skip=socket")
    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    assert "gevent-lab: left unpatched: socket" in result.stdout


def test_refuses_no_gevent_patch(lab: Lab) -> None:
    lab.write("def test_ok():\n    pass\n")
    result = lab.launch("--no-gevent-patch")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--no-gevent-patch cannot undo python -m pytest_gevent_lab" in result.stderr


def test_monkey_patch_warnings_are_shown(lab: Lab) -> None:
    # sitecustomize runs at interpreter start-up, before the launcher patches.
    site = lab.pytester.mkdir("site")
    (site / "sitecustomize.py").write_text("from ssl import SSLContext\n")
    lab.write("def test_ok():\n    pass\n")
    result = lab.launch(env={"PYTHONPATH": str(site)})
    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    assert "MonkeyPatchWarning: Monkey-patching ssl after ssl has already been imported" in (
        result.stdout
    )
