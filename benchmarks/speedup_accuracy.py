"""How often does ``concurrent_speedup`` decide wrongly, and what does it cost?

    python benchmarks/speedup_accuracy.py [--trials 100] [--only NAME ...]

Every scenario writes a test file and runs it in a fresh ``pytest`` process
with ``--gevent-report``; verdicts and timings come from the report.

- false-pass: a CPU-bound body (true ratio 1.0), default min_speedup, N trials:
  at most 1 may pass; again with a second process spinning on one core.
- false-fail: a body whose true speedup is 1.5x (greenlets waiting d and d/2),
  min_speedup=1.2, N trials: at most 1 may fail; d = 6 ms and d = 20 ms (a
  few ms of scheduling delay on a loaded machine weigh less on a longer body).
- cost: a marked test's wall time against (warmup + rounds) x (sequential +
  concurrent body time): at most 1.1.
- article: the article's five requests against a local server with 100 ms
  latency, run patched: measured speedup against the physical limit of 5.0x.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SPIN = """
def spin():
    total = 0
    for number in range(15_000):
        total += number
"""

BODIES = {
    "cpu": SPIN
    + """
@pytest.mark.parametrize("trial", range({trials}))
@pytest.mark.concurrent_speedup
def test_cpu(spawn, trial):
    gevent.joinall([spawn(spin) for _ in range(4)], raise_error=True)
""",
    "1.5x": """
@pytest.mark.parametrize("trial", range({trials}))
@pytest.mark.concurrent_speedup(min_speedup=1.2)
def test_one_and_a_half(spawn, trial):
    wait = {wait}
    gevent.joinall([spawn(gevent.sleep, wait), spawn(gevent.sleep, wait / 2)], raise_error=True)
""",
    "cost": """
@pytest.mark.parametrize("trial", range(3))
@pytest.mark.parametrize("wait", [0.001, 0.005])
@pytest.mark.concurrent_speedup
def test_cost(spawn, wait, trial):
    gevent.joinall([spawn(gevent.sleep, wait) for _ in range(4)], raise_error=True)
""",
    "article": """
import os
import requests

URL = os.environ["BENCH_URL"]

def fetch():
    return requests.get(URL, timeout=5).status_code

@pytest.mark.concurrent_speedup(rounds=5, warmup=1)
def test_five_requests(spawn):
    greenlets = [spawn(fetch) for _ in range(5)]
    gevent.joinall(greenlets, raise_error=True)
    assert [g.value for g in greenlets] == [200] * 5
""",
}

SERVER = """
import sys
import gevent
from gevent.pywsgi import WSGIServer

def app(environ, start_response):
    gevent.sleep(0.1)  # the latency of a far-away server
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

server = WSGIServer(("127.0.0.1", 0), app, log=None)
server.start()
print(server.server_port, flush=True)
server.serve_forever()
"""


# Phase durations as pytest measured them, outside the plugin's own timing.
PHASES_CONFTEST = """
import json

DURATIONS = {}

def pytest_runtest_logreport(report):
    DURATIONS.setdefault(report.nodeid, {})[report.when] = report.duration

def pytest_sessionfinish(session):
    with open("phases.json", "w") as out:
        json.dump(DURATIONS, out)
