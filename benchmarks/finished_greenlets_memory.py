"""Memory a test keeps for its finished greenlets: plugin on vs off (issue 16 item 2).

    python benchmarks/finished_greenlets_memory.py [--greenlets N] [--kib K] [--rounds R]

One test spawns N plain greenlets that each return K KiB, joins them and drops
every reference it had; it then reports how much its resident memory grew
(VmRSS after minus before, measured inside the test, after ``gc.collect()``),
and the process's peak RSS.
Without the plugin the values are freed as each greenlet is dropped; a leak
check holding strong references keeps all of them until the test ends. Each
round runs the plugin off and on side by side, in fresh processes; the ratio
of the medians of the peak is the figure (goal in the issue: at most 1.1x).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TEST = """
    import gc
    import json
    import resource

    import gevent

    N, KIB, OUT = {n}, {kib}, {out!r}


    def rss_kib():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])


    def make():
        return bytearray(KIB * 1024)


    def test_many_finished_greenlets():
        gc.collect()
        before = rss_kib()
        for _ in range(N):
            gevent.spawn(make).join()  # each finished one is dropped at once
        gevent.sleep(0)  # gevent's own pending link callbacks run
        gc.collect()
        with open(OUT, "w") as out:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            json.dump({{"grew_kib": rss_kib() - before, "peak_kib": peak}}, out)
"""

MODES = {"plugin off": ["-p", "no:gevent_lab"], "plugin on": []}


def run_once(folder: Path, mode: str) -> tuple[float, float]:
    """(RSS growth of the test, peak RSS of the process), MiB."""
    out = folder / "result.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    subprocess.run(
        [*command, *MODES[mode], str(folder / "test_memory.py")],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = json.loads(out.read_text())
    return result["grew_kib"] / 1024, result["peak_kib"] / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--greenlets", type=int, default=2000)
    parser.add_argument("--kib", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = TEST.format(n=options.greenlets, kib=options.kib, out=str(folder / "result.json"))
        (folder / "test_memory.py").write_text(textwrap.dedent(source))
        grew: dict[str, list[float]] = {mode: [] for mode in MODES}
        peak: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(options.rounds):
            for mode in MODES:  # side by side, alternating
                growth, top = run_once(folder, mode)
                grew[mode].append(growth)
                peak[mode].append(top)
    total = options.greenlets * options.kib / 1024
    print(
        f"{options.greenlets} finished greenlets of {options.kib} KiB each "
        f"({total:.0f} MiB returned in all), {options.rounds} rounds, median (each round):"
    )
    for mode in MODES:
        rounds_grew = ", ".join(f"{v:.1f}" for v in grew[mode])
        rounds_peak = ", ".join(f"{v:.1f}" for v in peak[mode])
        print(
            f"  {mode:<11} test's RSS growth {statistics.median(grew[mode]):6.1f} MiB "
            f"({rounds_grew}); process peak RSS {statistics.median(peak[mode]):6.1f} MiB "
            f"({rounds_peak})"
        )
    ratio = statistics.median(peak["plugin on"]) / statistics.median(peak["plugin off"])
    print(f"  peak RSS, plugin on / plugin off: {ratio:.2f}x (goal: at most 1.1x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
