"""Whether the leak check keeps finished greenlets alive: memory of one test, plugin on vs off.

The test (issue 16, item 2) spawns 2,000 plain greenlets in batches of 100,
each returning 100 kB; each batch is joined and dropped before the next, so
without the plugin at most one batch's values (~10 MB) is alive at once. A
check that holds the greenlets it saw switch (and so their values) until the
test ends makes the test grow by all of them (~200 MB).

Two measures, each in its own ``python -m pytest`` process per side (plugin
on vs ``-p no:gevent_lab``), ``--rounds`` times alternately, medians:

- peak RSS growth during the test: ``/proc/self/clear_refs`` resets the peak to
  the current RSS after the hub is made and ``gc.collect()``; the growth is
  ``VmHWM`` at the test's end less ``VmRSS`` at its start (Linux);
- peak of the memory Python allocated during the test (``tracemalloc``, in a
  separate run: its own bookkeeping would add to the RSS).

The whole process's peak RSS (``ru_maxrss``) is printed beside them.

Goal (issue 16): peak growth plugin on vs off at or under 1.1x.

About 10 seconds. ``--quick``: one round.

    python benchmarks/greenlet_memory.py [--rounds 3] [--greenlets 2000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from pytest_runs import PLUGIN_OFF, Run, measure, pytest_command, ratio, warm_up

GOAL = 1.1

TEST = """\
import gc
import json
import os
import tracemalloc

import gevent

GREENLETS, BATCH, SIZE = {greenlets}, {batch}, 100_000


def payload():
    return b"x" * SIZE


def status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def test_greenlets_returning_100kb():
    traced = os.environ.get("GREENLET_MEMORY_TRACEMALLOC") == "1"
    gevent.get_hub()  # made before the baseline: not the greenlets' memory
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak RSS (VmHWM) starts again from the current RSS
    before = status_kb("VmRSS")
    if traced:
        tracemalloc.start()
    for _ in range(GREENLETS // BATCH):
        batch = [gevent.spawn(payload) for _ in range(BATCH)]
        gevent.joinall(batch)
        assert all(len(g.value) == SIZE for g in batch)
        del batch
    result = {{"rss_growth_kb": status_kb("VmHWM") - before}}
    if traced:
        result["traced_peak_kb"] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    with open(os.environ["GREENLET_MEMORY_OUT"], "w") as out:
        json.dump(result, out)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--greenlets", type=int, default=2000, help="a multiple of 100")
    parser.add_argument("--quick", action="store_true", help="one round")
    args = parser.parse_args()
    rounds = 1 if args.quick else max(1, args.rounds)
    if args.greenlets <= 0 or args.greenlets % 100:
        parser.error(
            f"--greenlets must be a positive multiple of 100 (the batch), not {args.greenlets}"
        )
    with tempfile.TemporaryDirectory(prefix="greenlet-memory-") as tmp:
        root = Path(tmp)
        (root / "test_memory.py").write_text(TEST.format(greenlets=args.greenlets, batch=100))
        (root / "pytest.ini").write_text("[pytest]\n")
        out = root / "result.json"

        def run(side: str, traced: bool) -> Run:
            env = [("GREENLET_MEMORY_OUT", str(out))]
            env.append(("GREENLET_MEMORY_TRACEMALLOC", "1" if traced else "0"))
            command = pytest_command(*(PLUGIN_OFF if side == "off" else []))
            return Run(command, root, env=tuple(env))

        warm_up([run("off", False), run("on", False)])
        figures: dict[tuple[str, str], list[float]] = {}
        for round_ in range(rounds):
            for side in ("on", "off") if round_ % 2 else ("off", "on"):
                usage = measure(run(side, traced=False))
                figures.setdefault((side, "rss"), []).append(
                    json.loads(out.read_text())["rss_growth_kb"]
                )
                figures.setdefault((side, "process"), []).append(usage.max_rss_kb)
                measure(run(side, traced=True))
                figures.setdefault((side, "traced"), []).append(
                    json.loads(out.read_text())["traced_peak_kb"]
                )
    med = {key: statistics.median(values) for key, values in figures.items()}
    print(
        f"one test: {args.greenlets:,} plain greenlets returning 100 kB each, joined and dropped "
        f"in batches of 100; MB, median of {rounds} rounds:"
    )
    for label, kind, goal in (
        ("peak RSS growth during the test", "rss", f"  (goal <= {GOAL}x)"),
        ("peak traced (tracemalloc) during it", "traced", ""),
        ("whole process peak RSS", "process", ""),
    ):
        off, on = med["off", kind] / 1024, med["on", kind] / 1024
        print(f"  {label:37} off {off:8.1f}  on {on:8.1f}  {ratio(on, off)}{goal}")


if __name__ == "__main__":
    main()