"""


def run_pytest(workdir: Path, body: str, *args: str, env: dict[str, str] | None = None) -> Any:
    (workdir / "test_bench.py").write_text("import gevent\nimport pytest\n" + textwrap.dedent(body))
    (workdir / "conftest.py").write_text(PHASES_CONFTEST)
    report = workdir / "report.json"
    command = [sys.executable, "-m", "pytest", "test_bench.py", "-q", "-p", "no:randomly"]
    command += ["-p", "no:cacheprovider", f"--gevent-report={report}"]
    subprocess.run([*command, *args], cwd=workdir, env=env, capture_output=True, check=False)
    phases = json.loads((workdir / "phases.json").read_text())
    entries = json.loads(report.read_text())["speedup"]
    for entry in entries:
        entry["phases"] = phases[entry["test"]]
    return entries


@contextlib.contextmanager
def core_loaded() -> Iterator[None]:
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


@contextlib.contextmanager
def slow_server() -> Iterator[str]:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.kill()
        server.wait()


def count(entries: list[dict[str, Any]], verdict: str) -> int:
    return sum(1 for entry in entries if entry["verdict"] == verdict)


def false_pass(workdir: Path, trials: int, loaded: bool) -> str:
    with core_loaded() if loaded else contextlib.nullcontext():
        entries = run_pytest(workdir, BODIES["cpu"].format(trials=trials))
    passes = count(entries, "pass")
    highest = max(entry["supported_speedup"] for entry in entries)
    ratios = sorted(entry["speedup"] for entry in entries)
    middle = ratios[len(ratios) // 2]
    second_looks = sum(1 for entry in entries if entry["rounds_run"] > entry["rounds"])
    where = "one core loaded" if loaded else "idle core"
    verdict = "OK" if passes <= 1 else "TOO MANY"
    return (
        f"false-pass ({where}): {passes}/{len(entries)} CPU-bound trials passed "
        f"(limit 1) [{verdict}]; highest supported speedup {highest:.3f}x, required 1.05x; "
        f"median/median ratios {ratios[0]:.3f} to {ratios[-1]:.3f} (middle {middle:.3f}); "
        f"{second_looks} needed the second look"
    )


def false_fail(workdir: Path, trials: int, wait: float) -> str:
    entries = run_pytest(workdir, BODIES["1.5x"].format(trials=trials, wait=wait))
    fails = len(entries) - count(entries, "pass")
    second_looks = sum(1 for entry in entries if entry["rounds_run"] > entry["rounds"])
    lowest = min(entry["supported_speedup"] for entry in entries)
    medians = sorted(entry["speedup"] for entry in entries)
    verdict = "OK" if fails <= 1 else "TOO MANY"
    return (
        f"false-fail (greenlets waiting {wait * 1e3:g} and {wait * 500:g} ms): "
        f"{fails}/{len(entries)} trials of a true 1.5x body failed min_speedup=1.2 "
        f"(limit 1) [{verdict}]; {second_looks} needed the second look; "
        f"lowest supported {lowest:.3f}x (required 1.26x), "
        f"median speedup {medians[len(medians) // 2]:.3f}x"
    )


def cost(workdir: Path) -> str:
    lines = []
    measured = run_pytest(workdir, BODIES["cost"])
    for wait in ("0.001", "0.005"):
        entries = [entry for entry in measured if f"[{wait}-" in entry["test"]]
        # The body's time in all runs is (warmup + rounds) x (sequential + concurrent body time).
        body = [sum(run["seconds"] for run in entry["runs"]) for entry in entries]
        call = [entry["phases"]["call"] / total for entry, total in zip(entries, body, strict=True)]
        whole = [sum(entry["phases"].values()) / t for entry, t in zip(entries, body, strict=True)]
        teardown = max(entry["phases"]["teardown"] for entry in entries)
        lines.append(
            f"cost (4 greenlets waiting {wait} s, body {body[0] * 1e3:.0f} ms per test): "
            f"call phase / ((warmup + rounds) x (seq + conc body time)) = "
            f"{', '.join(f'{ratio:.3f}' for ratio in call)} (limit 1.1) "
            f"[{'OK' if max(call) <= 1.1 else 'OVER'}]; with setup and teardown "
            f"{', '.join(f'{ratio:.3f}' for ratio in whole)} (the spawn fixture's teardown, "
            f"marked or not: up to {teardown * 1e3:.0f} ms)"
        )
    return "\n".join(lines)


def article(workdir: Path) -> str:
    with slow_server() as url:
        env = {**os.environ, "BENCH_URL": url}
        (entry,) = run_pytest(workdir, BODIES["article"], "--gevent-patch", env=env)
    return (
        f"article: five requests to a server with 100 ms latency: sequential "
        f"{entry['sequential_median_s']:.3f} s, concurrent {entry['concurrent_median_s']:.3f} s, "
        f"speedup {entry['speedup']:.2f}x (physical limit 5.0x, the article saw 3.5x), "
        f"verdict {entry['verdict']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    scenarios = ["false-pass", "false-pass-loaded", "false-fail", "false-fail-20ms", "cost"]
    scenarios.append("article")
    parser.add_argument("--only", nargs="*", choices=scenarios, default=scenarios)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}, cpus: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in args.only:
            start = time.perf_counter()
            if name == "false-pass":
                line = false_pass(workdir, args.trials, loaded=False)
            elif name == "false-pass-loaded":
                line = false_pass(workdir, args.trials, loaded=True)
            elif name == "false-fail":
                line = false_fail(workdir, args.trials, wait=0.006)
            elif name == "false-fail-20ms":
                line = false_fail(workdir, args.trials, wait=0.02)
            elif name == "cost":
                line = cost(workdir)
            else:
                line = article(workdir)
            print(f"{line}  ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
