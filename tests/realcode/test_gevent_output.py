"""The plugin leaves gevent's own output alone and reports an error in its phase (issue 10 item 18).

Found through geventhttpclient 2.6.1,
``tests/gevent_only/test_ssl.py::test_verify_self_signed_fail``: a server
greenlet dies during the test, and the test asserts on gevent's print of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Lab

ASSERTS_ON_GEVENTS_PRINT = """
    import gevent


    def serve():
        raise ConnectionResetError("the handler died")


    def test_asserts_on_gevents_print(capfd):
        gevent.spawn(serve).join()
        assert "ConnectionResetError: the handler died" in capfd.readouterr().err
"""


def test_gevent_prints_without_the_plugin(lab: Lab) -> None:
    lab.write(ASSERTS_ON_GEVENTS_PRINT)
    result = lab.run_isolated("-p", "no:gevent_lab")
    result.assert_outcomes(passed=1)


def test_gevents_print_is_kept(lab: Lab) -> None:
    lab.write(ASSERTS_ON_GEVENTS_PRINT)
    result = lab.run_isolated()
    # The error still fails the test (nothing retrieved it), but not the user's assertion.
    result.stdout.no_fnmatch_line("*AssertionError*")
    result.stdout.fnmatch_lines(["*GreenletError*died with ConnectionResetError*"])


def test_error_is_reported_in_the_phase_it_happened(lab: Lab) -> None:
    lab.write(ASSERTS_ON_GEVENTS_PRINT)
    result = lab.run_isolated()
    result.stdout.fnmatch_lines(["*died with ConnectionResetError: the handler died during call*"])
