"""What ``--gevent-trace`` costs: a test with 10 greenlets and 100,000 switches, traced vs not.

Run: ``python benchmarks/trace_cost.py [--rounds N]`` (about half a minute).

Each round runs the same test module in a fresh ``pytest`` process in four
ways, alternating, so machine load falls on all of them alike:

- ``plugin off``: ``-p no:gevent_lab``, for reference (the plugin's own leak
  watch is a trace function too);
- ``trace off``: the plugin as installed, no ``--gevent-trace``;
- ``trace on``: ``--gevent-trace=DIR``, the test passes unmarked, so its
  switches are recorded and thrown away (what every passing test pays);
- ``trace on, written``: the same test marked ``gevent_trace``, so the JSON and
  the SVG are built and written too (what a failing test pays).

Two times per run: the test body (``joinall`` of the 10 greenlets, measured
inside it) and the whole test (setup, call, teardown and the writing, from
``pytest_runtest_logstart`` to ``pytest_runtest_logfinish``). It prints the
medians over the rounds, their ratios to ``trace off`` (the goal is at most
2x for the body) and the sizes of the files written.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

GREENLETS = 10
SWITCHES = 100_000  # two per gevent.sleep(0): into the hub and back
TIMEOUT = 300
PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider")

TEST_MODULE = f"""
import os
import time

import gevent
import pytest

SLEEPS = {SWITCHES} // 2 // {GREENLETS}


def worker():
    for _ in range(SLEEPS):
        gevent.sleep(0)


def body():
    start = time.perf_counter()
    gevent.joinall([gevent.spawn(worker) for _ in range({GREENLETS})])
    with open(os.environ["TRACE_COST_RESULTS"], "a") as out:
        out.write(f"body {{time.perf_counter() - start}}\\n")


def test_switches():
    body()


@pytest.mark.gevent_trace
def test_switches_marked():
    body()
"""

CONFTEST = """
import os
import time

_start = {}


def pytest_runtest_logstart(nodeid):
    _start[nodeid] = time.perf_counter()


def pytest_runtest_logfinish(nodeid):
    with open(os.environ["TRACE_COST_RESULTS"], "a") as out:
        out.write(f"test {time.perf_counter() - _start.pop(nodeid)}\\n")
"""

MODES = {
    "plugin off": ("-p", "no:gevent_lab", "-k", "test_switches and not marked"),
    "trace off": ("-k", "test_switches and not marked"),
    "trace on": ("--gevent-trace={traces}", "-k", "test_switches and not marked"),
    "trace on, written": ("--gevent-trace={traces}", "-k", "marked"),
}


def run(folder: Path, mode: str) -> tuple[float, float]:
    results = folder / "results.txt"
    results.unlink(missing_ok=True)
    args = [arg.format(traces=folder / "traces") for arg in MODES[mode]]
    env = {**os.environ, "TRACE_COST_RESULTS": str(results)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a benchmark must not recompile every run
    completed = subprocess.run(
        [*PYTEST, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{mode}: pytest failed:\n{completed.stdout}\n{completed.stderr}")
    times = dict(line.split() for line in results.read_text().splitlines())
    return float(times["body"]), float(times["test"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="trace-cost-") as name:
        folder = Path(name)
        (folder / "test_switches.py").write_text(textwrap.dedent(TEST_MODULE))
        (folder / "conftest.py").write_text(textwrap.dedent(CONFTEST))
        measured: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
        run(folder, "trace off")  # warm-up: bytecode caches, the OS page cache
        for _ in range(rounds):
            for mode in MODES:
                measured[mode].append(run(folder, mode))
        traces = folder / "traces"
        trace = json.loads(next(traces.glob("*.json")).read_text())
        sizes = {path.suffix: path.stat().st_size for path in traces.iterdir()}
        switches = trace["otherData"]["switches"]

    body_base = statistics.median(body for body, _ in measured["trace off"])
    test_base = statistics.median(test for _, test in measured["trace off"])
    print(
        f"{GREENLETS} greenlets, {switches:,} switches recorded; "
        f"medians of {rounds} alternating rounds, each in a fresh pytest process"
    )
    print(f"{'':20} {'body':>10} {'ratio':>7} {'whole test':>11} {'ratio':>7}")
    for mode, times in measured.items():
        body = statistics.median(b for b, _ in times)
        test = statistics.median(t for _, t in times)
        print(
            f"{mode:20} {body * 1e3:8.1f}ms {body / body_base:6.2f}x "
            f"{test * 1e3:9.1f}ms {test / test_base:6.2f}x"
        )
    per_switch = (statistics.median(b for b, _ in measured["trace on"]) - body_base) / switches
    print(f"recording: {per_switch * 1e6:.2f} us per switch on top of the plugin's own trace")
    print(
        f"files: {sizes['.json'] / 1e6:.2f} MB JSON ({sizes['.json'] / switches:.0f} bytes a "
        f"switch), {sizes['.svg'] / 1e3:.0f} kB SVG"
    )


if __name__ == "__main__":
    main()
