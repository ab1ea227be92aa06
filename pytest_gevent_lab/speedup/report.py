"""What a ``concurrent_speedup`` test tells the user: failure message, summary row, JSON entry.

A test's result is one JSON entry put in the test report's ``user_properties``
(so junitxml shows it, and xdist carries it from worker to controller) next to
a few flat figures for junitxml readers, and its medians as figures of the
test (a claimed test shows them). The controller files each entry
(:func:`file_result`) for the terminal summary and ``--gevent-report``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypedDict

import pytest

from .. import results
from ..traces.current import recorder_of
from .names import FLAT_PROPERTIES, PROPERTY
from .stats import (
    MARGIN,
    SECOND_LOOK_ROUNDS,
    RunTime,
    Spread,
    Verdict,
    format_seconds,
    min_rounds,
)


@dataclass
class RunPlan:
    """How many runs a marked test gets, and what they must show."""

    min_speedup: float
    rounds: int  # timed pairs of the first look
    rounds_run: int  # timed pairs run so far (3 x rounds after a second look)
    warmup: int
    required_speedup: float


class RunEntry(TypedDict):
    mode: str
    pair: int
    timed: bool
    seconds: float
    cpu_seconds: float
    ready_seconds: float
    spawned: int
    nested: int
    longest_block: float
    poll_idle_seconds: float | None


class SpeedupEntry(TypedDict, total=False):
    """One marked test's result, as the JSON report and the summary read it."""

    test: str
    min_speedup: float
    rounds: int
    rounds_run: int
    warmup: int
    required_speedup: float
    verdict: str  # "pass" | "fail" | "error"
    inconclusive: bool  # failed after the most rounds, the medians showing the speedup
    error: str | None
    hint: str | None
    sequential_median_s: float
    concurrent_median_s: float
    speedup: float
    supported_speedup: float | None
    sequential_s: list[float]
    concurrent_s: list[float]
    runs: list[RunEntry]


_NOT_IN_JSON = ("block_stack", "turns")


@dataclass
class Run:
    """One call of the test body in one mode."""

    mode: str  # "sequential" | "concurrent"
    pair: int  # 1-based, warmup pairs first
    timed: bool
    seconds: float
    # This thread's time on a CPU, and ready to run but waiting for one (another
    # process had it): CPU-bound work is on a CPU whenever it is not waiting.
    cpu_seconds: float
    ready_seconds: float
    spawned: int
    longest_block: float  # longest time the hub was kept from running
    block_stack: str | None
    nested: int = 0  # of the spawned, how many by another greenlet of the body (in its turn)
    # idle in the hub's poll (speedup.polls), waiting cooperatively; None: not measured
    poll_idle_seconds: float | None = None
    # each leaf turn's (start, length), by the turn's key, in time not spent
    # waiting for a CPU (speedup.turns.turn_times); not in the JSON
    turns: dict[tuple[int, ...], tuple[float, float] | None] = field(default_factory=dict)


def entry(
    nodeid: str,
    verdict: Verdict | None,
    runs: list[Run],
    plan: RunPlan,
    hint: str | None = None,
    error: str | None = None,
) -> SpeedupEntry:
    timed = [run for run in runs if run.timed]
    result = SpeedupEntry(
        test=nodeid,
        min_speedup=plan.min_speedup,
        rounds=plan.rounds,
        rounds_run=plan.rounds_run,
        warmup=plan.warmup,
        required_speedup=plan.required_speedup,
    )
    result["verdict"] = "error" if error else "pass" if verdict and verdict.passed else "fail"
    result["inconclusive"] = bool(verdict and not error and inconclusive(verdict, plan))
    result["error"] = error
    result["hint"] = hint
    if verdict is not None:
        result["sequential_median_s"] = verdict.sequential.median
        result["concurrent_median_s"] = verdict.concurrent.median
        result["speedup"] = verdict.ratio
        result["supported_speedup"] = verdict.supported
        result["required_speedup"] = verdict.required
    if verdict is not None:  # the times judged: see stats.judged_times
        result["sequential_s"] = list(verdict.sequential_times)
        result["concurrent_s"] = list(verdict.concurrent_times)
    else:
        result["sequential_s"] = [run.seconds for run in timed if run.mode == "sequential"]
        result["concurrent_s"] = [run.seconds for run in timed if run.mode == "concurrent"]
    # vars(), not asdict(): asdict deep-copies, a millisecond per test
    result["runs"] = [
        RunEntry(**{k: v for k, v in vars(run).items() if k not in _NOT_IN_JSON})  # type: ignore[typeddict-item]
        for run in runs
    ]
    return result


