"""Bad timeouts and thresholds are clear errors: at collection for markers, usage for options."""

from __future__ import annotations

import textwrap

import pytest


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
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            f"""
            import pytest

            @pytest.mark.{marker}
            def test_marked():
                pass

            def test_fine():
                pass
            """
        )
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR collecting*", f"*::test_marked: @pytest.mark.{marker.split('(')[0]}{message}"]
    )


def test_keyword_seconds_is_accepted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.gevent_timeout(seconds=5)\ndef test_ok():\n    pass\n"
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--gevent-timeout=-2"], "--gevent-timeout"),
        (["--gevent-block-threshold=abc"], "--gevent-block-threshold"),
        (["-o", "gevent_timeout=never"], "ini gevent_timeout"),
    ],
)
def test_bad_option_is_a_usage_error(
    pytester: pytest.Pytester, args: list[str], where: str
) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {where}: expected a*number of seconds*"])


@pytest.mark.parametrize("key", ["gevent_timeout", "gevent_block_threshold"])
def test_bad_ini_value_names_the_ini_key_not_the_flag(pytester: pytest.Pytester, key: str) -> None:
    pytester.makeini(f"[pytest]\n{key} = abc\n")
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: ini {key}: expected a number of seconds*got 'abc'*"])
    result.stderr.no_fnmatch_line("*--gevent-*")


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.gevent_timeout(1)
            @pytest.mark.gevent_block_threshold(1)
            @pytest.mark.gevent_allow_errors
            def test_ok():
                pass
            """
        )
    )
    pytester.runpytest("-p", "no:randomly", "--strict-markers").assert_outcomes(passed=1)
