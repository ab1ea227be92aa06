"""Running a ``concurrent_speedup`` test: one body, called sequentially and concurrently.

pytest calls a test function once. For a marked test, :func:`call_marked`
(from ``pytest_pyfunc_call``) calls it ``2 * (warmup + rounds)`` times (more
when the verdict needs a second look, see speedup.stats) with the same fixture
values, so fixtures are set up and torn down once and only the
body is timed; the body must therefore be repeatable. The runs alternate
S, C, S, C: whatever slowly changes on the machine (another process, the CPU
clock) touches both modes alike. ``turns.run_mode`` makes every greenlet
the body starts (plain ``gevent.spawn``, a ``Pool`` of its own, the fixtures,
nested spawns) take turns in the sequential run and ends every greenlet of a
run before the next run starts.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import gevent
import pytest
from gevent.exceptions import LoopExit

from .. import patching
from ..greenlets import blocking, lost_errors, owners
from ..greenlets.exceptions import GeventTimeout
from ..greenlets.settings import for_item
from ..traces.current import recorder_of
from . import report, turns
from .clocks import ThreadClocks, thread_clocks
from .marker import parse
from .names import NAME
from .polls import PollIdle, poll_idle
from .report import Run, RunPlan
from .stats import (
    SECOND_LOOK_ROUNDS,
    RunTime,
    Verdict,
    decide,
    format_seconds,
    judged_times,
    required_ratio,
)
from .turns import RunModeName

MODES: tuple[RunModeName, RunModeName] = ("sequential", "concurrent")
# Warmup pairs (untimed) run the concurrent mode first: its time bounds the
# sequential runs (below) before any of them can hang.
WARMUP_MODES: tuple[RunModeName, RunModeName] = ("concurrent", "sequential")
# A sequential run taking longer than this many times the slowest concurrent
# run so far, and longer than the floor, is taken to be stuck (see _stuck).
STUCK_FACTOR = 20
STUCK_FLOOR = 5.0
STUCK_UNKNOWN = 60.0  # no concurrent run yet (warmup=0): only the floor to go by


def call_marked(item: pytest.Function, rounds_option: int | None = None) -> bool | None:
    """Run a marked test's body in all its runs and judge them; None for other tests.

    ``rounds_option``: ``--gevent-speedup-rounds``, when given.
    """
    __tracebackhide__ = True
    mark = item.get_closest_marker(NAME)
    if mark is None or inspect.iscoroutinefunction(item.obj):
        return None  # async bodies: pytest's own call reports them
    spec = parse(mark)  # checked at collection, so this cannot fail here
    rounds = rounds_option or spec.rounds
    plan = RunPlan(
        min_speedup=spec.min_speedup,
        rounds=rounds,
        rounds_run=rounds,
        warmup=spec.warmup,
        required_speedup=required_ratio(spec.min_speedup),
    )
    testargs = {arg: item.funcargs[arg] for arg in item._fixtureinfo.argnames}
    tracker = item.config.stash[owners.tracker_key]
    runs: list[Run] = []
    with _probes() as probes:
        _run_pairs(item, testargs, tracker, probes, runs, plan, spec.warmup + rounds)
        verdict = _judge(runs, spec.min_speedup)
        if verdict.worth_more_rounds:  # the second look of the rule (speedup.stats)
            plan.rounds_run = SECOND_LOOK_ROUNDS * rounds
            last_pair = spec.warmup + SECOND_LOOK_ROUNDS * rounds
            _run_pairs(item, testargs, tracker, probes, runs, plan, last_pair)
            verdict = _judge(runs, spec.min_speedup)
    hint = None if verdict.passed else report.hint_for(verdict, runs, patching.is_patched())
    report.record(item, report.entry(item.nodeid, verdict, runs, plan, hint))
    if not verdict.passed:
        pytest.fail(report.failure_message(verdict, plan, hint, runs), pytrace=False)
    return True


def _run_pairs(
    item: pytest.Function,
    testargs: dict[str, Any],
    tracker: owners.Tracker,
    probes: _Probes,
    runs: list[Run],
    plan: RunPlan,
    last_pair: int,
) -> None:
    """Run S/C pairs after those in ``runs``, up to ``last_pair`` (warmup pairs count)."""
    __tracebackhide__ = True  # a failure shows the body or the greenlet, not this loop
    warmup = plan.warmup
    recorder = recorder_of(item)  # --gevent-trace: each run is a phase of the call
    for pair in range(len(runs) // 2 + 1, last_pair + 1):
        for mode in MODES if pair > warmup else WARMUP_MODES:
            limit = _sequential_limit(runs) if mode == "sequential" else None
            timed = pair > warmup
            try:
                with _phase(recorder, mode, pair, warmup):
                    run = _call_once(item.obj, testargs, probes, mode, pair, timed, limit)
                # A greenlet's error nobody retrieved fails this run like the body's own
                # (checked after every run, not once after all of them).
                lost_errors.raise_unretrieved(tracker.test, item.nodeid, "call")
                runs.append(run)
            except (KeyboardInterrupt, SystemExit, pytest.skip.Exception, pytest.xfail.Exception):
                raise
            except BaseException as error:
                where = _run_name(mode, pair, warmup, plan.rounds_run)
                failure = f"{where}: {type(error).__name__}: {error}"
                report.record(item, report.entry(item.nodeid, None, runs, plan, error=failure))
                note = f"concurrent_speedup: raised in {where}"
                if isinstance(error, GeventTimeout):
                    note += _timeout_note(item, runs, plan)
                _add_note(error, note)
                raise
        if pair == 1 and not any(run.spawned for run in runs):
            _fail_spawned_nothing(item, runs, plan)


def _phase(
    recorder: Any, mode: str, pair: int, warmup: int
) -> contextlib.AbstractContextManager[None]:
    if recorder is None:
        return contextlib.nullcontext()
    name = f"{mode} {pair - warmup}" if pair > warmup else f"warmup {mode} {pair}"
    phase: contextlib.AbstractContextManager[None] = recorder.phase(name)
    return phase


def _sequential_limit(runs: list[Run]) -> float:
    concurrent = [run.seconds for run in runs if run.mode == "concurrent"]
    if not concurrent:
        return max(STUCK_FLOOR, STUCK_UNKNOWN)
    return max(STUCK_FLOOR, STUCK_FACTOR * max(concurrent))


def _judge(runs: list[Run], min_speedup: float) -> Verdict:
    timed = [run for run in runs if run.timed]
    # Timed pairs run S, C: each round's sequential run, then its concurrent one.
    rounds = [_run_times(s, c) for s, c in zip(timed[::2], timed[1::2], strict=True)]
    sequential, concurrent = judged_times(rounds)
    return decide(sequential, concurrent, min_speedup)


def _run_times(sequential: Run, concurrent: Run) -> tuple[RunTime, RunTime]:
    """A round's two runs, their turns paired by key (the same greenlet of the body in each)."""
    keys = [key for key in sequential.turns if key in concurrent.turns]
    return (
        RunTime(
            sequential.seconds,
            sequential.cpu_seconds,
            sequential.ready_seconds,
            tuple(sequential.turns[key] for key in keys),
        ),
        RunTime(
            concurrent.seconds,
            concurrent.cpu_seconds,
            concurrent.ready_seconds,
            tuple(concurrent.turns[key] for key in keys),
        ),
    )


