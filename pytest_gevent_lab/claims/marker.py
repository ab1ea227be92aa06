"""``@pytest.mark.claim(id, text, *, source=None, verdict="holds")``: its arguments.

A claim travels like the test's own outcome: :func:`attach_claims` puts it in
the item's ``user_properties`` at collection (so even a test skipped before
its fixtures run carries its claim), every TestReport copies them, and xdist
serialises them to the controller (see claims.plugin).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import inspect
from typing import Any, TypedDict

import pytest

from .. import results
from .names import CLAIM_PROPERTY, NAME

VERDICTS = ("holds", "does not hold")
CHANGED = "changed since "  # + what it changed since: the article, a version, a date
UNVERIFIED = "unverified"


class Claim(TypedDict):
    id: str
    text: str
    source: str | None
    verdict: str


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


def claim_of(mark: pytest.Mark) -> Claim:
    """The claim a marker states, as a plain dict; :class:`ClaimMarkerError` if malformed."""
    try:
        bound = _SIGNATURE.bind(*mark.args, **mark.kwargs)
    except TypeError as error:
        raise ClaimMarkerError(f"{error}; {_USAGE}") from None
    bound.apply_defaults()
    claim: Any = dict(bound.arguments)
    for name in ("id", "text"):
        if not isinstance(claim[name], str) or not claim[name].strip():
            raise ClaimMarkerError(
                f"{name} must be a non-empty string, got {claim[name]!r}; {_USAGE}"
            )

    if claim["source"] is not None and not isinstance(claim["source"], str):
        raise ClaimMarkerError(f"source must be a string or None, got {claim['source']!r}")
    verdict = claim["verdict"]
    changed = isinstance(verdict, str) and verdict.startswith(CHANGED) and verdict[len(CHANGED) :]
    if verdict not in VERDICTS and not (changed and changed.strip()):
        valid = ", ".join(repr(verdict) for verdict in VERDICTS)
        raise ClaimMarkerError(
            f"unknown verdict {verdict!r}; valid verdicts: {valid}, or '{CHANGED}<when>' "
            "(e.g. 'changed since the article', 'changed since gevent 1.4')"
        )
    return Claim(
        id=claim["id"], text=claim["text"], source=claim["source"], verdict=claim["verdict"]
    )


def attach_claims(report: pytest.CollectReport, claimed: list[pytest.Item]) -> None:
    """Attach the claims of a collector's ``claimed`` tests; a malformed one fails the report.

    Failing the collector's report (rather than raising) is what makes it a
    collection error that names the test, reported like an import error.
    """
    problems = []
    for node in claimed:
        for mark in node.iter_markers(NAME):
            try:
                claim = claim_of(mark)
            except ClaimMarkerError as error:
                problems.append(f"{node.nodeid}: bad @pytest.mark.claim(...) marker: {error}")
                continue
            results.attach(node, CLAIM_PROPERTY, claim)
    if problems:
        report.outcome = "failed"
        report.longrepr = "\n".join(problems)
        report.result = []
