"""Fresh ``pytest`` processes for the benchmarks: environment, CPU time, peak RSS, instructions.

Shared by ``trivial_tests_overhead.py``, ``scaling.py`` and ``greenlet_memory.py``
(each run as ``python benchmarks/NAME.py``, so this directory is on ``sys.path``).

- The environment drops ``PYTHONDONTWRITEBYTECODE`` (tox sets it; it makes every
  run re-rewrite and recompile the plugin, tripling start-up) and the user's
  ``PYTEST_ADDOPTS``/``PYTEST_PLUGINS``; ``PYTHONHASHSEED`` is fixed so two runs
  of one command execute the same instructions.
- CPU time and peak RSS are the child's own (``os.wait4``), not the running
  maximum over all children that ``RUSAGE_CHILDREN`` gives.
- Instructions are valgrind callgrind's "Collected" total for the pytest
  process itself (``--trace-children=no``): exact to a few instructions from
  run to run, whatever the machine's load, so several run in parallel.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# The same in every run: no plugin that reorders, caches or times tests.
PYTEST_ARGS = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist"]
PYTEST_ARGS += ["-p", "no:timeout"]
PLUGIN_OFF = ["-p", "no:gevent_lab"]
NO_TESTS = 5  # pytest's exit code when nothing was collected: an empty run's

TIMEOUT = 3600.0  # seconds for any one process (callgrind runs ~50x slower than native)


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env["PYTHONHASHSEED"] = "0"
    env.update(extra or {})
    return env


_DROPPED = {"PYTHONDONTWRITEBYTECODE", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"}


def pytest_command(*extra: str) -> list[str]:
    """``python -m pytest`` with the fixed arguments, then ``extra``."""
    return [sys.executable, "-m", "pytest", *PYTEST_ARGS, *extra]


def gevent_monkey_command(*extra: str) -> list[str]:
    """gevent's own patched launcher, what a patched user runs without the plugin."""
    return [sys.executable, "-m", "gevent.monkey", "--module", "pytest", *PYTEST_ARGS, *extra]


@dataclass(frozen=True)
class Run:
    """One pytest process to measure: the command, where, and the exit codes that mean success."""

    command: Sequence[str]
    cwd: Path
    ok: tuple[int, ...] = (0,)
    env: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "command", tuple(self.command))  # hashable: runs dedupe

    def describe(self) -> str:
        env = "".join(f"{k}={v} " for k, v in self.env)
        return f"(in {self.cwd}) {env}{' '.join(self.command)}"


@dataclass(frozen=True)
class Usage:
    cpu: float  # user + system seconds of the child alone
    wall: float
    max_rss_kb: int
    exit_code: int


def measure(run: Run) -> Usage:
    """Run once natively; the child's own CPU time and peak RSS."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            run.command,
            cwd=run.cwd,
            env=child_env(dict(run.env)),
            stdout=out,  # a file, not a pipe: nothing is read while os.wait4 waits
            stderr=subprocess.STDOUT,
        )
        timer = threading.Timer(TIMEOUT, os.kill, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        _check(run, proc.returncode, out)
    return Usage(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, proc.returncode)


_COLLECTED = re.compile(rb"^==\d+== Collected : (\d+)$", re.MULTILINE)


def valgrind_command(out_file: str = "/dev/null") -> list[str]:
    if shutil.which("valgrind") is None:
        raise SystemExit(
            "valgrind is not installed (apt-get install valgrind), or skip the instruction "
            "counts (see --help)"
        )
    return [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out_file}",
        "--trace-children=no",
    ]


def instructions(run: Run, out_file: str = "/dev/null") -> int:
    """Instructions the pytest process executes, start to exit (valgrind callgrind)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run(
            [*valgrind_command(out_file), *run.command],
            cwd=run.cwd,
            env=child_env(dict(run.env)),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=TIMEOUT,
            check=False,
        )
        _check(run, proc.returncode, out)
        out.seek(0)
        found = _COLLECTED.findall(out.read())
    if len(found) != 1:
        raise SystemExit(f"no callgrind total in the output of {run.describe()}")
    return int(found[0])


def instructions_of_all(runs: Sequence[Run], jobs: int, progress: bool = True) -> list[int]:
    """:func:`instructions` of each run, ``jobs`` at a time (counts do not depend on load)."""
    done = 0
    lock = threading.Lock()

    def one(run: Run) -> int:
        nonlocal done
        count = instructions(run)
        with lock:
            done += 1
            if progress:
                print(f"  callgrind {done}/{len(runs)} done", file=sys.stderr, flush=True)
        return count

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, runs))


