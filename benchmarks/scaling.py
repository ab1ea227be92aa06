"""Whether the plugin's cost stays linear: many tests, many greenlets, many switches, big heaps.

Plugin on vs ``-p no:gevent_lab``, each side a fresh ``python -m pytest``
(``pytest_runs.py``: no ``PYTHONDONTWRITEBYTECODE``, caches warmed first).
Cases (``--case``, default all):

- ``tests``: 2,000 and 20,000 trivial ``gevent.sleep(0)`` tests: CPU-time
  medians of ``--rounds`` ABBA rounds (20,000 tests under callgrind are ~50 G
  instructions a side, 7 minutes more; ``--callgrind-tests`` adds them), the
  per-test slope between the two sizes, and peak RSS of the 20,000-test run
  (the child's own ``ru_maxrss``).
- ``greenlets``: one test spawning 100,000 plain greenlets (``gevent.spawn``)
  and joining them; instructions (callgrind), the whole run and per greenlet
  (the slope against the same test spawning none).
- ``switches``: one test doing 1,000,000 greenlet switches (500,000
  ``gevent.sleep(0)``, each to the hub and back); instructions, whole run and
  per switch.
- ``heap-walk``: a test that leaves a loop watcher active (a started timer kept
  in a module list) makes today's leak check walk ``gc.get_objects()`` at its
  teardown, a walk that grows with the session's heap. 20 such tests among 200
  and among 20,000 trivial ones; their per-test cost is the CPU time of each
  one's ``pytest_runtest_protocol`` (timed by a conftest wrapper around every
  other wrapper) less that of the trivial tests of the same run.

Goal (issue 15): on vs off at or under 1.1x for 20,000 tests, 100,000
greenlets and 1 M switches; peak memory of the 20,000-test run at or under
1.05x; a heap-walk test costing about what it costs without the plugin, at
any session size.

Default: about 4-5 minutes on an idle 2-core machine (callgrind is ~50x slower
than native; 6 runs of 1-11 G instructions, 2 at a time; 15 minutes when other
work kept the load average at 11). ``--quick``: a tenth of each count, one
round, about a minute.

    python benchmarks/scaling.py [--case tests|greenlets|switches|heap-walk ...] [--quick]
        [--rounds 3] [--jobs 2] [--callgrind-tests]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pytest_runs import (
    PLUGIN_OFF,
    Run,
    alternating,
    instructions_of_all,
    measure,
    median_cpu,
    median_rss_kb,
    pytest_command,
    ratio,
    warm_up,
    write_suite,
)

CASES = ("tests", "greenlets", "switches", "heap-walk")
OFF, ON = pytest_command(*PLUGIN_OFF), pytest_command()
LINEAR_GOAL, MEMORY_GOAL = 1.1, 1.05
IMPORT = "import gevent\n"


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def tests_case(root: Path, small: int, large: int, rounds: int, callgrind: bool, jobs: int) -> None:
    roots = {
        n: write_suite(root / f"t{n}", n, "gevent.sleep(0)", header=IMPORT) for n in (small, large)
    }
    pairs = [(Run(OFF, roots[n]), Run(ON, roots[n])) for n in (small, large)]
    progress(f"tests: warming up, then {rounds} rounds ...")
    warm_up([run for pair in pairs for run in pair])
    (small_off, small_on), (large_off, large_on) = alternating(
        pairs, rounds, lambda n: progress(f"  round {n}/{rounds} done")
    )
    print(f"trivial gevent.sleep(0) tests, CPU s, median of {rounds} rounds (ABBA):")
    for n, offs, ons in ((small, small_off, small_on), (large, large_off, large_on)):
        off, on = median_cpu(offs), median_cpu(ons)
        goal = f"  (goal <= {LINEAR_GOAL}x)" if n == large else ""
        print(f"  {n:>7,} tests: off {off:8.3f}  on {on:8.3f}  {ratio(on, off)}{goal}")
    slope_off = (median_cpu(large_off) - median_cpu(small_off)) / (large - small)
    slope_on = (median_cpu(large_on) - median_cpu(small_on)) / (large - small)
    print(
        f"  per test ({small:,} -> {large:,}): off {slope_off * 1e6:6.1f} us  "
        f"on {slope_on * 1e6:6.1f} us  {ratio(slope_on, slope_off)}"
    )
    rss_off, rss_on = median_rss_kb(large_off), median_rss_kb(large_on)
    print(
        f"  peak RSS, {large:,} tests: off {rss_off / 1024:7.1f} MB  on {rss_on / 1024:7.1f} MB  "
        f"{ratio(rss_on, rss_off)}  (goal <= {MEMORY_GOAL}x)"
    )
    if callgrind:
        progress(f"tests: callgrind of {large:,} tests, plugin off and on ...")
        off_count, on_count = instructions_of_all(pairs[1], jobs)
        print(
            f"  instructions, {large:,} tests: off {off_count / 1e9:.2f} G  "
            f"on {on_count / 1e9:.2f} G  {ratio(on_count, off_count)}"
        )


GREENLETS = """\
import gevent


def work():
    pass


def test_spawn():
    gevent.joinall([gevent.spawn(work) for _ in range({count})])
"""

SWITCHES = """\
import gevent


