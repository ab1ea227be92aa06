"""A process forked in a test is not the test: gevent's handling applies there (issue 16 item 1).

Found through gipc 1.8.0, whose children run greenlets. The child inherits the
plugin's per-test state (the swapped ``Hub.handle_error``, the capture list,
the switch-trace hook); nothing in the child reports what it captured, and
gevent's own print of the error is suppressed, so the error vanishes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from child_processes import WAIT_FOR_CHILD

if TYPE_CHECKING:
    from conftest import Lab

CHILD_ERROR = """
    import os
    import gevent

    FORK = {fork}


    def boom():
        raise ValueError("died in the child")


    def test_child_greenlet_error_is_visible(capfd):
        pid = FORK()
        if pid == 0:
            gevent.spawn(boom).join()
            os._exit(0)
        wait_for(pid)  # child_processes.WAIT_FOR_CHILD
        assert "ValueError: died in the child" in capfd.readouterr().err
"""
FORKS = {"os.fork": "os.fork", "gevent.fork": "gevent.fork"}


@pytest.mark.parametrize("fork", list(FORKS))
def test_child_error_visible_without_the_plugin(lab: Lab, fork: str) -> None:
    """The control: gevent prints the child's error."""
    lab.write(WAIT_FOR_CHILD, CHILD_ERROR.format(fork=FORKS[fork]))
    result = lab.run_isolated("-p", "no:gevent_lab")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("mode", [(), ("--gevent-patch",)], ids=["plain", "patched"])
@pytest.mark.parametrize("fork", list(FORKS))
def test_child_error_visible_with_the_plugin(lab: Lab, fork: str, mode: tuple[str, ...]) -> None:
    lab.write(WAIT_FOR_CHILD, CHILD_ERROR.format(fork=FORKS[fork]))
    result = lab.run_isolated(*mode)
    result.stdout.no_fnmatch_line(
        "*TimeoutError: the child did not exit*"
    )  # another failure than the bug's
    result.assert_outcomes(passed=1)