def _check(run: Run, code: int, out: BinaryIO) -> None:
    if code in run.ok:
        return
    out.seek(0)
    tail = out.read()[-3000:].decode(errors="replace")
    raise SystemExit(f"exit code {code} (expected {run.ok}) from {run.describe()}:\n{tail}")


def warm_up(runs: Sequence[Run]) -> None:
    """One untimed run of each command: bytecode caches (and pytest's rewritten modules) written."""
    for run in dict.fromkeys(runs):
        measure(run)


def alternating(
    pairs: Sequence[tuple[Run, Run]], rounds: int, on_round: Callable[[int], None] | None = None
) -> list[tuple[list[Usage], list[Usage]]]:
    """Each pair (off, on) measured ``rounds`` times, the order swapped every round.

    Off, on, then on, off: a drift in the machine's load over the run (other
    sessions starting) weighs on both sides alike.
    """
    results: list[tuple[list[Usage], list[Usage]]] = [([], []) for _ in pairs]
    for round_ in range(rounds):
        for (off, on), (offs, ons) in zip(pairs, results, strict=True):
            if round_ % 2:
                ons.append(measure(on))
                offs.append(measure(off))
            else:
                offs.append(measure(off))
                ons.append(measure(on))
        if on_round is not None:
            on_round(round_ + 1)
    return results


def median_cpu(usages: Sequence[Usage]) -> float:
    return statistics.median(u.cpu for u in usages)


@dataclass(frozen=True)
class RatioInterval:
    """The median of per-round ratios, and a distribution-free interval around it."""

    median: float
    low: float
    high: float
    confidence: float  # of the interval actually used (order statistics give steps)
    wanted: float  # what was asked for: fewer than 6 values cannot give 0.95

    def verdict(self, goal: float) -> str:
        """``met`` when the whole interval is at or under ``goal``, ``missed`` when all of
        it is over, else ``unresolved``: the rounds cannot tell which side it is on (nor
        can too few rounds for the confidence wanted)."""
        if self.confidence < self.wanted:
            return "unresolved (too few rounds)"
        if self.high <= goal:
            return "met"
        if self.low > goal:
            return "missed"
        return "unresolved"


def median_interval(values: Sequence[float], confidence: float = 0.95) -> RatioInterval:
    """The median of ``values`` with the order-statistic interval of the sign test.

    Each value is one round's ratio (on over off, measured side by side), so a
    drift of the machine's load between rounds cancels within each. The interval
    [x(k), x(n+1-k)] holds the true median with probability 1 - 2 P(B <= k-1),
    B ~ Binomial(n, 1/2), whatever the values' distribution; k is the largest
    that keeps that at or over ``confidence``. Fewer than 6 rounds give no 95 %
    interval: it is then the whole range, with the confidence it has (and no verdict).
    """
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        raise ValueError("median_interval: no values")
    k, held = 1, 1 - 2 * 0.5**n
    while k + 1 <= n // 2:
        tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
        if 1 - 2 * tail < confidence:
            break
        k, held = k + 1, 1 - 2 * tail
    low, high = ordered[k - 1], ordered[n - k]
    return RatioInterval(statistics.median(ordered), low, high, held, confidence)


def round_ratios(offs: Sequence[Usage], ons: Sequence[Usage]) -> list[float]:
    """Each round's CPU time on over off (the two ran next to each other)."""
    return [on.cpu / off.cpu for off, on in zip(offs, ons, strict=True)]


def median_rss_kb(usages: Sequence[Usage]) -> float:
    return statistics.median(u.max_rss_kb for u in usages)


def write_suite(
    root: Path, tests: int, body: str, files: int = 20, header: str = "", conftest: str = ""
) -> Path:
    """``tests`` functions with ``body`` spread over ``files`` modules (as in a real suite).

    Modules are named after ``root``: one process may import two suites.
    """
    root.mkdir(parents=True, exist_ok=True)
    if tests % files:
        raise SystemExit(f"{tests} tests do not spread evenly over {files} files")
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    for f in range(files):
        parts = [header]
        parts += [f"\ndef test_{t}():\n{indented}" for t in range(tests // files)]
        (root / f"test_{root.name}_{f}.py").write_text("".join(parts))
    (root / "pytest.ini").write_text("[pytest]\n")
    if conftest:
        (root / "conftest.py").write_text(conftest)
    return root


def ratio(on: float, off: float) -> str:
    return f"{on / off:.3f}x" if off else "-"


def mega(count: float) -> str:
    return f"{count / 1e6:,.1f} M"
