"""The claims of a run: one verdict per claimed test, filed where the run reports.

A test marked ``@pytest.mark.claim(id, text, *, source=None, verdict="holds")``
asserts that ``verdict`` is what this machine measures for the claim; it
records the evidence with the ``record_figure(name, value, unit)`` fixture
(README: "Checking a claim"). Only a test that passed shows its declared
verdict; a failed, erroring, skipped or xfailed test shows "unverified".

The reporting process (the xdist controller, or the only one) folds every
phase's report of a claimed test into its outcome and, after teardown, files
one entry per claim into the results section "claims", which both the
terminal table and ``--gevent-report`` read.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from .. import results
from ..markers import carries
from .names import CLAIM_PROPERTY, MARKER, NAME, SECTION

if TYPE_CHECKING:
    from .figures import RecordFigure
    from .marker import Claim
    from .verdicts import Outcome


class ClaimsPlugin:
    """Checks claim markers at collection and files each claimed test's verdict.

    A run with no claimed test imports neither the marker's checking nor the
    verdicts: start-up and collection only look for the marker.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.sink = results.sink(config)
        self.outcomes: dict[str, Outcome] = {}
        self.sink.on_report(CLAIM_PROPERTY, self._file)
        self.sink.add_terminal_section("gevent-lab: claims", self._table, sep="=")

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self,
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        collect_report = yield
        if collect_report.passed and any(map(_claimed, collect_report.result)):
            from .marker import attach_claims

            return attach_claims(collect_report)
        return collect_report

    def _file(self, report: pytest.TestReport, claims: list[Claim], ended: bool | None) -> None:
        from .verdicts import file_claims

        file_claims(self.sink, self.outcomes, report, claims, ended)

    def _table(self, width: int) -> list[str]:
        entries = self.sink.entries(SECTION)
        if not entries:
            return []
        from . import table  # only a run with claims prints the table

        return [*table.table_lines(entries, width=width), table.totals_line(entries)]


@pytest.fixture
def record_figure(request: pytest.FixtureRequest) -> RecordFigure:
    """Record a figure measured by this claim's test: ``record_figure(name, value, unit)``.

    ``article=`` is the source's own value for the same figure, shown beside it.
    """
    from .figures import make_recorder

    assert isinstance(request.node, pytest.Item)
    return make_recorder(request.node)


def _claimed(node: Any) -> bool:
    return carries(node, NAME) and isinstance(node, pytest.Item)


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    config.pluginmanager.register(ClaimsPlugin(config), "gevent_lab.claims")
