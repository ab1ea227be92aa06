"""Which tests run on a virtual clock (marker, fixture, --gevent-virtual-time, ini); bad input."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

# Each test reports whether it ran on a virtual clock: an hour's sleep that took
# under an hour of real time can only be virtual.
PROBE = """
import time
import gevent
import pytest

from time import monotonic as real_monotonic


def slept_an_hour_virtually():
    real_start = real_monotonic()
    gevent.sleep(3600)
    return real_monotonic() - real_start < 3600


def probe():
    # An unmarked test would take an hour here: only sleep when the clock is virtual.
    return time.monotonic is not real_monotonic and slept_an_hour_virtually()
"""


def test_the_marker_runs_one_test_on_a_virtual_clock(lab: Lab) -> None:
    lab.write(
        PROBE,
        """
        @pytest.mark.gevent_virtual_time
        def test_marked():
            assert probe()

        @pytest.mark.gevent_virtual_time(autojump_threshold=0.0)
        class TestClass:
            def test_from_the_class(self):
                assert probe()

        def test_unmarked():
            assert not probe()
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=3)


def test_the_module_marker_and_the_fixture(lab: Lab) -> None:
    lab.write(
        PROBE,
        """
        pytestmark = pytest.mark.gevent_virtual_time

        def test_from_the_module():
            assert probe()
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=1)
    lab.write(
        PROBE,
        """
        from pytest_gevent_lab import VirtualClock

        @pytest.fixture
        def clock_user(gevent_clock):
            return gevent_clock

        def test_requested(gevent_clock):
            assert isinstance(gevent_clock, VirtualClock) and probe()

        def test_through_a_fixture(clock_user):
            assert probe()

        def test_not_requested():
            assert not probe()
        """,
    )
    result = lab.run()
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize("how", ["option", "ini"])
def test_option_and_ini_apply_to_every_test_but_speedup_ones(lab: Lab, how: str) -> None:
    args: tuple[str, ...] = ("--gevent-virtual-time",) if how == "option" else ()
    if how == "ini":
        lab.ini("gevent_virtual_time = true")
    lab.write(
        PROBE,
        """
        def test_plain():
            assert probe()

        @pytest.mark.gevent_virtual_time(autojump_threshold=0.5)
        def test_marker_sets_the_threshold(gevent_clock):
            assert gevent_clock.autojump_threshold == 0.5

        @pytest.mark.concurrent_speedup(rounds=2, warmup=0)
        def test_speedup_keeps_real_time(spawn):
            assert not probe()
            gevent.joinall([spawn(gevent.sleep, 0.02) for _ in range(4)])
        """,
    )
    result = lab.run(*("--strict-markers", *args))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["gevent-lab: virtual time: every test except concurrent_speedup*"])


@pytest.mark.timeout(120)
def test_the_option_reaches_xdist_workers(lab: Lab) -> None:
    lab.write(PROBE, *(f"\n\ndef test_{n}():\n    assert probe()\n" for n in range(4)))
    result = lab.run_subprocess("-n", "2", "--gevent-virtual-time", timeout=100)
    result.assert_outcomes(passed=4)


def test_the_option_is_listed_in_help(lab: Lab) -> None:
    result = lab.run("--help")
    result.stdout.fnmatch_lines(["gevent-lab*", "*--gevent-virtual-time*"])
    result.stdout.fnmatch_lines(["*gevent_virtual_time (bool)*"])
    result = lab.run("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.gevent_virtual_time(autojump_threshold=0.0):*"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "gevent_virtual_time(autojump_threshold=-1)",
            "*autojump_threshold must be a finite number of real seconds >= 0, got -1*",
        ),
        (
            "gevent_virtual_time(autojump_threshold='fast')",
            "*autojump_threshold must be a number of real seconds >= 0*got 'fast'*",
        ),
        (
            "gevent_virtual_time(autojump_threshold=float('inf'))",
            "*autojump_threshold must be a finite number*got inf "
            "(for a clock only advance() moves*",
        ),
        (
            "gevent_virtual_time(autojump=0)",
            "*unknown argument(s) autojump; valid arguments (with defaults): "
            "autojump_threshold=0.0*",
        ),
        (
            "gevent_virtual_time(0.5)",
            "*takes keyword arguments only*write @pytest.mark.gevent_virtual_time("
            "autojump_threshold=0.5)*",
        ),
    ],
)
def test_a_bad_marker_is_a_collection_error_naming_the_test(
    lab: Lab, marker: str, message: str
) -> None:
    lab.write(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_bad():
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            f"*In test_a_bad_marker_is_a_collection_error_naming_the_test.py::test_bad: "
            f"@pytest.mark.gevent_virtual_time: {message.lstrip('*')}"
        ]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    ("test", "named"),
    [
        (
            "@pytest.mark.gevent_virtual_time\n@pytest.mark.concurrent_speedup\n"
            "def test_both(spawn):\n    pass\n",
            "@pytest.mark.gevent_virtual_time",
        ),
        (
            "@pytest.mark.concurrent_speedup\ndef test_both(spawn, gevent_clock):\n    pass\n",
            "the gevent_clock fixture (which runs the test on a virtual clock)",
        ),
    ],
    ids=["marker", "fixture"],
)
def test_virtual_time_with_concurrent_speedup_is_a_collection_error(
    lab: Lab, test: str, named: str
) -> None:
    lab.write("import pytest\n\n", test)
    result = lab.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            f"*In *::test_both: {named} cannot be combined with @pytest.mark.concurrent_speedup: "
            "a speedup is measured in real time*"
        ]
    )


def test_gevent_clock_by_getfixturevalue_is_refused(lab: Lab) -> None:
    lab.write(
        """
        def test_late(request):
            request.getfixturevalue("gevent_clock")
        """
    )
    result = lab.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*::test_late: gevent_clock was requested after setup began*"])


def test_importing_the_package_does_not_import_gevent(pytester: pytest.Pytester) -> None:
    # pytester itself: a plain `python -c`, no pytest run nor module to write
    result = pytester.run(
        sys.executable,
        "-c",
        "import sys, pytest_gevent_lab\n"
        "assert 'gevent' not in sys.modules\n"
        "from pytest_gevent_lab import VirtualClock\n"
        "print(VirtualClock.__name__, 'gevent' in sys.modules)",
    )
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["VirtualClock False"])


@pytest.mark.gevent_virtual_time
def test_a_virtual_test_inside_a_virtual_test_is_refused(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.mark.gevent_virtual_time
        def test_inner():
            pass
        """
    )
    result = lab.run()  # in this process, on this hub
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: a virtual clock already runs on this hub*"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_every_wrong_marker_of_a_module_is_named_once(lab: Lab) -> None:
    lab.write(
        """
        import pytest

        @pytest.mark.gevent_virtual_time(autojump_threshold=-1)
        @pytest.mark.parametrize("n", [1, 2])
        def test_first(n):
            pass

        @pytest.mark.gevent_schedules(runs=0)
        def test_second():
            pass

        def test_fine():
            pass
        """
    )
    result = lab.run()
    result.assert_outcomes(errors=1)
    output = lab.before_summary(result)
    assert output.count("::test_first: @pytest.mark.gevent_virtual_time: ") == 1  # not per param
    assert output.count("::test_second: @pytest.mark.gevent_schedules: ") == 1
