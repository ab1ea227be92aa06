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
from dataclasses import dataclass
from typing import Any, TypedDict

import pytest

from .. import results
from .stats import MARGIN, Verdict, format_seconds, min_rounds

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
    longest_block: float


class SpeedupEntry(TypedDict, total=False):
    """One marked test's result, as the JSON report and the summary read it."""

    test: str
    min_speedup: float
    rounds: int
    rounds_run: int
    warmup: int
    required_speedup: float
    verdict: str  # "pass" | "fail" | "error"
    error: str | None
    hint: str | None
    sequential_median_s: float
    concurrent_median_s: float
    speedup: float
    supported_speedup: float | None
    sequential_s: list[float]
    concurrent_s: list[float]
    runs: list[RunEntry]


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
    result["error"] = error
    result["hint"] = hint
    if verdict is not None:
        result["sequential_median_s"] = verdict.sequential.median
        result["concurrent_median_s"] = verdict.concurrent.median
        result["speedup"] = verdict.ratio
        result["supported_speedup"] = verdict.supported
        result["required_speedup"] = verdict.required
    result["sequential_s"] = [run.seconds for run in timed if run.mode == "sequential"]
    result["concurrent_s"] = [run.seconds for run in timed if run.mode == "concurrent"]
    # vars(), not asdict(): asdict deep-copies, a millisecond per test
    result["runs"] = [
        RunEntry(**{k: v for k, v in vars(run).items() if k != "block_stack"})  # type: ignore[typeddict-item]
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
    if result.get("speedup") is not None:  # a claimed test shows them as its evidence
        for name, value, unit in (
            ("concurrent_speedup: sequential, median", result["sequential_median_s"], "s"),
            ("concurrent_speedup: concurrent, median", result["concurrent_median_s"], "s"),
            ("concurrent_speedup: speedup, median", result["speedup"], "x"),
        ):
            results.add_figure(
                item, results.Figure(name=name, value=value, unit=unit, article=None)
            )


def failure_message(verdict: Verdict, plan: RunPlan, hint: str | None) -> str:
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
    lines = [
        "concurrent_speedup: the concurrent run was not faster by the required ratio beyond noise",
        f"  sequential: {verdict.sequential.describe()}",
        f"  concurrent: {verdict.concurrent.describe()}",
        f"  speedup:    {verdict.ratio:.2f}x (median / median); {supported}",
        f"  required:   more than {verdict.required:.2f}x (min_speedup={plan.min_speedup:g} "
        f"and a {MARGIN:.0%} margin for what the two modes always differ by)",
        f"  rounds:     {plan.rounds_run} timed pairs after {plan.warmup} warmup pair(s){extended}",
    ]
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)


# Share of the time it could run that the body's thread spent on a CPU. Measured
# under load: CPU-bound bodies 0.65 and up, bodies waiting on time.sleep 0.06 at most.
BUSY = 0.2


def _busy(runs: list[Run]) -> float:
    cpu = sum(run.cpu_seconds for run in runs)
    # schedstat's run-queue delay sometimes exceeds the wall time on a loaded
    # machine: a thread that waited that long for a CPU wanted one.
    runnable = sum(run.seconds - run.ready_seconds for run in runs)
    return min(1.0, cpu / runnable) if runnable > 0 else 1.0


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
    concurrent = [run for run in runs if run.timed and run.mode == "concurrent"]
    alone = all(run.spawned == 1 for run in runs if run.timed)
    if alone:  # the cause itself, whatever else the runs show
        hints.append(
            "the body spawned only one greenlet per run; nothing can overlap. Spawn each "
            "piece of work that should run concurrently in a greenlet of its own"
        )
    busy = _busy(concurrent)
    blocked = max(concurrent, key=lambda run: run.longest_block)
    equal = "the concurrent runs were no faster than the sequential ones beyond noise"
    # A block this long relative to the run is one call holding the hub, not scheduling noise.
    if blocked.longest_block >= max(1e-3, 0.2 * verdict.concurrent.median) and busy < BUSY:
        block = format_seconds(blocked.longest_block)
        stack = blocked.block_stack
        where = f"; the longest block was at:\n{stack.rstrip()}" if stack else ""
        fix = (
            " and the process is not monkey-patched: run with --gevent-patch (or use gevent's "
            "cooperative API)"
            if not patched
            else ""
        )
        hints.append(
            f"a blocking call kept gevent's hub from running for {block} at a time{fix}{where}"
        )
    elif busy >= BUSY:
        prefix = f"{equal} and " if verdict.no_speedup_beyond_noise else ""
        hints.append(
            f"{prefix}the body kept the CPU busy {busy:.0%} of the time it could run: "
            "CPU-bound work gains nothing from greenlets (only waiting, on sockets, sleeps or "
            "subprocesses, overlaps)"
        )
    elif verdict.no_speedup_beyond_noise and not noisy and not alone:
        hints.append(
            f"{equal} while the CPU was mostly idle: the greenlets waited for each other "
            "(a lock, a pool of size 1, or a join inside the spawning loop?)"
        )
    return "\nhint: ".join(hints) or None


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
