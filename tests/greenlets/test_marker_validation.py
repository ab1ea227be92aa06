"""Bad timeouts and thresholds are clear errors: at collection for markers, usage for options."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("gevent_timeout(-1)", "*expected a non-negative number of seconds (0 = off), got -1*"),
        ("gevent_timeout('soon')", "*expected a number of seconds (0 = off), got 'soon'*"),
        ("gevent_block_threshold(float('nan'))", "*expected a non-negative number*got nan*"),
        ("gevent_timeout(secs=1)", "*unknown keyword secs; valid: seconds*"),
        ("gevent_block_threshold()", "*takes one number of seconds*"),
        ("gevent_timeout(1, 2)", "*takes one number of seconds*"),
        ("gevent_allow_errors(foo=1)", " takes no arguments, got args=() kwargs={'foo': 1}*"),
        ("gevent_allow_errors(True)", " takes no arguments, got args=(True,)*"),
    ],
)
def test_bad_marker_is_a_collection_error_naming_the_test(
    lab: Lab, marker: str, message: str
) -> None:
    lab.write(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_marked():
            pass

        def test_fine():
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR collecting*", f"*::test_marked: @pytest.mark.{marker.split('(')[0]}{message}"]
    )


def test_keyword_seconds_is_accepted_and_applied(lab: Lab) -> None:
    lab.write(
        """
        import gevent, pytest
        from gevent.monkey import get_original

        @pytest.mark.gevent_timeout(seconds=0.05)
        def test_times_out():
            gevent.sleep(100)

        @pytest.mark.gevent_block_threshold(seconds=0.05)
        def test_blocks(spawn):
            spawn(get_original("time", "sleep"), 0.1).join()

        @pytest.mark.gevent_timeout(seconds=30)
        def test_in_time():
            gevent.sleep(0.001)
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines_random(
        [
            "*GeventTimeout: gevent timeout after 0.05 s in *::test_times_out*",
            "*HubBlockedError: *::test_blocks: a greenlet blocked the gevent hub for * s "
            "(threshold 0.05 s)*",
        ]
    )


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--gevent-timeout=-2"], "--gevent-timeout"),
        (["--gevent-block-threshold=abc"], "--gevent-block-threshold"),
        (["-o", "gevent_timeout=never"], "ini gevent_timeout"),
    ],
)
def test_bad_option_is_a_usage_error(lab: Lab, args: list[str], where: str) -> None:
    lab.write("def test_ok():\n    pass\n")
    result = lab.run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {where}: expected a*number of seconds*"])


@pytest.mark.parametrize("key", ["gevent_timeout", "gevent_block_threshold"])
def test_bad_ini_value_names_the_ini_key_not_the_flag(lab: Lab, key: str) -> None:
    lab.ini(f"{key} = abc")
    lab.write("def test_ok():\n    pass\n")
    result = lab.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: ini {key}: expected a number of seconds*got 'abc'*"])
    result.stderr.no_fnmatch_line("*--gevent-*")


def test_markers_are_registered(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.mark.gevent_timeout(1)
        @pytest.mark.gevent_block_threshold(1)
        @pytest.mark.gevent_allow_errors
        def test_ok():
            pass
        """
    )
    lab.run("--strict-markers").assert_outcomes(passed=1)