def test_switch():
    for _ in range({count} // 2):  # each sleep(0): to the hub and back
        gevent.sleep(0)
"""


def one_test(root: Path, source: str, count: int) -> Path:
    root.mkdir()
    (root / f"test_{root.name}.py").write_text(source.format(count=count))
    (root / "pytest.ini").write_text("[pytest]\n")
    return root


def workload_cases(root: Path, cases: list[str], greenlets: int, switches: int, jobs: int) -> None:
    """Instructions of one-test runs: the workload, and the same test doing none of it."""
    runs: list[tuple[str, str, int, Path, Path]] = []
    if "greenlets" in cases:
        base = one_test(root / "greenlets0", GREENLETS, 0)
        runs.append(
            (
                "greenlets",
                "plain greenlets spawned and joined",
                greenlets,
                base,
                one_test(root / "greenlets", GREENLETS, greenlets),
            )
        )
    if "switches" in cases:
        base = one_test(root / "switches0", SWITCHES, 0)
        runs.append(
            (
                "switches",
                "switches",
                switches,
                base,
                one_test(root / "switches", SWITCHES, switches),
            )
        )
    flat = [
        Run(side, where) for *_, base, work in runs for where in (base, work) for side in (OFF, ON)
    ]
    progress(f"workloads: warming up, then {len(flat)} callgrind runs ...")
    warm_up(flat)
    counts = iter(instructions_of_all(flat, jobs))
    for _, what, count, _, _ in runs:
        base_off, base_on, work_off, work_on = (next(counts) for _ in range(4))
        per_off = (work_off - base_off) / count
        per_on = (work_on - base_on) / count
        print(f"one test, {count:,} {what} (instructions, callgrind):")
        print(
            f"  whole run: off {work_off / 1e6:,.0f} M  on {work_on / 1e6:,.0f} M  "
            f"{ratio(work_on, work_off)}  (goal <= {LINEAR_GOAL}x)"
        )
        print(
            f"  per unit (less the same test doing none): off {per_off:,.0f}  on {per_on:,.0f}  "
            f"{ratio(per_on, per_off)}"
        )


TIMING_CONFTEST = """\
import json
import os
import time

import pytest

_cpu = {"watcher": [], "trivial": []}


# tryfirst: around every other wrapper of the protocol, the plugin's included
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.process_time()
    try:
        return (yield)
    finally:
        kind = "watcher" if item.name.startswith("test_watcher") else "trivial"
        _cpu[kind].append(time.process_time() - start)


def pytest_sessionfinish(session):
    with open(os.environ["SCALING_PROTOCOL_CPU"], "w") as out:
        json.dump(_cpu, out)
"""

WATCHER_TEST = """

_kept = []


def test_watcher():
    timer = gevent.get_hub().loop.timer(3600)
    timer.start(lambda: None)  # active and referenced: the loop's count goes up
    _kept.append(timer)
"""


def heap_walk_case(root: Path, sizes: tuple[int, ...]) -> None:
    print("a test leaving a loop watcher active (20 per run), CPU ms of its protocol,")
    print("less the median trivial test of the same run:")
    for n in sizes:
        where = write_suite(
            root / f"walk{n}", n, "gevent.sleep(0)", header=IMPORT, conftest=TIMING_CONFTEST
        )
        for module in sorted(where.glob("test_*.py")):  # one watcher test per file
            module.write_text(module.read_text() + WATCHER_TEST)
        extra: dict[str, float] = {}
        for side, command in (("off", OFF), ("on", ON)):
            out = where / f"cpu-{side}.json"
            progress(f"heap-walk: {n:,} + 20 tests, plugin {side} ...")
            measure(Run(command, where, env=(("SCALING_PROTOCOL_CPU", str(out)),)))
            cpu = json.loads(out.read_text())
            extra[side] = statistics.median(cpu["watcher"]) - statistics.median(cpu["trivial"])
        print(
            f"  {n + 20:>7,} tests: off {extra['off'] * 1e3:8.3f} ms  "
            f"on {extra['on'] * 1e3:8.3f} ms  "
            f"(+{(extra['on'] - extra['off']) * 1e3:.3f} ms per such test with the plugin)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=CASES, help="repeatable; default all")
    parser.add_argument("--rounds", type=int, default=3, help="CPU-time rounds of the tests case")
    parser.add_argument("--jobs", type=int, default=2, help="callgrind processes at once")
    parser.add_argument("--quick", action="store_true", help="a tenth of each count, one round")
    parser.add_argument(
        "--callgrind-tests",
        action="store_true",
        help="also count the 20,000-test runs' instructions",
    )
    args = parser.parse_args()
    cases = list(dict.fromkeys(args.case or CASES))
    scale = 10 if args.quick else 1
    rounds = 1 if args.quick else max(1, args.rounds)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scaling-") as tmp:
        root = Path(tmp)
        if "tests" in cases:
            tests_case(
                root, 2000 // scale, 20_000 // scale, rounds, args.callgrind_tests, args.jobs
            )
        if "greenlets" in cases or "switches" in cases:
            workload_cases(root, cases, 100_000 // scale, 1_000_000 // scale, args.jobs)
        if "heap-walk" in cases:
            heap_walk_case(root, (200, 20_000 // scale))
    print(f"measured in {time.perf_counter() - start:.0f} s; {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
