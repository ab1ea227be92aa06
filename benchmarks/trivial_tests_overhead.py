"""What the plugin costs a suite that uses none of it: trivial tests, on vs ``-p no:gevent_lab``.

Every test runs under the hub-error capture and the leak checks (they need no
fixture), so each side is a fresh ``python -m pytest`` process over the same
files (20 modules), with and without the plugin. Cases (``--case``, default all):

- ``empty``: a directory with no tests, the start-up alone.
- ``pass``: 200 and 2,000 tests with ``pass`` bodies (no hub is ever made).
- ``sleep``: the same with ``gevent.sleep(0)`` bodies (each switches to the hub
  once, so the plain-greenlet leak scan has something to look at).
- ``patch``: the ``sleep`` suites under ``--gevent-patch``, against gevent's own
  ``python -m gevent.monkey --module pytest -p no:gevent_lab`` (the baseline a
  patched user would pick instead).

Each size gives a whole-run row; "per test" is the slope between the two sizes
(2,000 vs 200 tests), which leaves the start-up out. Two measures per row:

- instructions (valgrind callgrind of the pytest process itself, exact to a few
  instructions from run to run whatever the machine's load; ``--jobs`` run in
  parallel);
- CPU time (user + system of the child) of ``--rounds`` native rounds, each
  round running off then on, the next on then off (ABBA). The ratio is the
  median of the rounds' own ratios (a slope's: of each round's four runs), with
  its distribution-free 95 % interval (pytest_runs.median_interval); a goal row
  says ``CPU met`` only when the whole interval is under the goal, ``missed``
  when all of it is over, else ``unresolved``. 15 rounds give [4th, 12th] of
  the 15 ratios.

``PYTHONDONTWRITEBYTECODE`` is not inherited (it triples the start-up), and each
command runs once untimed first so that bytecode caches are warm.

Goal (issue 15): at or under 1.05x for the empty run, the 2,000-test runs, the
per-test slope, and ``--gevent-patch`` vs gevent's launcher.

Default: about 4-5 minutes on an idle 2-core machine (callgrind is ~50x
slower than native: 14 runs of 1-6.5 G instructions, 2 at a time; 15 minutes
when other work kept the load average at 10). ``--quick``: 20 and 200 tests,
one round (its CPU slope is noise; its instructions are not), about 1.5
minutes idle, 3 at load 7. ``--profile``: where the per-test instructions
go, each of the plugin's per-test hooks taken out in turn (``hook_ablation.py``)
at 2,000 ``gevent.sleep(0)`` tests, plus the plugin's functions called per test
(cProfile call counts); 17 callgrind runs of ~6 G, about 8 minutes idle, 28
at load 13.
``--in-process``: CPU time of both sides through ``pytest.main`` in this one
process (imports paid once).

    python benchmarks/trivial_tests_overhead.py [--case empty|pass|sleep|patch ...] [--quick]
        [--tests 2000] [--small 200] [--rounds 5] [--jobs 2] [--skip-instructions]
        [--skip-cpu] [--json PATH] [--profile | --in-process]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pytest_runs import (
    NO_TESTS,
    PLUGIN_OFF,
    RatioInterval,
    Run,
    Usage,
    alternating,
    gevent_monkey_command,
    instructions_of_all,
    measure,
    median_cpu,
    median_interval,
    pytest_command,
    ratio,
    round_ratios,
    warm_up,
    write_suite,
)

CASES = ("empty", "pass", "sleep", "patch")
BODIES = {"pass": "pass", "sleep": "gevent.sleep(0)"}
GOAL = 1.05
FILES = 20


@dataclass
class Pair:
    """One measured row: the same suite plugin off and on."""

    label: str
    off: Run
    on: Run
    tests: int
    instructions: tuple[int, int] | None = None
    rounds: tuple[list[Usage], list[Usage]] | None = None  # CPU time, round by round
    goal: bool = False

    @property
    def cpu(self) -> tuple[float, float] | None:
        """The median CPU time off and on."""
        return (median_cpu(self.rounds[0]), median_cpu(self.rounds[1])) if self.rounds else None

    def cpu_interval(self) -> RatioInterval | None:
        """The median of the rounds' on/off ratios, with its 95 % interval."""
        return median_interval(round_ratios(*self.rounds)) if self.rounds else None