def record(item: pytest.Item, result: SpeedupEntry) -> None:
    """Attach the result to the test report (junitxml properties; xdist carries them)."""
    for name, key in FLAT_PROPERTIES.items():
        value = result.get(key)
        if value is not None:
            results.attach(item, name, value)
    results.attach(item, PROPERTY, json.dumps(result))
    recorder = recorder_of(item)
    if recorder is not None:  # --gevent-trace: the picture draws the rounds
        draw_rounds(recorder, result)
    if result.get("speedup") is not None:  # a claimed test shows them as its evidence
        for name, value, unit in (
            ("concurrent_speedup: sequential, median", result["sequential_median_s"], "s"),
            ("concurrent_speedup: concurrent, median", result["concurrent_median_s"], "s"),
            ("concurrent_speedup: speedup, median", result["speedup"], "x"),
        ):
            results.add_figure(
                item, results.Figure(name=name, value=value, unit=unit, article=None)
            )


def draw_rounds(recorder: Any, result: SpeedupEntry) -> None:
    """Hand the rounds judged (or run, when a run raised) to the trace's speedup chart.

    A run that raised leaves its round without a partner: only whole rounds
    are drawn. Called for every result, so the last one (the verdict) wins.
    """
    sequential, concurrent = result.get("sequential_s", []), result.get("concurrent_s", [])
    whole = min(len(sequential), len(concurrent))
    if not whole:
        return
    supported = result.get("supported_speedup")
    recorder.speedup_rounds(
        sequential[:whole],
        concurrent[:whole],
        required=result["required_speedup"],
        supported=supported if supported is not None and supported > 0 else None,
        verdict=result.get("verdict"),
    )


def failure_message(verdict: Verdict, plan: RunPlan, hint: str | None, runs: list[Run]) -> str:
    supported = (
        f"the rounds support at least {verdict.supported:.2f}x beyond noise"
        if verdict.supported is not None
        else f"{plan.rounds_run} rounds cannot tell any speedup from noise "
        f"({min_rounds()} or more can)"
    )
    extended = ""
    if plan.rounds_run > plan.rounds:
        more = plan.rounds_run - plan.rounds
        extended = f" (the first {plan.rounds} left it undecided, so {more} more ran)"
    head = [
        "concurrent_speedup: the concurrent run was not faster by the required ratio beyond noise"
    ]
    if inconclusive(verdict, plan):
        head.append(
            f"  inconclusive: after {plan.rounds_run} timed pairs, the most this test runs "
            f"({SECOND_LOOK_ROUNDS} x rounds), the rounds vary too much to tell: the medians "
            f"show {verdict.ratio:.2f}x but the spread of the rounds (sequential "
            f"{_spread(verdict.sequential)}, concurrent {_spread(verdict.concurrent)} around "
            "their medians) supports less"
        )
    lines = [
        *head,
        f"  sequential: {verdict.sequential.describe()}",
        f"  concurrent: {verdict.concurrent.describe()}",
        f"  speedup:    {verdict.ratio:.2f}x (median / median); {supported}",
        f"  required:   more than {verdict.required:.2f}x (min_speedup={plan.min_speedup:g} "
        f"and a {MARGIN:.0%} margin for what the two modes always differ by)",
        f"  rounds:     {plan.rounds_run} timed pairs after {plan.warmup} warmup pair(s){extended}",
    ]
    waited = _waiting_share([run for run in runs if run.timed])
    if waited >= 0.01:
        lines.append(
            f"  load:       the runs waited {waited:.0%} of their wall time for a CPU that other "
            "processes had; the times above leave that out"
        )
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)


