"""The ``concurrent_speedup`` marker's hooks: check at collection, run the body, report.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .. import markers, results
from ..markers import Carried
from ..options import group
from . import names

if TYPE_CHECKING:
    from .turns import Mode


SPEEDUP_NAMES = frozenset((names.NAME,))


def add_options(parser: pytest.Parser) -> None:
    group(parser).addoption(
        "--gevent-speedup-rounds",
        metavar="N",
        default=None,
        help="override the rounds of every concurrent_speedup test (e.g. more in a nightly job).",
    )


@pytest.fixture
def gevent_mode() -> Mode:
    """The run a ``concurrent_speedup`` body is in: ``"sequential"`` or ``"concurrent"``.

    ``"single"`` in unmarked tests. For the rare body that must behave
    differently in the two runs. The value is the body's: a fixture that asks
    for ``gevent_mode`` is set up once and sees ``"single"``.
    """
    from .turns import current_mode

    return current_mode()


class SpeedupPlugin:
    """Runs marked tests (sequential and concurrent, alternating) and files their results."""

    def __init__(self, config: pytest.Config) -> None:
        # The marker's parsing and the report are imported only when needed: a
        # run without marked tests (most) never pays for them.
        rounds = config.getoption("gevent_speedup_rounds")
        if rounds is None:
            self.rounds: int | None = None
        else:
            from .marker import parse_rounds_option

            self.rounds = parse_rounds_option(rounds)
        self.config = config
        self.marked = False  # some collected test carries the marker (MarkedCalls registered)
        self.sink = results.sink(config)
        self.sink.on_report(names.PROPERTY, self._file, per_attempt=True)
        self.sink.forget_per_attempt(*names.FLAT_PROPERTIES)
        self.sink.add_terminal_section("gevent-lab: concurrent speedup", self._summary)
        markers.checks(config).add(SPEEDUP_NAMES, self._check_report)

    def _summary(self, width: int) -> list[str]:
        entries = self.sink.entries(names.SECTION)
        if not entries:
            return []
        from .report import summary_rows

        return summary_rows(entries)

    def _file(self, test_report: pytest.TestReport, values: list[Any], ended: bool | None) -> None:
        # At the teardown of the final attempt: one entry per test, also when
        # pytest-rerunfailures ran it several times.
        if ended:
            from .report import file_result

            for entry in file_result(values):
                self.sink.add(names.SECTION, entry)

    def _check_report(self, report: pytest.CollectReport, carried: Carried) -> None:
        # Per collector: every wrong marker of a module is named, not only the first.
        items = carried.items(SPEEDUP_NAMES)
        if items:
            from ..failures import fail_collection
            from .marker import problem_of

            if not self.marked:  # the per-test hook costs every test: only in runs that use it
                self.config.pluginmanager.register(
                    MarkedCalls(self.rounds), "gevent_lab.speedup.calls"
                )
                self.marked = True
            fail_collection(report, map(problem_of, items))


class MarkedCalls:
    """Calls the body of each marked test; registered only once a collected test is marked."""

    def __init__(self, rounds: int | None) -> None:
        self.rounds = rounds

    # tryfirst: a marked test's body is called by us, repeatedly; returning True
    # keeps pytest's own pytest_pyfunc_call from calling it once more.
    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        __tracebackhide__ = True
        from . import runs

        return runs.call_marked(pyfuncitem, self.rounds)


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", names.MARKER_LINE)
    config.pluginmanager.register(SpeedupPlugin(config), "gevent_lab.speedup")
