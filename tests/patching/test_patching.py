"""``--gevent-patch``, its ini twin and skip list, and the report header.

Every patched run happens in a subprocess: patching cannot be undone, and the
process running this suite must stay unpatched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

PATCHED_CHECKS = """
    import socket
    import time

    import gevent
    import gevent.monkey


    def test_socket_is_gevents():
        assert socket.socket.__module__.startswith("gevent"), socket.socket


    def test_time_sleep_is_gevents():
        assert time.sleep is gevent.sleep


    def test_threading_is_patched():
        assert gevent.monkey.is_module_patched("threading")
        assert gevent.monkey.is_module_patched("_thread")
"""

UNPATCHED_CHECKS = """
    import socket

    import gevent.monkey
    from gevent._hub_local import get_hub_if_exists


    def test_nothing_patched():
        assert not gevent.monkey.is_anything_patched()
        assert socket.socket.__module__ == "socket"


    def test_no_hub_created():
        assert get_hub_if_exists() is None
"""


NEEDS_PATCH = """
    import pytest

    @pytest.mark.needs_gevent_patch
    def test_needs_it():
        import socket
        assert socket.socket.__module__.startswith("gevent")
"""

# Each of the two runs below checks several things at once: a fresh interpreter
# costs ~0.3 s of CPU, and the suite runs in six tox envs.


def test_gevent_patch_patches_before_conftests_and_test_modules(lab: Lab) -> None:
    lab.conftest("from socket import socket as imported_socket\n")
    lab.write(
        PATCHED_CHECKS,
        """
        from conftest import imported_socket

        def test_conftest_imported_it_early():
            assert imported_socket.__module__.startswith("gevent"), imported_socket
        """,
        name="test_patched",
    )
    lab.write(NEEDS_PATCH, name="test_needs_patch")
    # A plugin given with -p is imported before patching: the classic mistake.
    lab.write("from ssl import SSLContext\n", name="early_ssl_user")
    lab.pytester.syspathinsert()
    result = lab.run_patched("-p", "early_ssl_user")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "gevent-lab: gevent *, greenlet *; patching: on (--gevent-patch)",
            "gevent-lab: patched modules: *socket*threading*time*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "gevent-lab: unpatched originals still held by: *early_ssl_user (SSLContext = ssl.*",
            "*MonkeyPatchWarning: Monkey-patching ssl after ssl has already been imported*",
        ]
    )
    # issue 16 item 4: the warning points at the import to move, not at the plugin.
    result.stdout.fnmatch_lines(["*early_ssl_user.py:1: MonkeyPatchWarning*"])
    result.stdout.no_fnmatch_line("*pytest_gevent_lab*.py:*MonkeyPatchWarning*")
    assert "execnet" not in result.stdout.str()  # xdist's transport is not blamed for it


def test_without_the_flag_nothing_is_patched_and_no_hub_exists(lab: Lab) -> None:
    lab.write(UNPATCHED_CHECKS, name="test_unpatched")
    lab.write(NEEDS_PATCH, name="test_needs_patch")
    result = lab.run_subprocess("-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["gevent-lab: *; patching: off (enable with --gevent-patch)"])
    # the needs_gevent_patch marker skips the test, saying why
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] test_needs_patch.py:3: needs --gevent-patch*"])


def test_ini_enables_patching(lab: Lab) -> None:
    lab.ini("gevent_patch = true")
    lab.write(PATCHED_CHECKS)
    result = lab.run_subprocess()
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["gevent-lab: *patching: on (ini gevent_patch = true)"])


def test_command_line_beats_ini(lab: Lab) -> None:
    lab.ini("gevent_patch = true", "gevent_patch_skip = socket")
    lab.write(UNPATCHED_CHECKS)
    lab.run_subprocess("--no-gevent-patch").assert_outcomes(passed=2)

    lab.write(
        """
        import gevent.monkey

        def test_cli_skip_list_replaces_the_ini_one():
            assert gevent.monkey.is_module_patched("socket")
            assert not gevent.monkey.is_module_patched("threading")
        """
    )
    result = lab.run_subprocess("--gevent-patch-skip=thread")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["gevent-lab: left unpatched: thread"])


def test_ini_skip_list_is_applied_and_shown(lab: Lab) -> None:
    lab.ini("gevent_patch_skip = socket ssl")
    lab.write(
        """
        import socket
        import gevent.monkey

        def test_socket_left_alone():
            assert socket.socket.__module__ == "socket"
            assert gevent.monkey.is_module_patched("time")
        """
    )
    result = lab.run_patched()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["gevent-lab: left unpatched: socket, ssl"])


@pytest.mark.parametrize(
    "args",
    [("--gevent-patch", "--gevent-patch-skip=sockett"), ("--gevent-patch-skip", "thread,bogus")],
)
def test_unknown_skip_name_is_a_usage_error(lab: Lab, args: tuple[str]) -> None:
    result = lab.run_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --gevent-patch-skip: unknown module name(s) '*'; valid names*socket, dns, time*"]
    )
    assert "Traceback" not in result.stderr.str()


def test_repeated_skip_options_add_up(lab: Lab) -> None:
    lab.write(
        """
        import gevent.monkey

        def test_both_left_alone():
            assert not gevent.monkey.is_module_patched("socket")
            assert not gevent.monkey.is_module_patched("ssl")
        """
    )
    result = lab.run_patched("--gevent-patch-skip=socket", "--gevent-patch-skip", "ssl")
    result.assert_outcomes(passed=1)