def inconclusive(verdict: Verdict, plan: RunPlan) -> bool:
    """Failed with every round the budget allows, though the medians show the speedup."""
    return not verdict.passed and verdict.worth_more_rounds and plan.rounds_run > plan.rounds


def _spread(spread: Spread) -> str:
    return f"+/-{(spread.high - spread.low) / 2 / max(spread.median, 1e-9):.0%}"


def _waiting_share(runs: list[Run]) -> float:
    wall = sum(run.seconds for run in runs)
    return min(1.0, sum(run.ready_seconds for run in runs) / wall) if wall > 0 else 0.0


def own_seconds(run: Run) -> float:
    """The run's wall time less its waiting for a CPU (see stats.RunTime.own)."""
    return RunTime(run.seconds, run.cpu_seconds, run.ready_seconds).own


def _busy(runs: list[Run]) -> float:
    """Share of a run's own time spent on a CPU, the median run's.

    The median, not the total: on a loaded machine a few runs of a CPU-bound
    body show idle time (the block watch's sampler thread took the GIL and then
    waited for a CPU; a page fault read code from disk), up to half of a short run.
    """
    shares = sorted(min(1.0, run.cpu_seconds / max(own_seconds(run), 1e-9)) for run in runs)
    return shares[len(shares) // 2] if shares else 1.0


# Idle time outside the hub's poll (or, unmeasured, a block beyond the run's
# waiting for a CPU) of at least this share of a concurrent run and this long is
# a call that held the whole thread, not scheduling noise.
BLOCK_SHARE = 0.2
BLOCK_FLOOR = 1e-3
# The CPU hint is given when CPU time alone caps the speedup below this many
# times the required ratio: the waits could overlap fully and still not reach it.
CPU_CAP_SLACK = 1.25
# From this share of the sequential runs' time on a CPU a body is called CPU-bound.
CPU_BOUND = 0.5


def hint_for(verdict: Verdict, runs: list[Run], patched: bool) -> str | None:
    """The visible causes of a failed verdict, one ``hint:`` line each, if any."""
    hints = []
    # Without a supported speedup (too few rounds) more rounds, not less noise, would decide.
    noisy = verdict.ratio > verdict.required and verdict.supported is not None
    if noisy:
        hints.append(
            "the median speedup is enough but the rounds vary too much to rely on it: "
            "add rounds (--gevent-speedup-rounds) or make the body's work longer than the noise"
        )
    timed = [run for run in runs if run.timed]
    sequential = [run for run in timed if run.mode == "sequential"]
    alone = all(run.spawned == 1 for run in timed)
    if alone:  # the cause itself, whatever else the runs show
        hints.append(
            "the body spawned only one greenlet per run; nothing can overlap. Spawn each "
            "piece of work that should run concurrently in a greenlet of its own"
        )
    # Judged on the sequential runs, where no wait overlaps another: a mostly
    # waiting body shows its waiting there even when its concurrent run is short.
    busy = _busy(sequential)
    cap = 1 / busy if busy > 0 else float("inf")  # the most overlapping waits can give
    cpu_bound = cap < verdict.required * CPU_CAP_SLACK
    blocked = _blocked(runs, verdict)
    equal = "the concurrent runs were no faster than the sequential ones beyond noise"
    if not cpu_bound and blocked is not None:
        stack = blocked.block_stack
        where = f"; the longest block was at:\n{stack.rstrip()}" if stack else ""
        fix = (
            " and the process is not monkey-patched: run with --gevent-patch (or use gevent's "
            "cooperative API)"
            if not patched
            else ""
        )
        hints.append(
            f"a blocking call kept gevent's hub from running for "
            f"{format_seconds(blocked.longest_block)} at a time{fix}{where}"
        )
    elif cpu_bound and busy >= CPU_BOUND:
        prefix = f"{equal} and " if verdict.no_speedup_beyond_noise else ""
        hints.append(
            f"{prefix}the body kept the CPU busy {busy:.0%} of the time it could run: "
            "CPU-bound work gains nothing from greenlets (only waiting, on sockets, sleeps or "
            f"subprocesses, overlaps), so no concurrent run can be more than about {cap:.2f}x "
            "faster"
        )
    elif cpu_bound:
        hints.append(
            f"the body spent {busy:.0%} of its sequential runs on the CPU, and only waiting "
            f"overlaps: no concurrent run can be more than about {cap:.2f}x faster, too little "
            f"for the required {verdict.required:.2f}x (lower min_speedup, or give the body "
            "more waiting per unit of work)"
        )
    elif not noisy and not alone:
        nested = _nested_hint(verdict, sequential)
        if nested:
            hints.append(nested)
        elif verdict.no_speedup_beyond_noise:
            hints.append(
                f"{equal} while the CPU was mostly idle: the greenlets waited for each other "
                "(a lock, a pool of size 1, or a join inside the spawning loop?)"
            )
    return "\nhint: ".join(hints) or None


def _blocked(runs: list[Run], verdict: Verdict) -> Run | None:
    """The run with the longest block, if the body blocked the hub (its thread, really)."""
    concurrent = [run for run in runs if run.timed and run.mode == "concurrent"]
    least = max(BLOCK_FLOOR, BLOCK_SHARE * verdict.concurrent.median)
    longest = max(concurrent, key=lambda run: run.longest_block)
    if all(run.poll_idle_seconds is not None for run in concurrent):
        # Idle time outside the hub's poll is time a call held the whole thread.
        outside = sorted(
            own_seconds(run) - run.cpu_seconds - (run.poll_idle_seconds or 0.0)
            for run in concurrent
        )
        return longest if outside[len(outside) // 2] >= least else None
    # Without poll times: a slice preempted by another process looks like a
    # block too, so count a block only beyond the run's waiting for a CPU.
    net = max(concurrent, key=lambda run: run.longest_block - run.ready_seconds)
    return longest if net.longest_block - net.ready_seconds >= least else None


def _nested_hint(verdict: Verdict, sequential: list[Run]) -> str | None:
    """Greenlets started by the body's greenlets run beside their spawner: say so when it matters.

    The sequential run makes the greenlets of each spawner take turns, but a
    child runs beside the greenlet that started it, so whatever the spawner
    waits on while its child runs (not the child itself) overlaps in both runs.
    """
    if not sequential or not all(run.nested for run in sequential):
        return None
    if not verdict.no_speedup_beyond_noise and verdict.ratio >= verdict.required:
        return None
    run = sequential[len(sequential) // 2]
    return (
        f"{run.nested} of the {run.spawned} greenlets of each run were started by other "
        "greenlets, not by the test body. The sequential run makes the greenlets of one "
        "spawner take turns (each finishes, with everything it starts, before the next one "
        "it started begins), but each runs beside the greenlet that started it: whatever a "
        "spawner waits on while its child runs (a sleep, a request, a join on anything but "
        "its children) overlaps in the sequential run too, and only overlap between siblings "
        "counts as speedup. Let a greenlet that fans out start its children and join them, "
        "and do its own waiting before or after"
    )


def file_result(values: list[Any]) -> list[SpeedupEntry]:
    """The entries a test's report carries, in the reporting process."""
    return [json.loads(str(value)) for value in values]


def summary_rows(entries: list[SpeedupEntry]) -> list[str]:
    if not entries:
        return []
    header = ("test", "sequential", "concurrent", "speedup", "required", "verdict")
    table = [header]
    for result in entries:
        verdict = result["verdict"]
        error = result.get("error")
        if error:
            verdict = f"error ({error.split(':')[0]})"
        elif result.get("inconclusive"):
            verdict = "fail (inconclusive)"
        table.append(
            (
                result["test"],
                _cell(result.get("sequential_median_s"), format_seconds),
                _cell(result.get("concurrent_median_s"), format_seconds),
                _cell(result.get("speedup"), lambda value: f"{value:.2f}x"),
                _cell(result.get("required_speedup"), lambda value: f">{value:.2f}x"),
                verdict,
            )
        )
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def _cell(value: Any, formatted: Any) -> str:
    return "-" if value is None else str(formatted(value))
