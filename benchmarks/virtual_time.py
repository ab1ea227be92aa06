"""What virtual time costs: per virtual hour, per test, per switch.

1. Real time per virtual hour of sleeps, in this process on a test's clock
   (``VirtualTest``, what the plugin starts for a marked test): an hour as
   3,600 sleeps of 1 s (3,600 jumps: the worst case) and as 60 sleeps of 60 s
   (target: at most 50 ms per virtual hour). Beside it, as a yardstick for how
   loaded the machine is, as many round trips through the real loop
   (``gevent.sleep(0)``): a jump costs a few of them.
2. 1,000 tests that each sleep a virtual hour (``@pytest.mark.gevent_virtual_time``,
   ``gevent.sleep(3600)``) vs 1,000 trivial tests (``pass``), each side a fresh
   ``python -m pytest``, alternated; the ratio of median CPU times (user + system
   of the child: less disturbed by other load than wall time, printed beside it)
   and of the per-test slopes (the same files with one test each left out
   start-up) (target: at most 1.3x). A third side does one real
   ``gevent.sleep(0)`` per test: what using the hub at all costs a test.
3. A switch-heavy body, 100,000 ``gevent.sleep(0)``, on a virtual clock vs on
   the real loop, alternated in this process (target: at most 1.2x); also with
   a ``Timeout`` pending around it, so that the quiet-period watcher is active.

Every ratio compares runs made side by side in this one invocation.

    python benchmarks/virtual_time.py [--rounds 7] [--tests 1000] [--loop libev|libuv]
                                      [--parts 1,2,3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter  # bound here: time.perf_counter follows a running virtual clock

FILES = 10


def on_a_virtual_clock(body: Callable[[], None]) -> float:
    """Real seconds ``body`` takes on a fresh test clock."""
    from pytest_gevent_lab.scheduling.activation import VirtualTest

    test = VirtualTest("benchmark", autojump_threshold=0.0, gevent_timeout=0.0)
    test.start()
    try:
        start = perf_counter()
        body()
        return perf_counter() - start
    finally:
        test.end()


def on_the_real_loop(body: Callable[[], None]) -> float:
    start = perf_counter()
    body()
    return perf_counter() - start


def per_virtual_hour(rounds: int) -> None:
    import gevent

    def seconds() -> None:
        for _ in range(3600):
            gevent.sleep(1)

    def minutes() -> None:
        for _ in range(60):
            gevent.sleep(60)

    def switches() -> None:
        for _ in range(3600):
            gevent.sleep(0)

    on_a_virtual_clock(seconds)  # warm-up: imports, the hub
    print("1. real time per virtual hour of sleeps (target <= 50 ms), median of", rounds)
    for name, body in (("3,600 x sleep(1)", seconds), ("60 x sleep(60)", minutes)):
        took = statistics.median(on_a_virtual_clock(body) for _ in range(rounds))
        print(f"   {name:34} {took * 1e3:8.2f} ms")
    took = statistics.median(on_the_real_loop(switches) for _ in range(rounds))
    print(f"   {'(yardstick: 3,600 x sleep(0), real)':34} {took * 1e3:8.2f} ms")


# The tests of each side of measurement 2.
TESTS = {
    "trivial": "\ndef test_{t}():\n    pass\n",
    "sleep(0), real": "\ndef test_{t}():\n    gevent.sleep(0)\n",
    "virtual hour": "\n@pytest.mark.gevent_virtual_time\ndef test_{t}():\n    gevent.sleep(3600)\n",
}


def write_suite(root: Path, tests: int, side: str) -> None:
    per_file = tests // FILES
    for f in range(FILES):
        lines = ["import gevent\nimport pytest\n"]
        lines += [TESTS[side].format(t=t) for t in range(per_file)]
        (root / f"test_{root.name}_{f}.py").write_text("".join(lines))
    (root / "pytest.ini").write_text("[pytest]\n")


def run_pytest(root: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one pytest run."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    cmd += ["-p", "no:xdist", "-p", "no:timeout"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = perf_counter()
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    wall = perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pytest failed in {root}:\n{done.stdout[-3000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def per_test(tests: int, rounds: int) -> None:
    env_free = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    os.environ.clear()
    os.environ.update(env_free)  # bytecode caching on, as a user's run has it
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        roots = {}
        for number, side in enumerate(TESTS):
            for size, count in (("large", tests), ("small", FILES)):
                root = roots[side, size] = Path(tmp, f"side{number}_{size}")
                root.mkdir()
                write_suite(root, count, side)
        for root in roots.values():
            run_pytest(root)  # warm-up: the file cache, the bytecode
        for round_ in range(rounds):
            sides = list(TESTS) if round_ % 2 else list(reversed(TESTS))  # ABBA
            for side in sides:
                for size in ("large", "small"):
                    runs.setdefault((side, size), []).append(run_pytest(roots[side, size]))
    print(f"2. {tests} tests sleeping a virtual hour vs {tests} trivial ones (target <= 1.3x),")
    print(f"   median of {rounds} runs each:   CPU s    wall s   per test (CPU)   ratio (per test)")
    cpu, slope = {}, {}
    for side in TESTS:
        large = [statistics.median(r[i] for r in runs[side, "large"]) for i in (0, 1)]
        small = statistics.median(r[0] for r in runs[side, "small"])
        cpu[side], slope[side] = large[0], (large[0] - small) / (tests - FILES)
        ratio = f"{cpu[side] / cpu['trivial']:6.3f}x ({slope[side] / slope['trivial']:5.3f}x)"
        print(
            f"   {side:28}{large[0]:7.3f}  {large[1]:8.3f}   {slope[side] * 1e6:7.1f} us"
            f"       {ratio}"
        )


def per_switch(rounds: int) -> None:
    import gevent

    def switches() -> None:
        for _ in range(100_000):
            gevent.sleep(0)

    def switches_under_a_timeout() -> None:
        with gevent.Timeout(3600):
            switches()

    print(
        f"3. 100,000 gevent.sleep(0), virtual clock vs real loop (target <= 1.2x), {rounds} pairs"
    )
    for name, body in (("plain", switches), ("inside Timeout(3600)", switches_under_a_timeout)):
        on_a_virtual_clock(body), on_the_real_loop(body)  # warm-up
        virtual, real = [], []
        for round_ in range(rounds):
            pair = [(virtual, on_a_virtual_clock), (real, on_the_real_loop)]
            for times, runner in pair if round_ % 2 else reversed(pair):
                times.append(runner(body))
        v, r = statistics.median(virtual), statistics.median(real)
        print(f"   {name:22} virtual {v * 1e3:7.1f} ms  real {r * 1e3:7.1f} ms  {v / r:6.3f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--loop", choices=["libev", "libuv"], default="libev")
    parser.add_argument("--parts", default="1,2,3", help="which measurements, e.g. 2 or 1,3")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if args.loop == "libuv":
        os.environ["GEVENT_LOOP"] = "libuv"  # before gevent is imported, here and in children
    else:
        os.environ.pop("GEVENT_LOOP", None)
    import gevent

    print(f"loop: {type(gevent.get_hub().loop).__module__}; Python {sys.version.split()[0]}")
    if "1" in parts:
        per_virtual_hour(args.rounds)
    if "2" in parts:
        per_test(args.tests, args.rounds)
    if "3" in parts:
        per_switch(args.rounds)


if __name__ == "__main__":
    main()