@dataclass
class Slope:
    """Per-test cost: the difference between two pairs of the same case."""

    label: str
    small: Pair
    large: Pair
    goal: bool = True

    def per_test(self, index: int, kind: str) -> float | None:
        small = getattr(self.small, kind)
        large = getattr(self.large, kind)
        if small is None or large is None:
            return None
        return float(large[index] - small[index]) / (self.large.tests - self.small.tests)

    def cpu_interval(self) -> RatioInterval | None:
        """Each round's per-test slope on over off (all four runs of a round side by side)."""
        small, large = self.small.rounds, self.large.rounds
        if not small or not large:
            return None
        ratios = [
            (on_l.cpu - on_s.cpu) / (off_l.cpu - off_s.cpu)
            for off_s, on_s, off_l, on_l in zip(*small, *large, strict=True)
            if off_l.cpu > off_s.cpu
        ]
        return median_interval(ratios) if ratios else None


@dataclass
class Plan:
    rows: list[Pair | Slope] = field(default_factory=list)

    def pairs(self) -> list[Pair]:
        return [row for row in self.rows if isinstance(row, Pair)]


def suite(root: Path, case: str, tests: int) -> Path:
    body = BODIES["sleep" if case == "patch" else case]
    where = root / f"{'sleep' if case == 'patch' else case}{tests}"
    if not where.exists():
        header = "import gevent\n" if body != "pass" else ""
        write_suite(where, tests, body, files=FILES, header=header)
    return where


def plan(root: Path, cases: list[str], small: int, large: int) -> Plan:
    result = Plan()
    for case in cases:
        if case == "empty":
            where = root / "empty"
            where.mkdir()
            (where / "pytest.ini").write_text("[pytest]\n")
            off = Run(pytest_command(*PLUGIN_OFF), where, ok=(NO_TESTS,))
            on = Run(pytest_command(), where, ok=(NO_TESTS,))
            result.rows.append(Pair("empty run (start-up)", off, on, 0, goal=True))
            continue
        sizes = []
        for tests in (small, large):
            where = suite(root, case, tests)
            if case == "patch":
                off = Run(gevent_monkey_command(*PLUGIN_OFF), where)
                on = Run(pytest_command("--gevent-patch"), where)
                label = f"{tests:,} sleep(0), --gevent-patch vs gevent.monkey"
            else:
                off, on = Run(pytest_command(*PLUGIN_OFF), where), Run(pytest_command(), where)
                label = f"{tests:,} tests, {BODIES[case]}"
            sizes.append(Pair(label, off, on, tests, goal=tests == large))
        result.rows += sizes
        name = "patched" if case == "patch" else BODIES[case]
        result.rows.append(
            Slope(f"  per test, {name} ({small:,} -> {large:,})", sizes[0], sizes[1])
        )
    return result


def measure_plan(the_plan: Plan, rounds: int, jobs: int, count: bool) -> None:
    pairs = the_plan.pairs()
    print(f"warming up ({2 * len(pairs)} untimed runs) ...", file=sys.stderr, flush=True)
    warm_up([run for pair in pairs for run in (pair.off, pair.on)])
    if rounds:
        results = alternating(
            [(pair.off, pair.on) for pair in pairs],
            rounds,
            lambda n: print(f"  CPU round {n}/{rounds} done", file=sys.stderr, flush=True),
        )
        for pair, (offs, ons) in zip(pairs, results, strict=True):
            pair.rounds = (offs, ons)
    if count:
        counts = instructions_of_all([run for pair in pairs for run in (pair.off, pair.on)], jobs)
        for index, pair in enumerate(pairs):
            pair.instructions = (counts[2 * index], counts[2 * index + 1])


