"""Bad ``gevent_schedules`` arguments are collection errors, bad option values usage errors.

Each message names the bad value and what would be valid; none is a traceback
from inside the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("runs=0", "*runs: expected an int >= 1, got 0*"),
        ("runs='many'", "*runs: expected an int >= 1, got 'many'*"),
        ("runs=True", "*runs: expected an int >= 1, got True*"),
        ("seed=-1", "*seed: expected an int >= 0, got -1*"),
        ("seed=2**32", "*seed: expected an int below 4294967296, got 4294967296*"),
        ("strategy='dfs'", "*unknown strategy 'dfs'; valid strategies: 'random', 'pct'*"),
        ("rnus=5", "*unknown argument(s) rnus; valid arguments (with defaults): runs=100, *"),
        (
            "10",
            "*takes keyword arguments only (*), got positional argument(s) 10; write e.g. "
            "@pytest.mark.gevent_schedules(runs=10)*",
        ),
    ],
)
def test_a_bad_marker_is_a_collection_error(lab: Lab, arguments: str, message: str) -> None:
    lab.write(
        f"""
        import pytest

        @pytest.mark.gevent_schedules({arguments})
        def test_marked():
            pass

        def test_other():
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR collecting*", f"In *::test_marked: @pytest.mark.gevent_schedules: {message}"]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "schedule_settings.py" not in result.stdout.str()  # no traceback of ours


def test_the_marker_with_concurrent_speedup_is_a_collection_error(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.mark.gevent_schedules
        @pytest.mark.concurrent_speedup
        def test_both(spawn):
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*gevent_schedules cannot be combined with @pytest.mark.concurrent_speedup*"]
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--gevent-schedules=0", "--gevent-schedules: expected an int >= 1, got '0'"),
        ("--gevent-schedules=lots", "--gevent-schedules: expected an int >= 1, got 'lots'"),
        (
            "--gevent-schedule-seed=-4",
            "--gevent-schedule-seed: expected an int from 0 to 4294967295, got '-4'",
        ),
        (
            "--gevent-schedule-seed=0x10",
            "--gevent-schedule-seed: expected an int from 0 to 4294967295, got '0x10'",
        ),
    ],
)
def test_a_bad_option_value_is_a_usage_error(lab: Lab, option: str, message: str) -> None:
    lab.write("def test_nothing():\n    pass\n")
    result = lab.run(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_the_seed_option_alone_replays_marked_tests_only(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.mark.gevent_schedules(runs=30)
        def test_marked():
            with open("marked.txt", "a") as log:
                log.write("run\\n")

        def test_unmarked():
            with open("unmarked.txt", "a") as log:
                log.write("run\\n")
        """
    )
    result = lab.run("--gevent-schedule-seed=7")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["gevent-lab: schedules: replaying seed 7 in every exploring test"])
    assert (lab.path / "marked.txt").read_text().count("run") == 1
    assert (lab.path / "unmarked.txt").read_text().count("run") == 1
