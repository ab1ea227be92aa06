"""Each claimed test's verdict: its phases folded into one outcome, filed after teardown.

Imported at the first report of a claimed test (see ``plugin``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

import pytest

from .. import results
from .marker import UNVERIFIED, Claim
from .names import SECTION


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
class Outcome:
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


def file_claims(
    sink: results.Results,
    outcomes: dict[str, Outcome],
    report: pytest.TestReport,
    claims: list[Claim],
    ended: bool | None,
) -> None:
    """Fold one phase's report into its test's outcome; file the claims after teardown.

    An attempt pytest-rerunfailures runs again is forgotten: only the
    final attempt's outcome is the test's (a rerun is not a pass).
    """
    outcome = outcomes.setdefault(report.nodeid, Outcome())
    outcome.add(report)
    if ended is None:
        return
    del outcomes[report.nodeid]
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
        sink.add(SECTION, entry)