def _call_once(
    function: Callable[..., object],
    testargs: dict[str, Any],
    probes: _Probes,
    mode: RunModeName,
    pair: int,
    timed: bool,
    limit: float | None = None,
) -> Run:
    if "gevent_mode" in testargs:
        testargs = {**testargs, "gevent_mode": mode}
    watch = probes.watch
    watch.longest, watch.stack = 0.0, None  # this run's longest block only
    clocks = probes.clocks
    with turns.run_mode(mode, clocks) as record:
        # ref=False: the watchdog alone must not keep the hub alive, or a body
        # with nothing left to run waits for it instead of raising LoopExit.
        watchdog = gevent.Timeout(limit, ref=False)  # None: no limit
        stuck: str | None = None
        try:
            with watchdog, _no_gc():
                polled = probes.poll_seconds()
                # the CPU and waiting clocks are read inside the wall time (see clocks)
                start = time.perf_counter()
                cpu_start, ready_start = clocks.cpu_and_waiting()
                function(**testargs)
                cpu_end, ready_end = clocks.cpu_and_waiting()
                seconds = time.perf_counter() - start
                polled_end = probes.poll_seconds()
        except gevent.Timeout as expired:
            if expired is not watchdog:
                raise
            stuck = f"it ran for {format_seconds(limit or 0)} without finishing"
        except LoopExit:
            if mode != "sequential":
                raise
            stuck = "gevent's hub found nothing left to run (LoopExit)"
        if stuck is not None:
            # Outside the except blocks: the failure must not chain the error it replaces.
            _fail_stuck(stuck, turns.turn_holder(record))
        running = len(turns.still_running(record))
        if running:
            # Their work would fall outside the timed body and the next run.
            pytest.fail(
                f"the body returned while {running} greenlet(s) it spawned were still running; "
                "wait for them in the body (gevent.joinall(...), pool.join()) so that the "
                "time covers their work",
                pytrace=False,
            )
    return Run(
        mode=mode,
        pair=pair,
        timed=timed,
        seconds=seconds,
        cpu_seconds=cpu_end - cpu_start,
        ready_seconds=ready_end - ready_start,
        spawned=record.spawned,
        nested=record.nested,
        longest_block=watch.longest,
        block_stack=watch.stack,
        poll_idle_seconds=None if polled is None or polled_end is None else polled_end - polled,
        turns=turns.turn_times(record, (start, ready_start)),
    )


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """No garbage collection during the body, as ``timeit`` does.

    A collection costs in proportion to all live objects, not to the body's
    work, and lands in whichever run crosses the threshold: collections fell
    mostly in sequential runs and 2,000 greenlets doing nothing "passed" with
    2x. The garbage of a run is collected after it, untimed, as soon as the
    collector is back on. No gc.collect() before each run: a full one costs
    7 ms in a pytest process, three times a 2 ms body.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Probes:
    """What a run measures besides its time: hub blocks, and this thread's clocks."""

    def __init__(
        self, watch: blocking.BlockWatch, clocks: ThreadClocks, polls: PollIdle | None
    ) -> None:
        self.watch = watch
        self.clocks = clocks
        self.polls = polls

    def poll_seconds(self) -> float | None:
        return None if self.polls is None else self.polls.seconds


