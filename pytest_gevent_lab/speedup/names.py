"""The names the ``concurrent_speedup`` plugin needs at start-up: marker, properties, section.

Apart from the marker's parsing and the report, so that a run with no marked
test imports neither (they build dataclasses at import: measurable in every
user's start-up).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

NAME = "concurrent_speedup"
MARKER_LINE = (
    f"{NAME}(min_speedup=1.0, rounds=5, warmup=1): run the test body sequentially and "
    "concurrently, alternating, and pass only when sequential time / concurrent time "
    "exceeds min_speedup beyond noise (gevent-lab)."
)
PROPERTY = "gevent_lab_speedup"
# junitxml property name -> entry key: the figures a CI page shows at a glance.
FLAT_PROPERTIES = {
    "speedup_verdict": "verdict",
    "speedup": "speedup",
    "speedup_required": "required_speedup",
    "speedup_sequential_median_s": "sequential_median_s",
    "speedup_concurrent_median_s": "concurrent_median_s",
}
SECTION = "speedup"
