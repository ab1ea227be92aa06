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

from typing import TYPE_CHECKING

import pytest

from .. import markers, results
from ..markers import Carried
from .names import CLAIM_PROPERTY, MARKER, NAME, SECTION

if TYPE_CHECKING:
    from .figures import RecordFigure
    from .marker import Claim
    from .verdicts import Outcome


CLAIM_NAMES = frozenset((NAME,))


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
        markers.checks(config).add(CLAIM_NAMES, self._check_report)

    def _check_report(self, report: pytest.CollectReport, carried: Carried) -> None:
        claimed = carried.items(CLAIM_NAMES)
        if claimed and report.passed:
            from .marker import attach_claims

            attach_claims(report, claimed)

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


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    config.pluginmanager.register(ClaimsPlugin(config), "gevent_lab.claims")
