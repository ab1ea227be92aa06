"""The names the scheduling plugins need at start-up: markers, the fixture, the options.

Apart from the markers' parsing (``settings``, ``schedule_settings``), the
strategies and the clock, so that a run in which no test runs on a virtual
clock or explores schedules imports none of them (they build dataclasses and
protocols at import: measurable in every user's start-up,
``benchmarks/trivial_tests_overhead.py --case empty``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

SPEEDUP_MARKER = "concurrent_speedup"

VIRTUAL_MARKER = "gevent_virtual_time"
FIXTURE = "gevent_clock"
VIRTUAL_MARKER_LINE = (
    f"{VIRTUAL_MARKER}(autojump_threshold=0.0): run this test on a virtual clock: sleeps, "
    "timeouts and timers take no real time; once nothing has run and no I/O has become ready "
    "for autojump_threshold real seconds, the clock jumps to the next timer (gevent-lab)."
)
VIRTUAL_BOUND = 86_400.0  # one virtual day (activation: where a test's clock must stop)

SCHEDULES_MARKER = "gevent_schedules"
RUNS_OPTION = "--gevent-schedules"
SEED_OPTION = "--gevent-schedule-seed"
SCHEDULES_MARKER_LINE = (
    f"{SCHEDULES_MARKER}(runs=100, seed=None, strategy='random'): run the test body once per "
    "explored schedule (greenlets, callbacks, I/O and same-instant timers ready together run "
    "in a seeded order; strategies: random, pct); a failure prints the seed that replays it "
    f"with {SEED_OPTION}=S (gevent-lab)."
)
