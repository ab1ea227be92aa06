"""``@pytest.mark.claim``: a test as the check of a stated claim, and the verdicts of a run.

A test marked ``@pytest.mark.claim(id, text, *, source=None, verdict="holds")``
asserts that ``verdict`` is what this machine measures for the claim; it
records the evidence with the ``record_figure(name, value, unit)`` fixture
(README: "Checking a claim"). Only a test that passed shows its declared
verdict; a failed, erroring, skipped or xfailed test shows "unverified".

The data travels like the test's own outcome: it sits in the item's
``user_properties`` (attached at collection, so even a test skipped before
its fixtures run carries its claim), every TestReport copies them, xdist
serialises them to the controller, and the controller files one entry per
claimed test in ``pytest_runtest_logreport``, into the report section
"claims" that both the terminal table and ``--gevent-report`` read.
"""

from __future__ import annotations

import inspect
import json
import math
from dataclasses import dataclass
from typing import Any, Protocol

import pytest

from . import report as json_report
from . import speedup_report

MARKER = (
    "claim(id, text, *, source=None, verdict='holds'): this test checks a stated claim; "
    "it passes when the claim's verdict ('holds', 'does not hold' or 'changed since the "
    "article') is what it measures. The terminal summary prints a claims table."
)
VERDICTS = ("holds", "does not hold", "changed since the article")
UNVERIFIED = "unverified"
SECTION = "claims"

_CLAIM_PROPERTY = "gevent_lab.claim"
_FIGURE_PROPERTY = "gevent_lab.figure"


def _claim_signature(
    id: str,
    text: str,
    *,
    source: str | None = None,
    verdict: str = "holds",
) -> None:
    """The marker's signature; bound against each marker's arguments to check them."""


_SIGNATURE = inspect.signature(_claim_signature)
_USAGE = "expected @pytest.mark.claim(id, text, *, source=None, verdict='holds')"


class ClaimMarkerError(ValueError):
    """A ``claim`` marker whose arguments do not match its signature."""


def claim_of(mark: pytest.Mark) -> dict[str, Any]:
    """The claim a marker states, as a plain dict; :class:`ClaimMarkerError` if malformed."""
    try:
        bound = _SIGNATURE.bind(*mark.args, **mark.kwargs)
    except TypeError as error:
        raise ClaimMarkerError(f"{error}; {_USAGE}") from None
    bound.apply_defaults()
    claim = dict(bound.arguments)
    for name in ("id", "text"):
        if not isinstance(claim[name], str) or not claim[name].strip():
            raise ClaimMarkerError(
                f"{name} must be a non-empty string, got {claim[name]!r}; {_USAGE}"
            )
    if claim["source"] is not None and not isinstance(claim["source"], str):
        raise ClaimMarkerError(f"source must be a string or None, got {claim['source']!r}")
    if claim["verdict"] not in VERDICTS:
        valid = ", ".join(repr(verdict) for verdict in VERDICTS)
        raise ClaimMarkerError(f"unknown verdict {claim['verdict']!r}; valid verdicts: {valid}")
    return claim


def check_collected(report: pytest.CollectReport) -> pytest.CollectReport:
    """Attach each collected test's claims; a malformed marker fails the collection.

    Failing the collector's report (rather than raising) is what makes it a
    collection error that names the test, reported like an import error.
    """
    if not report.passed:
        return report
    problems = []
    for node in report.result:
        if not isinstance(node, pytest.Item):
            continue
        for mark in node.iter_markers("claim"):
            try:
                claim = claim_of(mark)
            except ClaimMarkerError as error:
                problems.append(f"{node.nodeid}: bad @pytest.mark.claim(...) marker: {error}")
                continue
            node.user_properties.append((_CLAIM_PROPERTY, claim))
    if problems:
        report.outcome = "failed"
        report.longrepr = "\n".join(problems)
        report.result = []
    return report


class RecordFigure(Protocol):
    """The ``record_figure`` fixture: ``record_figure(name, value, unit, *, article=None)``."""

    def __call__(
        self,
        name: str,
        value: float | str,
        unit: str = "",
        *,
        article: float | str | None = None,
    ) -> None: ...


