"""2,000 trivial tests with the plugin's per-test checks active vs without the plugin.

Every test runs under the hub-error capture and the leak checks (they need no
fixture); the baseline is the same run with ``-p no:gevent_lab``. Each side is
a fresh ``python -m pytest`` subprocess, run alternately ``--rounds`` times; the
ratio of median CPU times (user + system of the child, less disturbed by other
load on a shared machine than wall time) is reported, with wall time beside it,
and the per-test ratio: the slope between the same files holding one test each
and holding all of them, which leaves out the one-off start-up (target: at or
under 1.05x).

``--gevent`` makes every test switch to the hub once (``gevent.sleep(0)``), the
case where the plain-greenlet leak scan runs at each teardown; without it the
tests never touch gevent (no hub is created, as the plugin promises).

``--patch`` runs the plugin's side with ``--gevent-patch`` (the foundation's
figure: the whole run patched vs a run without the plugin).

``--in-process`` runs both sides with ``pytest.main`` in this one process
instead: imports are paid once, so the ratio is the per-test cost of the hooks
alone (the subprocess ratio also carries the one-time import of the plugin,
gevent and the foundation's report header).

    python benchmarks/trivial_tests_overhead.py [--tests 2000] [--rounds 7] [--gevent]
                                                [--patch | --in-process]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = 20  # tests spread over modules, as in a real suite


def write_suite(root: Path, tests: int, use_gevent: bool) -> None:
    body = "    gevent.sleep(0)\n" if use_gevent else "    pass\n"
    per_file = tests // FILES
    for f in range(FILES):
        lines = ["import gevent\n"] if use_gevent else []
        for t in range(per_file):
            lines.append(f"\ndef test_{t}():\n{body}")
        # Named after the suite: one process may import both (--in-process).
        (root / f"test_{root.name}_{f}.py").write_text("".join(lines))
    (root / "pytest.ini").write_text("[pytest]\n")


def run(root: Path, extra: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one pytest run."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    cmd += ["-p", "no:xdist", "-p", "no:timeout", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pytest failed ({' '.join(extra)}):\n{done.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def run_in_process(root: Path, extra: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ``pytest.main`` run in this process."""
    import pytest

    args = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist"]
    args += ["-p", "no:timeout", "--rootdir", str(root), str(root), *extra]
    cpu, start = time.process_time(), time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(args)
    if code != 0:
        raise SystemExit(f"pytest failed ({' '.join(extra)}): exit code {code}")
    return time.process_time() - cpu, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--gevent", action="store_true", help="each test does gevent.sleep(0)")
    parser.add_argument("--in-process", action="store_true", help="pytest.main in this process")
    parser.add_argument("--patch", action="store_true", help="the plugin's side: --gevent-patch")
    args = parser.parse_args()
    if args.patch and args.in_process:
        parser.error("--patch needs a fresh process per run: patching cannot be undone")
    plugin_side = ["--gevent-patch"] if args.patch else []
    # The same files with one test each: the difference is the per-test cost,
    # free of the one-off start-up (imports, patch_all, the report header).
    sizes = {"large": args.tests, "small": FILES}
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        roots = {size: Path(tmp, size) for size in sizes}
        for size, root in roots.items():
            root.mkdir()
            write_suite(root, sizes[size], args.gevent)
        runner = run_in_process if args.in_process else run
        runner(roots["large"], [])  # warm-up: the file cache (and the imports, in process)
        for round_ in range(args.rounds):
            sides = [
                ("-p no:gevent_lab", ["-p", "no:gevent_lab"]),
                ("with the plugin", plugin_side),
            ]
            for name, extra in sides if round_ % 2 else reversed(sides):  # ABBA
                for size, root in roots.items():
                    runs.setdefault((name, size), []).append(runner(root, extra))
    kind = ("gevent.sleep(0)" if args.gevent else "pass") + (
        ", in process" if args.in_process else ""
    )
    kind += ", plugin side patched" if args.patch else ""
    print(f"{args.tests} trivial tests ({kind}), {args.rounds} rounds each, medians:")
    print("                     CPU s    wall s   per test (CPU)")
    cpu: dict[str, float] = {}
    per_test: dict[str, float] = {}
    for name in ("-p no:gevent_lab", "with the plugin"):
        large = [statistics.median(r[i] for r in runs[name, "large"]) for i in (0, 1)]
        small = statistics.median(r[0] for r in runs[name, "small"])
        cpu[name] = large[0]
        per_test[name] = (large[0] - small) / (args.tests - FILES)
        print(f"  {name:17}{large[0]:8.3f}  {large[1]:8.3f}   {per_test[name] * 1e6:6.1f} us")
    base, plugin = "-p no:gevent_lab", "with the plugin"
    print(
        f"  ratio            {cpu[plugin] / cpu[base]:7.3f}x            "
        f"{per_test[plugin] / per_test[base]:6.3f}x  (target <= 1.05x)"
    )


if __name__ == "__main__":
    main()
