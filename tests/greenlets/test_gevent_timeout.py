"""--gevent-timeout / ini gevent_timeout / @pytest.mark.gevent_timeout: cooperative timeouts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

WAITS = """
import gevent, pytest

def waits_forever():
    gevent.sleep(100)

def test_waits(spawn):
    spawn(waits_forever).join()
"""


@pytest.mark.timeout(60)
def test_marker_timeout_fails_with_the_greenlet_tree(lab: Lab) -> None:
    lab.write(WAITS.replace("def test_waits", "@pytest.mark.gevent_timeout(0.05)\ndef test_waits"))
    result = lab.run()
    # One failure that says both (issue 10 item 14): the waiting greenlet is
    # killed on expiry, not reported again as a leak at teardown.
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*GeventTimeout: gevent timeout after 0.05 s in *::test_waits*",
            "*The test waits at:*",
            "*test_marker_timeout_fails_with_the_greenlet_tree.py:8, in test_waits",
            "*spawn(waits_forever).join()",
            "*Its greenlets still running (1):",
            "*waits_forever() spawned at *",
            "*test_marker_timeout_fails_with_the_greenlet_tree.py:4, in waits_forever",
            "*gevent.sleep(100)",
            "*Its 1 greenlet(s) still running were killed.",
        ]
    )
    message = result.stdout.str().split("GeventTimeout: gevent timeout")[1].split("====")[0]
    assert "_pytest" not in message  # only the test's own code
    assert "pluggy" not in message


@pytest.mark.timeout(60)
def test_command_line_and_ini_and_precedence(lab: Lab) -> None:
    lab.ini("gevent_timeout = 0.05")
    lab.write(
        """
        import gevent, pytest

        def test_ini_applies():
            gevent.sleep(100)

        @pytest.mark.gevent_timeout(0)
        def test_marker_zero_turns_it_off():
            gevent.sleep(0.1)  # longer than the ini's and the command line's limit
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*gevent timeout after 0.05 s in *::test_ini_applies*"])
    result = lab.run("--gevent-timeout=0.02")  # CLI beats ini, the marker beats both
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*gevent timeout after 0.02 s in *::test_ini_applies*"])


def test_a_test_that_finishes_in_time_passes(lab: Lab) -> None:
    lab.write("import gevent\n\ndef test_quick(spawn):\n    spawn(gevent.sleep, 0.001).join()\n")
    lab.run("--gevent-timeout=30").assert_outcomes(passed=1)


def test_timeout_is_not_swallowed_by_except_exception(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        @pytest.mark.gevent_timeout(0.02)
        def test_swallows():
            try:
                gevent.sleep(100)
            except Exception:
                pass
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*GeventTimeout: gevent timeout after 0.02 s in *::test_swallows*"]
    )


@pytest.mark.timeout(60)
def test_composes_with_pytest_timeout(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        @pytest.mark.gevent_timeout(0.05)
        def test_gevent_timeout_fires_first():
            gevent.sleep(100)

        @pytest.mark.timeout(0.2, method="signal")
        @pytest.mark.gevent_timeout(30)
        def test_cpu_loop_needs_the_signal_method():
            while True:   # never yields: only pytest-timeout's signal stops it
                pass
        """
    )
    # a subprocess: pytest-timeout's SIGALRM must not meet the outer run's own
    result = lab.run_subprocess("-p", "timeout", "--timeout=30")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_gevent_timeout_fires_first _*",
            "*GeventTimeout: gevent timeout after 0.05 s*",
            "*_ test_cpu_loop_needs_the_signal_method _*",
            "*Failed: Timeout (>0.2s) from pytest-timeout*",
        ]
    )


@pytest.mark.timeout(60)
def test_a_swallowed_timeout_still_fails_the_test(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest

        @pytest.mark.gevent_timeout(0.05)
        def test_swallows():
            try:
                gevent.sleep(0.2)
            except BaseException:
                pass
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*GeventTimeout: gevent timeout after 0.05 s in *::test_swallows*",
            "*The code under test caught the timeout*",
        ]
    )


@pytest.mark.timeout(60)
def test_a_retry_loop_that_swallows_the_timeout_is_interrupted_again(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_gevent_lab.greenlets import timeouts

    monkeypatch.setattr(timeouts, "REPEAT_EVERY", 0.05)  # without the repeat: waits forever
    lab.write(
        """
        import gevent.queue, pytest

        @pytest.mark.gevent_timeout(0.05)
        def test_retries():
            q = gevent.queue.Queue()
            for _attempt in range(3):
                try:
                    q.get()
                except:  # noqa: E722 - the bug under test
                    continue
            assert False, "the swallowed timeout hides this"
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: the swallowed timeout hides this*",
            "*GeventTimeout: gevent timeout after 0.05 s in *::test_retries*",
            "*The code under test caught the timeout*",
        ]
    )
