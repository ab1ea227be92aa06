"""Overhead of the plugin: N trivial tests with --gevent-patch vs without the plugin.

    python benchmarks/patch_overhead.py [--tests 2000] [--repeats 5]

Every configuration runs alternately in fresh interpreters, side by side in
one run, at N tests and at N/10 tests, timed in CPU seconds of the pytest
process (wall time on a shared 2-core machine is too noisy). The printed
ratios are of the medians: the whole run at N tests, and per test (the slope
between N/10 and N tests, which leaves out the one-off start-up cost of
importing gevent and running patch_all()). The target is at or under 1.05.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIGURATIONS = {
    "without the plugin": ["-p", "no:gevent_lab"],
    "plugin, unpatched": [],
    "plugin, --gevent-patch": ["--gevent-patch"],
}


def make_tests(folder: Path, count: int) -> None:
    per_file = 100
    for file_number in range(count // per_file):
        body = "".join(f"def test_{n}():\n    pass\n\n" for n in range(per_file))
        (folder / f"test_trivial_{file_number}.py").write_text(body)


def run_once(folder: Path, args: list[str]) -> float:
    """CPU seconds (user + system) of one pytest run: robust to other load on the machine."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([*command, *args], cwd=folder, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    sizes = (options.tests // 10, options.tests)
    times: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {size: Path(tmp, str(size)) for size in sizes}
        for size, folder in folders.items():
            folder.mkdir()
            make_tests(folder, size)
            (folder / "pytest.ini").write_text("[pytest]\n")
        for _ in range(options.repeats):
            for name, args in CONFIGURATIONS.items():
                for size, folder in folders.items():
                    times.setdefault((name, size), []).append(run_once(folder, args))
    median = {key: statistics.median(samples) for key, samples in times.items()}
    small, large = sizes
    base = "without the plugin"
    base_slope = (median[base, large] - median[base, small]) / (large - small)
    print(f"trivial tests, CPU time, median of {options.repeats} alternating runs")
    for name in CONFIGURATIONS:
        slope = (median[name, large] - median[name, small]) / (large - small)
        print(
            f"  {name:<24} {large} tests {median[name, large]:6.3f} s "
            f"(ratio {median[name, large] / median[base, large]:5.3f}); "
            f"per test {slope * 1e6:6.1f} us (ratio {slope / base_slope:5.3f})"
        )


if __name__ == "__main__":
    main()