def print_table(the_plan: Plan, rounds: int) -> None:
    how = f"CPU time: medians of {rounds} rounds" if rounds else "CPU time: not measured"
    print(f"instructions: valgrind callgrind; {how} (s; per-test rows in us)")
    if rounds:
        print(
            "CPU ratio: the median of the rounds' own on/off ratios (each round runs both\n"
            "sides next to each other), [its 95 % interval] and whether the interval is under\n"
            "the goal (met), over it (missed), or both (unresolved: more rounds, a quieter machine)"
        )
    print(
        f"{'case':45} {'instr. off':>12} {'instr. on':>12} {'ratio':>7}   "
        f"{'CPU off':>8} {'CPU on':>8} {'ratio':>7}  goal"
    )
    for row in the_plan.rows:
        interval = row.cpu_interval()
        if isinstance(row, Pair):
            counts = row.instructions
            cpu = row.cpu
            inst = (
                f"{counts[0] / 1e6:10,.1f} M {counts[1] / 1e6:10,.1f} M "
                f"{ratio(counts[1], counts[0]):>7}"
                if counts
                else f"{'-':>12} {'-':>12} {'-':>7}"
            )
            times = (
                f"{cpu[0]:8.3f} {cpu[1]:8.3f} {_cpu_ratio(interval)}"
                if cpu
                else f"{'-':>8} {'-':>8} {'-':>7}"
            )
        else:
            i_off, i_on = row.per_test(0, "instructions"), row.per_test(1, "instructions")
            c_off, c_on = row.per_test(0, "cpu"), row.per_test(1, "cpu")
            inst = (
                f"{i_off / 1e6:10,.3f} M {i_on / 1e6:10,.3f} M {ratio(i_on, i_off):>7}"
                if i_off is not None and i_on is not None
                else f"{'-':>12} {'-':>12} {'-':>7}"
            )
            times = (
                f"{c_off * 1e6:6.0f}us {c_on * 1e6:6.0f}us {_cpu_ratio(interval)}"
                if c_off is not None and c_on is not None
                else f"{'-':>8} {'-':>8} {'-':>7}"
            )
        goal = f"<= {GOAL}x" if row.goal else ""
        verdict = f" CPU {interval.verdict(GOAL)}" if row.goal and interval is not None else ""
        print(f"{row.label:45} {inst}   {times}  {goal}{verdict}".rstrip())


def _cpu_ratio(interval: RatioInterval | None) -> str:
    if interval is None:
        return f"{'-':>7}"
    return f"{interval.median:.3f}x [{interval.low:.3f}-{interval.high:.3f}]"


def as_json(the_plan: Plan) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for row in the_plan.rows:
        if isinstance(row, Pair):
            out.append(
                {
                    "case": row.label.strip(),
                    "tests": row.tests,
                    "instructions": row.instructions,
                    "cpu_s_median": row.cpu,
                    "cpu_ratio": _as_json(row.cpu_interval()),
                    "off": list(row.off.command),
                    "on": list(row.on.command),
                }
            )
        else:
            out.append(
                {
                    "case": row.label.strip(),
                    "instructions_per_test": [row.per_test(i, "instructions") for i in (0, 1)],
                    "cpu_s_per_test": [row.per_test(i, "cpu") for i in (0, 1)],
                    "cpu_ratio": _as_json(row.cpu_interval()),
                }
            )
    return out


def _as_json(interval: RatioInterval | None) -> dict[str, float] | None:
    return dataclasses.asdict(interval) if interval is not None else None


# --- --profile: where the per-test instructions go ---

# Hooks called once per session: taking them out changes nothing per test (and
# some the run needs: options, stash keys, patching).
SESSION_HOOKS = {
    "pytest_addoption",
    "pytest_load_initial_conftests",
    "pytest_configure",
    "pytest_unconfigure",
    "pytest_sessionstart",
    "pytest_sessionfinish",
    "pytest_report_header",
    "pytest_terminal_summary",
    "pytest_testnodedown",
    "pytest_collection_finish",
}
ABLATION_PLUGIN = ["-p", "hook_ablation"]
# A hook never called under -q: what taking it out "saves" is the method's noise.
CONTROL = "gevent_lab:pytest_report_header"


def _ablation_env(ablate: str = "", width: int = 0, **values: str) -> tuple[tuple[str, str], ...]:
    """The environment of a profile run; ``ablate`` padded to ``width`` with empty targets.

    Every run gets the same variables with values of the same length: pytest
    sets and unsets ``PYTEST_CURRENT_TEST`` in each test phase, and the size of
    the environment moves the cost of that by ~10 k instructions per test.
    """
    here = str(Path(__file__).resolve().parent)
    padded = ablate.ljust(width, ",")
    return (
        ("PYTHONPATH", here),
        ("GEVENT_LAB_NO_GC", "1"),
        ("GEVENT_LAB_ABLATE", padded),
        *values.items(),
    )


