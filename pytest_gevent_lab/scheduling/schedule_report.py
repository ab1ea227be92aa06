"""What a ``gevent_schedules`` failure says: which run and seed, how to replay, the timeline.

The schedule taken is shown as the interleaving timeline (one column per
greenlet, one row per step); the step marked ``>`` is the first where it
departs from the passing run that shares the longest beginning with it, so
the reader sees the decision that made the difference. With
``--gevent-trace`` the same two schedules are drawn side by side.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from ..interleaving import timeline
from .names import RUNS_OPTION, SEED_OPTION
from .schedule_settings import RunPlan
from .steps import Step


@dataclass(frozen=True)
class PassedRun:
    number: int
    seed: int
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Comparison:
    """The failing run against the passing run closest to it."""

    passed: PassedRun | None
    first_difference: int | None  # None: the same schedule (or nothing to compare with)


def closest(failing: Sequence[Step], passed: Sequence[PassedRun]) -> Comparison:
    """The passing run sharing the longest beginning with ``failing``, and where they part."""
    best: PassedRun | None = None
    best_at: int | None = None
    for run in passed:
        at = timeline.first_difference(list(map(str, run.steps)), list(map(str, failing)))
        if at is None:
            return Comparison(run, None)  # the same schedule passed: not a scheduling bug
        if best_at is None or at > best_at:
            best, best_at = run, at
    return Comparison(best, best_at)


def replay_command(nodeid: str, seed: int, plan: RunPlan) -> str:
    extra = "" if plan.marked else f" {RUNS_OPTION}=1"
    return f"pytest {shlex.quote(nodeid)} {SEED_OPTION}={seed}{extra}"


def failure_note(
    nodeid: str,
    plan: RunPlan,
    run: int,
    seed: int,
    steps: Sequence[Step],
    total_steps: int,
    comparison: Comparison,
) -> str:
    """The text added to the failure: run, seed, replay command, the schedule's timeline."""
    if plan.replay:
        head = f"gevent_schedules: the replayed schedule failed ({plan.strategy}, seed {seed})."
    else:
        head = (
            f"gevent_schedules: run {run} of {plan.runs} failed ({plan.strategy} strategy, "
            f"seed {seed}); {run - 1} earlier schedule(s) passed."
        )
    lines = [
        head,
        f"Replay this schedule: {replay_command(nodeid, seed, plan)}",
        "(the same seed gives the same schedule, for code whose only nondeterminism is scheduling)",
    ]
    passed = comparison.passed
    at = comparison.first_difference
    if passed is not None and at is None:
        lines.append(
            f"Run {passed.number} (seed {passed.seed}) took the same schedule and passed: "
            "the outcome depends on something besides the schedule (real I/O timing, threads, "
            "state left by an earlier run)."
        )
    elif passed is not None and at is not None:
        there = str(passed.steps[at]) if at < len(passed.steps) else "(it had ended)"
        lines.append(
            f"Step {at + 1} (marked >) is the first where it departs from passing run "
            f"{passed.number} (seed {passed.seed}), which ran {there!r} there."
        )
    elif not plan.replay:
        lines.append("No schedule passed before this one, so there is none to compare with.")
    shown = f"{total_steps} steps" + (
        f", the first {len(steps)} kept" if total_steps > len(steps) else ""
    )
    lines.append(f"The schedule taken ({shown}):")
    rows = [(step.greenlet, step.what) for step in steps]
    marks = [] if at is None else [at]
    lines += timeline.timeline(rows, marks, what="step")
    return "\n".join(lines)