def _check_value(what: str, value: object) -> None:
    if isinstance(value, str):
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"record_figure: {what} must be a number or a string, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"record_figure: {what} must be a finite number, got {value!r}")


@pytest.fixture
def record_figure(request: pytest.FixtureRequest) -> RecordFigure:
    """Record a figure measured by this claim's test: ``record_figure(name, value, unit)``.

    ``article=`` is the source's own value for the same figure, shown beside it.
    """
    assert isinstance(request.node, pytest.Item)
    return make_recorder(request.node)


def make_recorder(item: pytest.Item) -> RecordFigure:
    def record_figure(
        name: str,
        value: float | str,
        unit: str = "",
        *,
        article: float | str | None = None,
    ) -> None:
        if not any(key == _CLAIM_PROPERTY for key, _ in item.user_properties):
            pytest.fail(
                f"record_figure({name!r}, ...) in {item.nodeid}: figures are the evidence "
                "of a claim, but this test has no @pytest.mark.claim(...) marker; add one",
                pytrace=False,
            )
        if not isinstance(name, str) or not name:
            raise TypeError(f"record_figure: name must be a non-empty string, got {name!r}")
        if not isinstance(unit, str):
            raise TypeError(f"record_figure: unit must be a string, got {unit!r}")
        _check_value("value", value)
        if article is not None:
            _check_value("article", article)
        figure = {"name": name, "value": value, "unit": unit, "article": article}
        item.user_properties.append((_FIGURE_PROPERTY, figure))

    return record_figure


@dataclass
class _Outcome:
    """The phases of one claimed test seen so far (controller side)."""

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


_outcomes_key = pytest.StashKey[dict[str, _Outcome]]()


def file_report(config: pytest.Config, report: pytest.TestReport) -> None:
    """Fold one phase's report into its test's outcome; file the claims after teardown."""
    properties: list[tuple[str, Any]] = list(report.user_properties)
    claims = [value for key, value in properties if key == _CLAIM_PROPERTY]
    if not claims:
        return
    outcomes = config.stash.setdefault(_outcomes_key, {})
    outcome = outcomes.setdefault(report.nodeid, _Outcome())
    if report.failed:
        outcome.failed = outcome.failed or ("failed" if report.when == "call" else "error")
    elif report.skipped:
        outcome.skipped = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    elif report.when == "call":
        outcome.passed = True
        outcome.xpassed = hasattr(report, "wasxfail")
    if report.when != "teardown":
        return
    del outcomes[report.nodeid]
    result = outcome.word()
    figures = [value for key, value in properties if key == _FIGURE_PROPERTY]
    figures += [
        figure
        for key, value in properties
        if key == speedup_report.PROPERTY
        for figure in _speedup_figures(json.loads(value))
    ]
    for claim in claims:
        entry = {
            **claim,
            "declared_verdict": claim["verdict"],
            "verdict": claim["verdict"] if result == "passed" else UNVERIFIED,
            "outcome": result,
            "test": report.nodeid,
            "location": [report.location[0], report.location[1]],
            "figures": figures,
        }
        json_report.add(config, SECTION, entry)


FILER_NAME = "gevent_lab_claims"


class ClaimsFiler:
    """Registered per config: files the claims of every test report this process sees."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        file_report(self.config, report)


def _speedup_figures(result: dict[str, Any]) -> list[dict[str, Any]]:
    """A claimed test's ``concurrent_speedup`` measurement, as figures of its claim."""
    if result.get("speedup") is None:
        return []
    figures = [
        ("concurrent_speedup: sequential, median", result["sequential_median_s"], "s"),
        ("concurrent_speedup: concurrent, median", result["concurrent_median_s"], "s"),
        ("concurrent_speedup: speedup, median", result["speedup"], "x"),
    ]
    return [{"name": n, "value": v, "unit": u, "article": None} for n, v, u in figures]


def entries(config: pytest.Config) -> list[dict[str, Any]]:
    return json_report.entries(config, SECTION)