def profile(root: Path, tests: int, jobs: int) -> None:
    """Instructions per test of each per-test hook of the plugin, taken out one at a time.

    Taking a hook out leaves the start-up as it was, so what a run saves,
    divided by its tests, is that hook's per-test cost (collection included).
    The garbage collector is off in these runs (see ``hook_ablation.py``): the
    collections a hook's allocations move would drown the smaller hooks. A
    hook that is never called (``CONTROL``) shows what is left of the noise.
    The whole plugin's per-test cost is the slope against one test per file:
    an empty run would not do, as the tests' own ``import gevent`` is then
    paid by the plugin's side alone.
    """
    large, small = suite(root, "sleep", tests), suite(root, "sleep", FILES)
    empty = root / "empty"
    empty.mkdir()
    (empty / "pytest.ini").write_text("[pytest]\n")
    listing = root / "hooks.json"
    env = _ablation_env(GEVENT_LAB_HOOKS=str(listing))
    warm_up([Run(pytest_command(*ABLATION_PLUGIN), empty, (NO_TESTS,), env)])
    found = [f"{p}:{h}" for p, h in json.loads(listing.read_text())]
    names = [name for name in found if name.split(":")[1] not in SESSION_HOOKS]
    controls = [CONTROL] if CONTROL in found else []
    on = pytest_command(*ABLATION_PLUGIN)
    off = pytest_command(*ABLATION_PLUGIN, *PLUGIN_OFF)
    width = len(",".join(names))
    env = _ablation_env(width=width)
    runs = [Run(side, where, env=env) for where in (large, small) for side in (on, off)]
    print(
        f"warming up ({len(runs) + len(names) + 1} untimed runs) ...", file=sys.stderr, flush=True
    )
    warm_up(runs)
    measured, broken = [], []
    for name in [*names, ",".join(names), *controls]:
        # Without some hooks the others fail the tests: then the count is not comparable.
        ablated = Run(on, large, (0, 1), _ablation_env(name, width))
        if measure(ablated).exit_code == 0:
            runs.append(Run(on, large, env=ablated.env))
            measured.append(name)
        else:
            broken.append(name)
    counts = dict(
        zip(
            ["on", "off", "on_small", "off_small", *measured],
            instructions_of_all(runs, jobs),
            strict=True,
        )
    )
    span = tests - FILES
    plugin = ((counts["on"] - counts["off"]) - (counts["on_small"] - counts["off_small"])) / span
    print(f"{tests:,} gevent.sleep(0) tests, instructions per test (callgrind):")
    print(f"  without the plugin: {(counts['off'] - counts['off_small']) / span / 1e3:8.1f} k")
    print(f"  the plugin adds ({FILES} -> {tests:,} tests slope): {plugin / 1e3:8.1f} k")
    print("  saved per test when one hook implementation is taken out:")
    singles = sorted((n for n in measured if n in names), key=lambda n: counts[n])
    for name in singles:
        print(f"    {name:52} {(counts['on'] - counts[name]) / tests / 1e3:8.1f} k")
    total = sum(counts["on"] - counts[name] for name in singles) / tests
    print(f"    {'sum of the above':52} {total / 1e3:8.1f} k")
    together = ",".join(names)
    if together in counts:
        print(
            f"    {'all of them out at once':52} "
            f"{(counts['on'] - counts[together]) / tests / 1e3:8.1f} k"
        )
    for name in controls:
        saved = (counts["on"] - counts[name]) / tests
        print(f"    {'control (never called) ' + name:52} {saved / 1e3:8.1f} k")
    for name in broken:
        shown = "all of them at once" if name == together else name
        print(f"    not measured, the tests fail without it: {shown}")
    call_counts(large, tests)


