"""What a ``concurrent_speedup`` test tells the user: failure message, summary row, JSON entry.

A test's result is one JSON entry put in the test report's ``user_properties``
(so junitxml shows it, and xdist carries it from worker to controller) next to
a few flat figures for junitxml readers. The controller files each entry
(:class:`SpeedupResults`) for the terminal summary and ``--gevent-report``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from . import report
from .speedup_stats import MARGIN, Verdict, format_seconds, min_rounds

PROPERTY = "gevent_lab_speedup"
# junitxml property name -> entry key: the figures a CI page shows at a glance.
_FLAT_PROPERTIES = {
    "speedup_verdict": "verdict",
    "speedup": "speedup",
    "speedup_required": "required_speedup",
    "speedup_sequential_median_s": "sequential_median_s",
    "speedup_concurrent_median_s": "concurrent_median_s",
}
SECTION = "speedup"


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
    settings: dict[str, Any],
    hint: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    timed = [run for run in runs if run.timed]
    result: dict[str, Any] = {"test": nodeid, **settings}
    result["verdict"] = "error" if error else "pass" if verdict and verdict.passed else "fail"
    result["error"] = error
    result["hint"] = hint
    if verdict is not None:
        result.update(
            sequential_median_s=verdict.sequential.median,
            concurrent_median_s=verdict.concurrent.median,
            speedup=verdict.ratio,
            supported_speedup=verdict.supported,
            required_speedup=verdict.required,
        )
    result["sequential_s"] = [run.seconds for run in timed if run.mode == "sequential"]
    result["concurrent_s"] = [run.seconds for run in timed if run.mode == "concurrent"]
    # vars(), not asdict(): asdict deep-copies, a millisecond per test
    result["runs"] = [{k: v for k, v in vars(run).items() if k != "block_stack"} for run in runs]
    return result


def record(item: pytest.Item, result: dict[str, Any]) -> None:
    """Attach the result to the test report (junitxml properties; xdist carries them)."""
    for name, key in _FLAT_PROPERTIES.items():
        if result.get(key) is not None:
            item.user_properties.append((name, result[key]))
    item.user_properties.append((PROPERTY, json.dumps(result)))


def failure_message(verdict: Verdict, settings: dict[str, Any], hint: str | None) -> str:
    supported = (
        f"the rounds support at least {verdict.supported:.2f}x beyond noise"
        if verdict.supported is not None
        else f"{settings['rounds_run']} rounds cannot tell any speedup from noise "
        f"({min_rounds()} or more can)"
    )
    extended = ""
    if settings["rounds_run"] > settings["rounds"]:
        more = settings["rounds_run"] - settings["rounds"]
        extended = f" (the first {settings['rounds']} left it undecided, so {more} more ran)"
    lines = [
        "concurrent_speedup: the concurrent run was not faster by the required ratio beyond noise",
        f"  sequential: {verdict.sequential.describe()}",
        f"  concurrent: {verdict.concurrent.describe()}",
        f"  speedup:    {verdict.ratio:.2f}x (median / median); {supported}",
        f"  required:   more than {verdict.required:.2f}x (min_speedup={settings['min_speedup']:g} "
        f"and a {MARGIN:.0%} margin for what the two modes always differ by)",
        f"  rounds:     {settings['rounds_run']} timed pairs after {settings['warmup']} warmup "
        f"pair(s){extended}",
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


class SpeedupResults:
    """Files the entries of test reports seen by this process (the controller under xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Every phase's report carries the item's user_properties: file the call's only.
        if report.when != "call" or hasattr(self.config, "workerinput"):
            return  # under xdist the controller files what the workers measured
        for name, value in report.user_properties:
            if name == PROPERTY:
                _file(self.config, json.loads(str(value)))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        rows = summary_rows(report.entries(self.config, SECTION))
        if rows:
            terminalreporter.write_sep("-", "gevent-lab: concurrent speedup")
            for line in rows:
                terminalreporter.write_line(line)


def _file(config: pytest.Config, result: dict[str, Any]) -> None:
    report.add(config, SECTION, result)


def summary_rows(results: list[dict[str, Any]]) -> list[str]:
    if not results:
        return []
    header = ("test", "sequential", "concurrent", "speedup", "required", "verdict")
    table = [header]
    for result in results:
        verdict = result["verdict"]
        if result.get("error"):
            verdict = f"error ({result['error'].split(':')[0]})"
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
