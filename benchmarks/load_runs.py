"""Does any verdict depend on how busy the machine is? Run the suite and the examples under load.

    python benchmarks/load_runs.py [--runs 20] [--burners 2] [--only NAME ...] [-- PYTEST ARGS]

Starts ``--burners`` processes spinning on the CPU (``python -c "while True:
pass"``), then runs each command ``--runs`` times, one after another in
turn (so a change in the machine's load touches every command alike):

- suite-xdist:  pytest -n 2 -p randomly       (the tox py311 env)
- suite-xdist4: pytest -n 4 -p randomly       (the tox py310, py312, py313 and oldest envs)
- suite-serial: pytest -p no:randomly         (the tox serial env)
- examples:     pytest examples               (the main job)

and prints, per command, how many runs passed and which test ids failed how
often. A run that does not end within ``--timeout`` seconds counts as failed.
The burners are stopped by their PIDs when the script ends, also on Ctrl-C or
SIGTERM (the run in progress is killed; the counts cover the runs that finished).
Run it from the project root with the interpreter that has the project installed
(``.venv/bin/python benchmarks/load_runs.py``). Exit status 1 if any run failed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: dict[str, tuple[str, ...]] = {
    "suite-xdist": ("-n", "2", "-p", "randomly"),
    "suite-xdist4": ("-n", "4", "-p", "randomly"),
    "suite-serial": ("-p", "no:randomly"),
    "examples": ("examples",),
}
# "FAILED tests/x.py::test_y - AssertionError" / "ERROR tests/x.py::test_z" of -rfE.
SUMMARY_HEADER = " short test summary info "
SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) (\S+)")


@dataclass
class Tally:
    runs: int = 0
    passed: int = 0
    seconds: list[float] = field(default_factory=list)
    failures: collections.Counter[str] = field(default_factory=collections.Counter)


@contextlib.contextmanager
def burners(count: int) -> Iterator[list[int]]:
    """``count`` CPU-spinning processes, killed by PID however the block ends."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            started.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        yield [process.pid for process in started]
    finally:
        for process in started:
            process.kill()
        for process in started:
            process.wait()


def run_once(args: Sequence[str], timeout: float) -> tuple[bool, float, list[str]]:
    """One pytest run: passed?, wall seconds, the failing ids (or why it did not finish)."""
    command = [sys.executable, "-m", "pytest", "-q", "-rfE", *args]
    # Without a bytecode cache every pytester subprocess recompiles the plugin.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    # Its own process group: a timeout or Ctrl-C stops xdist workers and pytester's
    # subprocesses too, not only pytest itself.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return False, time.perf_counter() - start, [f"(no result within {timeout:.0f} s)"]
    except BaseException:
        _kill_group(process)
        raise
    seconds = time.perf_counter() - start
    # The last summary is this run's: a failing pytester test prints its inner run's too.
    summary = stdout.rpartition(SUMMARY_HEADER)[2]
    failing = [
        f"{match[1]} {match[2]}"
        for line in summary.splitlines()
        if (match := SUMMARY_LINE.match(line))
    ]
    if process.returncode != 0 and not failing:
        tail = (stdout + stderr).strip().splitlines()[-1:] or ["(no output)"]
        failing = [f"(exit {process.returncode}: {tail[0]})"]
    return process.returncode == 0, seconds, failing


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command [20]")
    parser.add_argument("--burners", type=int, default=2, help="CPU-spinning processes [2]")
    parser.add_argument("--only", nargs="+", choices=sorted(COMMANDS), default=list(COMMANDS))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run [900]")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    options = parser.parse_args(argv)
    if options.runs < 1 or options.burners < 0:
        parser.error("--runs must be >= 1 and --burners >= 0")

    tallies = {name: Tally() for name in options.only}
    # Ctrl-C, and kill PID, end the runs and stop the burners (the finally in
    # burners()); a shell that starts this in the background ignores SIGINT.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    with burners(options.burners) as pids:
        print(f"burners: {options.burners} (pids {', '.join(map(str, pids)) or '-'})")
        try:
            for run in range(1, options.runs + 1):
                for name in options.only:
                    passed, seconds, failing = run_once(
                        [*COMMANDS[name], *options.pytest_args], options.timeout
                    )
                    tally = tallies[name]
                    tally.runs += 1
                    tally.passed += passed
                    tally.seconds.append(seconds)
                    tally.failures.update(failing)
                    verdict = "pass" if passed else "FAIL " + "; ".join(failing)
                    print(f"run {run:2}/{options.runs} {name:12} {seconds:6.1f} s  {verdict}")
                    sys.stdout.flush()
        except KeyboardInterrupt:
            print("interrupted: the counts below cover the runs that finished")

    print()
    print(f"{'command':14} {'passed':>9} {'median s':>9}  failing tests (times)")
    for name, tally in tallies.items():
        median = sorted(tally.seconds)[len(tally.seconds) // 2] if tally.seconds else 0.0
        print(f"{name:14} {tally.passed:>4} / {tally.runs:<3} {median:9.1f}")
        for test, times in tally.failures.most_common():
            print(f"{'':14} {times:>4} x  {test}")
    return 0 if all(t.passed == t.runs for t in tallies.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
