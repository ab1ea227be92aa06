"""A run pays for virtual time and schedules only when a test uses them.

Start-up imports the scheduling names, the two plugin objects and nothing
else of the package; the markers' parsing, the strategies and the clock come
with the first test that carries a marker or the fixture (issue 15: every
user's start-up pays for what is imported then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Lab

RECORD = """
    import sys
    from pathlib import Path


    def pytest_unconfigure(config):
        loaded = sorted(m for m in sys.modules if m.startswith("pytest_gevent_lab.scheduling."))
        Path("loaded.txt").write_text(" ".join(name.rpartition(".")[2] for name in loaded))
"""
AT_START = ["names", "schedules", "virtual_time"]
PLAIN = """
    import gevent


    def test_plain():
        gevent.sleep(0)
"""


def loaded(lab: Lab, *args: str) -> list[str]:
    lab.conftest(RECORD)
    result = lab.run_subprocess(*args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return (lab.path / "loaded.txt").read_text().split()


def test_plain_tests_import_only_the_names_and_the_plugins(lab: Lab) -> None:
    lab.write(PLAIN)
    assert loaded(lab) == AT_START


def test_a_virtual_time_test_brings_its_parsing_and_clock(lab: Lab) -> None:
    lab.write(PLAIN, "\n\ndef test_virtual(gevent_clock):\n    gevent.sleep(5)\n")
    modules = loaded(lab)
    assert {"settings", "clock", "activation", "per_test"} <= set(modules)
    assert "schedule_settings" not in modules
    assert "strategies" not in modules


@pytest.mark.parametrize("how", ["marker", "option"])
def test_an_exploring_test_brings_the_schedule_settings_and_strategies(lab: Lab, how: str) -> None:
    marker = "@pytest.mark.gevent_schedules(runs=2)\n" if how == "marker" else ""
    lab.write("import pytest\n\n\n", marker, "def test_explored():\n    pass\n")
    modules = loaded(lab, *(["--gevent-schedules=2"] if how == "option" else []))
    assert {"schedule_settings", "strategies", "per_test"} <= set(modules)
    assert "settings" not in modules  # no virtual time asked for


def test_the_clock_class_is_still_importable_from_the_package() -> None:
    from pytest_gevent_lab.scheduling import VirtualClock
    from pytest_gevent_lab.scheduling.clock import VirtualClock as Defined

    assert VirtualClock is Defined
    import pytest_gevent_lab.scheduling as package

    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        package.Nothing  # noqa: B018
