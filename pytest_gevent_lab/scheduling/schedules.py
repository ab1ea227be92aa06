"""The pytest side of exploring schedules: options, marker checks, which tests explore.

The per-test hooks (``per_test.ScheduleRuns``) install the exploring order
in a wrapper around setup and remove it in a ``tryfirst`` wrapper around
teardown (after the leak checks), so that the sockets the test's fixtures
open get ordered I/O watchers; between the runs of the body
(``schedule_runs``, from ``pytest_pyfunc_call``) it keeps gevent's own
order. They are registered only when a collected test explores schedules,
and gevent is imported only then; the markers'
parsing (``schedule_settings``, with the strategies) only when a test carries
the marker or an option asks for schedules.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .. import markers
from ..markers import Carried
from ..options import group
from .names import RUNS_OPTION, SCHEDULES_MARKER, SCHEDULES_MARKER_LINE, SEED_OPTION

if TYPE_CHECKING:
    from .schedule_settings import RunPlan

PLUGIN_NAME = "gevent_lab_schedules"
RUNS_NAME = PLUGIN_NAME + ".runs"

SCHEDULES_NAMES = frozenset((SCHEDULES_MARKER,))

plan_key: pytest.StashKey[RunPlan | str] = pytest.StashKey()  # a str: the marker's error


def add_options(parser: pytest.Parser) -> None:
    options = group(parser)
    options.addoption(
        RUNS_OPTION,
        metavar="N",
        default=None,
        dest="gevent_schedules",
        help="run every test (except concurrent_speedup ones) once per explored schedule, N "
        "schedules (overrides the runs of gevent_schedules markers).",
    )
    options.addoption(
        SEED_OPTION,
        metavar="S",
        default=None,
        dest="gevent_schedule_seed",
        help="replay one schedule: every exploring test runs once, under seed S (the seed a "
        "gevent_schedules failure printed).",
    )


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", SCHEDULES_MARKER_LINE)
    config.pluginmanager.register(SchedulesPlugin(config), PLUGIN_NAME)


class SchedulesPlugin:
    """Which tests explore schedules (checked at collection), and the header line."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.every_test: int | None = None
        self.seed: int | None = None
        runs, seed = config.getoption("gevent_schedules"), config.getoption("gevent_schedule_seed")
        if runs is not None or seed is not None:
            from . import schedule_settings as settings

            self.every_test = settings.parse_option(runs, RUNS_OPTION, 1)
            self.seed = settings.parse_option(seed, SEED_OPTION, 0, settings.SEED_LIMIT)
        markers.checks(config).add(SCHEDULES_NAMES, self._check_report, self._store_plans)

    def pytest_report_header(self) -> list[str]:
        lines = []
        if self.every_test is not None:
            lines.append(
                f"gevent-lab: schedules: every test except concurrent_speedup ones runs under "
                f"{self.every_test} explored schedule(s)"
            )
        if self.seed is not None:
            lines.append(
                f"gevent-lab: schedules: replaying seed {self.seed} in every exploring test"
            )
        return lines

    def _check_report(self, report: pytest.CollectReport, carried: Carried) -> None:
        # Per collector: every wrong marker of a module is named at once.
        exploring = carried.functions(SCHEDULES_NAMES)
        if exploring:
            from ..failures import fail_collection
            from .schedule_settings import collection_problem

            fail_collection(report, map(collection_problem, exploring))

    def _store_plans(self, items: list[pytest.Item], carried: Carried) -> None:
        used = False
        # Only a Python function body can be called once per schedule.
        for item in (
            [item for item in items if isinstance(item, pytest.Function)]
            if self.every_test is not None
            else carried.functions(SCHEDULES_NAMES)
        ):
            from . import schedule_settings as settings

            try:
                plan = settings.resolve(item, self.every_test, self.seed)
            except ValueError as error:  # an item type collection did not check
                item.stash[plan_key] = f"{item.nodeid}: @pytest.mark.{SCHEDULES_MARKER}: {error}"
                used = True
                continue
            if plan is not None:
                item.stash[plan_key] = plan
                used = True
        # The per-test hooks cost every test of every run: only where a test needs them.
        if used and not self.config.pluginmanager.has_plugin(RUNS_NAME):
            from .per_test import ScheduleRuns

            self.config.pluginmanager.register(ScheduleRuns(), RUNS_NAME)