@contextlib.contextmanager
def _probes() -> Iterator[_Probes]:
    # One watch and one open schedstat for all runs: a watch per run (a sampling
    # thread and a trace function) cost 0.5 ms inside a 1 ms body, opening the
    # file 10 us per read; _call_once resets the watch.
    with thread_clocks() as clocks, blocking.watch() as watch, poll_idle(clocks) as polls:
        yield _Probes(watch, clocks, polls)


def _timeout_note(item: pytest.Function, runs: list[Run], plan: RunPlan) -> str:
    """How a gevent timeout applies to a marked test: to all its runs together."""
    limit = for_item(item).gevent_timeout
    ran = sum(run.seconds for run in runs)
    most = 2 * (plan.warmup + SECOND_LOOK_ROUNDS * plan.rounds)
    return (
        f". The gevent timeout ({limit:g} s) covers the test's whole call, every run of the "
        f"body together, not each run: {len(runs)} run(s) had taken {format_seconds(ran)} "
        f"when it expired. A marked test calls its body {2 * (plan.warmup + plan.rounds)} "
        f"times, up to {most} when the verdict needs more rounds; give it a limit that covers "
        "them all (@pytest.mark.gevent_timeout(S) on the test)"
    )


def _run_name(mode: str, pair: int, warmup: int, rounds: int) -> str:
    if pair <= warmup:
        return f"the {mode} run of warmup pair {pair} of {warmup}"
    return f"the {mode} run of timed round {pair - warmup} of {rounds}"


def _fail_stuck(why: str, holder: object) -> None:
    named = f" ({holder!r})" if holder is not None else ""
    pytest.fail(
        f"concurrent_speedup: the sequential run is stuck: {why}. The greenlet holding the "
        f"turn{named} waits for a greenlet queued behind it. The sequential run lets each "
        "greenlet the body starts finish, with everything it starts, before the next greenlet "
        "of the same spawner starts, so greenlets that wait on each other (a consumer and its "
        "producer, a request and its server) cannot run one after another. Start what the "
        "others wait for outside the body (a fixture: set up once, not timed, not held), or "
        "do not mark this test.",
        pytrace=False,
    )


def _fail_spawned_nothing(item: pytest.Function, runs: list[Run], plan: RunPlan) -> None:
    message = (
        "concurrent_speedup: the body spawned nothing: it started no greenlet, so its "
        "sequential and concurrent runs are the same run. Start the work that should overlap "
        "in greenlets of its own (gevent.spawn, a gevent.pool.Pool, or the spawn and "
        "gevent_pool fixtures); spawn_later, spawn_raw and threads do not count, they are "
        "not made to take turns in the sequential run."
    )
    report.record(item, report.entry(item.nodeid, None, runs, plan, hint=message))
    pytest.fail(message, pytrace=False)


def _add_note(error: BaseException, note: str) -> None:
    if isinstance(error, pytest.fail.Exception):
        error.msg = f"{error.msg}\n{note}"  # a pytrace=False failure prints its message only
    elif sys.version_info >= (3, 11):
        error.add_note(note)
    else:  # pytest prints __notes__ on 3.10 too
        error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