def call_counts(where: Path, tests: int) -> None:
    """The package's functions called per test (cProfile's call counts, which do not vary)."""
    out = where.parent / "profile.out"
    command = pytest_command()
    command[1:3] = ["-m", "cProfile", "-o", str(out), "-m", "pytest"]
    measure(Run(command, where))
    stats = pstats.Stats(str(out))
    rows = []
    for (file, line, name), (_, calls, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "/pytest_gevent_lab/" in file and calls >= tests // 2:
            rows.append((cumulative, calls, f"{Path(file).name}:{line} {name}"))
    print(f"functions of pytest_gevent_lab called per test ({tests:,} tests, under cProfile):")
    print(f"  {'calls/test':>10} {'cumulative us/test':>18}  function")
    for cumulative, calls, where_ in sorted(rows, reverse=True):
        print(f"  {calls / tests:10.2f} {cumulative / tests * 1e6:18.1f}  {where_}")
    print("  (cumulative times are inflated by the profiler; they rank, the counts are exact;")
    print("  the leak check's greenlet trace function runs inside greenlet's C switch, unseen)")


# --- --in-process: the hooks alone, imports paid once ---


def run_in_process(root: Path, extra: list[str]) -> float:
    """CPU seconds of one ``pytest.main`` run in this process."""
    import pytest

    args = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist"]
    args += ["-p", "no:timeout", "--rootdir", str(root), str(root), *extra]
    cpu = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(args)
    if code != 0:
        raise SystemExit(f"pytest failed ({' '.join(extra)}): exit code {code}")
    return time.process_time() - cpu


def in_process(root: Path, cases: list[str], small: int, large: int, rounds: int) -> None:
    print(f"in this process (pytest.main), CPU s, median of {rounds} rounds (ABBA):")
    for case in cases:
        if case not in BODIES:
            print(f"  {case}: needs a fresh process per run, skipped")
            continue
        roots = {tests: suite(root, case, tests) for tests in (small, large)}
        run_in_process(roots[large], [])  # warm-up: the imports, the file cache
        cpu: dict[tuple[str, int], list[float]] = {}
        sides = [("off", PLUGIN_OFF), ("on", [])]
        for round_ in range(rounds):
            for name, extra in sides if round_ % 2 else reversed(sides):
                for tests, where in roots.items():
                    cpu.setdefault((name, tests), []).append(run_in_process(where, extra))
        med = {key: statistics.median(values) for key, values in cpu.items()}
        slope = {s: (med[s, large] - med[s, small]) / (large - small) for s in ("off", "on")}
        print(
            f"  {large:,} tests, {BODIES[case]}: off {med['off', large]:.3f} s, "
            f"on {med['on', large]:.3f} s, {ratio(med['on', large], med['off', large])}; "
            f"per test {slope['off'] * 1e6:.0f} vs {slope['on'] * 1e6:.0f} us, "
            f"{ratio(slope['on'], slope['off'])}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=CASES, help="repeatable; default all")
    parser.add_argument("--tests", type=int, default=2000, help="the large suite")
    parser.add_argument("--small", type=int, default=200, help="the small suite (the slope)")
    parser.add_argument("--rounds", type=int, default=5, help="CPU-time rounds (0: none)")
    parser.add_argument("--jobs", type=int, default=2, help="callgrind processes at once")
    parser.add_argument("--quick", action="store_true", help="20 and 200 tests, one round")
    parser.add_argument("--skip-instructions", action="store_true", help="no callgrind")
    parser.add_argument("--skip-cpu", action="store_true", help="same as --rounds 0")
    parser.add_argument("--json", type=Path, help="also write the results here")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--profile", action="store_true", help="instructions per test by hook")
    mode.add_argument("--in-process", action="store_true", help="pytest.main in this process")
    args = parser.parse_args()
    if args.quick:
        args.tests, args.small, args.rounds = 200, 20, 1
    if args.skip_cpu:
        args.rounds = 0
    for name in ("tests", "small"):
        if getattr(args, name) <= 0 or getattr(args, name) % FILES:
            parser.error(f"--{name} must be a positive multiple of {FILES} (the files)")
    if args.small >= args.tests and not args.profile:
        parser.error(f"--small ({args.small}) must be under --tests ({args.tests})")
    cases = list(dict.fromkeys(args.case or CASES))
    with tempfile.TemporaryDirectory(prefix="trivial-tests-") as tmp:
        root = Path(tmp)
        if args.profile:
            profile(root, args.tests, args.jobs)
            return
        if args.in_process:
            in_process(root, cases, args.small, args.tests, max(1, args.rounds))
            return
        the_plan = plan(root, cases, args.small, args.tests)
        start = time.perf_counter()
        measure_plan(the_plan, args.rounds, args.jobs, not args.skip_instructions)
        print(f"measured in {time.perf_counter() - start:.0f} s; {sys.version.split()[0]}")
        print_table(the_plan, args.rounds)
        if args.json:
            args.json.write_text(json.dumps(as_json(the_plan), indent=2))


if __name__ == "__main__":
    main()
