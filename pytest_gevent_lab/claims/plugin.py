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
from dataclasses import dataclass
from typing import Any, TypedDict

import pytest

from .. import results
from .marker import CLAIM_PROPERTY, MARKER, SECTION, UNVERIFIED, Claim, attach_claims


class ClaimEntry(TypedDict):
    """One claimed test's verdict, as the claims table and the JSON report read it."""

    id: str
    text: str
    source: str | None
    declared_verdict: str
    verdict: str  # the declared one if the test passed, else "unverified"
    outcome: str  # passed, failed, error, skipped, xfailed, xpassed, not run
    test: str
    location: list[Any]
    figures: list[results.Figure]


@dataclass
class _Outcome:
    """The phases of one claimed test seen so far."""

    failed: str = ""  # "failed" (call) or "error" (setup/teardown)
    skipped: str = ""  # "skipped" or "xfailed"
    passed: bool = False
    xpassed: bool = False

    def word(self) -> str:
        if self.failed:
            return self.failed
        if self.skipped:
            return self.skipped
        if self.xpassed:
            return "xpassed"
        return "passed" if self.passed else "not run"

    def add(self, report: pytest.TestReport) -> None:
        if str(report.outcome) == "rerun":
            return  # this attempt is discarded at its teardown
        if report.failed:
            self.failed = self.failed or ("failed" if report.when == "call" else "error")
        elif report.skipped:
            self.skipped = "xfailed" if hasattr(report, "wasxfail") else "skipped"
        elif report.when == "call":
            self.passed = True
            self.xpassed = hasattr(report, "wasxfail")


class ClaimsPlugin:
    """Checks claim markers at collection and files each claimed test's verdict."""

    def __init__(self, config: pytest.Config) -> None:
        self.sink = results.sink(config)
        self.outcomes: dict[str, _Outcome] = {}
        self.sink.on_report(CLAIM_PROPERTY, self._file)
        self.sink.add_terminal_section("gevent-lab: claims", self._table, sep="=")

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self,
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        collect_report = yield
        return attach_claims(collect_report)

    def _file(self, report: pytest.TestReport, claims: list[Claim], ended: bool | None) -> None:
        """Fold one phase's report into its test's outcome; file the claims after teardown.

        An attempt pytest-rerunfailures runs again is forgotten: only the
        final attempt's outcome is the test's (a rerun is not a pass).
        """
        outcome = self.outcomes.setdefault(report.nodeid, _Outcome())
        outcome.add(report)
        if ended is None:
            return
        del self.outcomes[report.nodeid]
        if not ended:
            return
        word = outcome.word()
        figures = results.figures_of(report)
        for claim in claims:
            entry = ClaimEntry(
                id=claim["id"],
                text=claim["text"],
                source=claim["source"],
                declared_verdict=claim["verdict"],
                verdict=claim["verdict"] if word == "passed" else UNVERIFIED,
                outcome=word,
                test=report.nodeid,
                location=[report.location[0], report.location[1]],
                figures=figures,
            )
            self.sink.add(SECTION, entry)

    def _table(self, width: int) -> list[str]:
        entries = self.sink.entries(SECTION)
        if not entries:
            return []
        from . import table  # only a run with claims prints the table

        return [*table.table_lines(entries, width=width), table.totals_line(entries)]


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    config.pluginmanager.register(ClaimsPlugin(config), "gevent_lab.claims")
