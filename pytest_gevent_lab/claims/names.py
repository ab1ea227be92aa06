"""The names the claims plugin needs at start-up: the marker's line, the property, the section.

Apart from the marker's checking (``marker``) and the verdicts (``verdicts``),
so that a run with no claimed test imports neither.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

NAME = "claim"
MARKER = (
    "claim(id, text, *, source=None, verdict='holds'): this test checks a stated claim; "
    "it passes when the claim's verdict ('holds', 'does not hold', or 'changed since "
    "<when>', e.g. 'changed since gevent 1.4') is what it measures. The terminal summary "
    "prints a claims table."
)
SECTION = "claims"
CLAIM_PROPERTY = "gevent_lab.claim"
