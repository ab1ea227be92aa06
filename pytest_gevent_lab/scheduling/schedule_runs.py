"""Running a ``gevent_schedules`` test: one body, called once per schedule.

As for ``concurrent_speedup``, pytest calls a test function once; for an
exploring test :func:`call_explored` (from ``pytest_pyfunc_call``) calls it
once per seed with the same fixture values, so fixtures are set up and torn
down once and the body must be repeatable. Two fixtures are made afresh for
each run, since a run's log or order must not carry into the next:
``interleaving`` and ``sequencer`` (used once per position). After each run
the errors of its greenlets fail that run, and its greenlets still running
are killed, so that nothing of one schedule runs into the next.

Exploration stops at the first failing run: its failure gets the run, the
seed, the replay command and the schedule's timeline (``schedule_report``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import pytest

from ..greenlets import leaks, lost_errors, owners
from ..greenlets.waiting import owned_greenlets
from ..traces.current import recorder_of
from . import schedule_report, strategies
from .exploring_order import ExploringOrder
from .schedule_report import PassedRun
from .schedule_settings import RunPlan

FRESH_PER_RUN = ("interleaving", "sequencer")


def _fresh(name: str) -> Any:
    if name == "interleaving":
        from ..interleaving.log import Interleaving

        return Interleaving()
    from ..interleaving.sequencer import Sequencer

    return Sequencer()


def call_explored(item: pytest.Function, plan: RunPlan, order: ExploringOrder) -> bool | None:
    """Run the body once per seed of ``plan``; None for bodies pytest must call (async)."""
    __tracebackhide__ = True
    if inspect.iscoroutinefunction(item.obj):
        return None
    testargs = {arg: item.funcargs[arg] for arg in item._fixtureinfo.argnames}
    tracker = item.config.stash[owners.tracker_key]
    passed: list[PassedRun] = []
    for number, seed in enumerate(plan.seeds, 1):
        for name in FRESH_PER_RUN:
            if name in testargs:
                testargs[name] = _fresh(name)
        owner = tracker.test
        before = {id(glet) for glet in owned_greenlets(owner)} if owner is not None else set()
        order.begin(strategies.make(plan.strategy, seed))
        try:
            item.obj(**testargs)
            # A greenlet's error nobody retrieved fails this run like the body's own.
            lost_errors.raise_unretrieved(tracker.test, item.nodeid, "call")
        except (KeyboardInterrupt, SystemExit, pytest.skip.Exception, pytest.xfail.Exception):
            order.end()
            raise
        except BaseException as error:
            total = order.steps_total
            steps = order.end()
            _explain(item, plan, number, seed, steps, total, passed, error)
            raise
        total = order.steps_total
        steps = order.end()
        passed.append(PassedRun(number, seed, tuple(steps)))
        if number < plan.runs and owner is not None:
            leaks.kill([glet for glet in owned_greenlets(owner) if id(glet) not in before])
    return True


def _explain(
    item: pytest.Function,
    plan: RunPlan,
    number: int,
    seed: int,
    steps: list[Any],
    total: int,
    passed: list[PassedRun],
    error: BaseException,
) -> None:
    comparison = schedule_report.closest(steps, passed)
    note = schedule_report.failure_note(item.nodeid, plan, number, seed, steps, total, comparison)
    _add_note(error, note)
    recorder = recorder_of(item)
    if recorder is not None:
        other = comparison.passed
        recorder.schedules(
            [str(step) for step in steps],
            [str(step) for step in other.steps] if other is not None else [],
            first_difference=comparison.first_difference,
            failing_label=f"run {number}, seed {seed}: failed",
            passing_label=(
                f"run {other.number}, seed {other.seed}: passed"
                if other is not None
                else "no run passed before it"
            ),
        )


def _add_note(error: BaseException, note: str) -> None:
    if isinstance(error, pytest.fail.Exception):
        error.msg = f"{error.msg}\n{note}"  # a pytrace=False failure prints its message only
    elif sys.version_info >= (3, 11):
        error.add_note(note)
    else:  # pytest prints __notes__ on 3.10 too
        error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
