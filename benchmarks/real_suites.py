"""Real gevent projects' own test suites: plain, with the plugin, and patched; what differs.

    python benchmarks/real_suites.py [--only NAME ...] [--modes plain,plugin,...] [--json PATH]

For each project (PROJECTS below): download its sdist with pip
(``pip download --no-binary :all: --no-deps NAME==V``), unpack it under the
cache folder, make a virtualenv with its test dependencies, pytest-timeout,
pytest-xdist and this plugin (editable, from this checkout), and run its suite
in each mode:

- ``plain``: ``-p no:gevent_lab``, the reference;
- ``plugin``: the plugin active, not patching;
- ``patched``: ``--gevent-patch`` (projects meant to run patched);
- the same with ``-n 2`` where a project lists ``xdist`` (issue 16 item 3).

Every run has pytest-timeout's ``--timeout`` and a deadline for the whole
suite (past it, the process group is killed and the run is reported as hung,
with the outcomes seen so far). It prints, per mode, passed / failed / error /
skipped counts and every test whose outcome differs from the plain run.

Only loopback is reachable here, and a suite must never be pointed anywhere
else: each project deselects the tests that reach beyond 127.0.0.1 (read from
its fixtures before its first run), every suite runs in a network namespace
of its own with only ``lo`` (``unshare -n``, where it works), and the outcome
recorder below refuses, in every run, a connection or name lookup for a host
that is not loopback (an audit hook), so a test that tries shows up as failed
instead of reaching out. Not part of the test run: it downloads, builds and
takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "pytest-gevent-lab-real-suites"

MODES: dict[str, list[str]] = {
    "plain": ["-p", "no:gevent_lab"],
    "plugin": [],
    "patched": ["--gevent-patch"],
}
PER_TEST_TIMEOUT = 60  # pytest-timeout, per test
SUITE_TIMEOUT = 600.0  # the whole run of one suite in one mode

RECORDER = "real_suite_outcomes"
NOSE_SETUP = "nose_style_setup"


@dataclass
class Project:
    name: str
    version: str
    test_args: list[str]  # paths, -m / -k; relative to the unpacked sdist
    deps: list[str]  # test dependencies, pip requirement strings
    extras: str = ""  # installed as .[extras]
    deselect: list[str] = field(default_factory=list)
    modes: tuple[str, ...] = ("plain", "plugin", "patched")
    xdist: bool = False  # also run each mode with -n 2
    helpers: tuple[str, ...] = ()  # extra -p plugins from HELPERS
    why: str = ""  # what is special about it (printed)


PROJECTS = [
    Project(
        "geventhttpclient",
        "2.6.1",
        # tests/conftest.py runs gevent.monkey.patch_all() at import: every mode is
        # patched. "network" tests reach httpbingo.org, github.com, google.com;
        # the rest use 127.0.0.1:54323 (tests/common.py) or build requests to
        # outside names without connecting (HTTPClient resolves lazily).
        ["tests", "-m", "not network"],
        # its dev dependency group (pyproject.toml), less mypy
        ["pytest", "pytest-rerunfailures", "dpkt", "requests", "httplib2"],
        xdist=True,
        why="conftest patches at import (issue 16 item 3 under -n 2)",
    ),
    Project(
        "apscheduler",
        "3.11.3",
        # Its gevent scheduler's tests; none uses the network (memory job store).
        ["tests/test_schedulers.py", "-k", "TestGeventScheduler"],
        ["pytest", "pytz", "anyio>=4.5.2"],
        extras="gevent",
    ),
    Project(
        "gipc",
        "1.8.0",
        # test_gipc.py: pipes and child processes; its WSGI scenario serves on
        # localhost port 0 and a child fetches from it; getaddrinfo("localhost").
        ["test/test_gipc.py"],
        ["pytest"],
        # gipc runs unpatched: patched, its suite has 5 failures and 3 errors with or
        # without the plugin (python -m gevent.monkey --module pytest), 3 min a run.
        modes=("plain", "plugin"),
        helpers=(NOSE_SETUP,),  # its classes use nose-style setup(), gone in pytest 8
        why="forks children during tests (issue 16 item 1)",
    ),
    Project(
        "requests",
        "2.34.2",
        ["tests"],
        # requirements-dev.txt, less pytest-cov and wheel; httpbin 0.10.0 imports
        # werkzeug.http.parse_authorization_header, gone in Werkzeug 3 (and Flask 3)
        [
            "pytest",
            "pytest-httpbin==2.1.0",
            "httpbin~=0.10.0",
            "trustme",
            "werkzeug<3",
            "flask<3",
        ],
        extras="socks",
        # Tests that reach beyond loopback (issue 16): a non-routable private
        # address on purpose (TARPIT), and DNS look-ups of outside names. The rest
        # use pytest-httpbin's server on 127.0.0.1 or only build requests.
        deselect=[
            "tests/test_requests.py::TestTimeout::test_connect_timeout",
            "tests/test_requests.py::TestTimeout::test_total_timeout_connect",
            "tests/test_requests.py::TestRequests::test_errors[http://doesnotexist.google.com-ConnectionError]",
            "tests/test_requests.py::TestRequests::test_proxy_error",
        ],
        why="requests under --gevent-patch",
    ),
]

# Loaded into every run with -p: records each test's final outcome as it
# happens (a killed run keeps what it saw) and refuses non-loopback network use.
RECORDER_SOURCE = '''
"""Outcomes of a real suite's run, one JSON line per test; and loopback only."""

import ipaddress
import json
import os
import sys

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_loopback(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _loopback_only(event, args):
    if event in ("socket.connect", "socket.sendto"):
        address = args[1]
        host = address[0] if isinstance(address, tuple) else None  # AF_UNIX: a path
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        host = args[0]
    else:
        return
    if not _is_loopback(host):
        raise OSError(101, f"real_suites.py: blocked {event} to {host!r}: only loopback")


sys.addaudithook(_loopback_only)

_PATH = os.environ.get("REAL_SUITE_OUTCOMES")
_phases = {}


def _write(entry):
    if _PATH and not os.environ.get("PYTEST_XDIST_WORKER"):
        with open(_PATH, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\\n")


def pytest_runtest_logreport(report):
    if report.outcome == "rerun":
        _write({"id": report.nodeid, "rerun": True})
        return
    phases = _phases.setdefault(report.nodeid, {})
    phases[report.when] = "xfailed" if hasattr(report, "wasxfail") and report.skipped else (
        "xpassed" if hasattr(report, "wasxfail") and report.passed else report.outcome
    )
    if report.when != "teardown":
        return
    del _phases[report.nodeid]
    if phases.get("call") == "failed":
        outcome = "failed"
    elif "failed" in phases.values():
        outcome = "error"
    else:
        outcome = phases.get("call") or phases.get("setup", "skipped")
    _write({"id": report.nodeid, "outcome": outcome})


def pytest_collectreport(report):
    if report.failed:
        _write({"id": report.nodeid or "<collection>", "outcome": "error"})
'''

# pytest 8 dropped nose-style ``setup()``/``teardown()`` methods, which gipc 1.8.0's
# test classes use; this plugin calls them around each test, as pytest 7 did.
NOSE_SETUP_SOURCE = '''
"""Call a test class's nose-style setup()/teardown() around each of its tests."""

import pytest


@pytest.fixture(autouse=True)
def _nose_style_setup(request):
    instance = request.instance
    setup = getattr(instance, "setup", None)
    teardown = getattr(instance, "teardown", None)
    if callable(setup):
        setup()
    yield
    if callable(teardown):
        teardown()
'''
HELPERS = {RECORDER: RECORDER_SOURCE, NOSE_SETUP: NOSE_SETUP_SOURCE}


@dataclass
class Run:
    mode: str
    outcomes: dict[str, str]
    reruns: int
    ret: int | None  # None: hung, killed
    seconds: float
    log: Path
    tail: str = ""

    def counts(self) -> Counter[str]:
        return Counter(self.outcomes.values())


def _sh(command: list[str], **kwargs: Any) -> None:
    print("  $", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def netns_prefix() -> list[str]:
    """``unshare -n`` with ``lo`` up, if this machine allows it; else nothing."""
    probe = ["unshare", "-n", "sh", "-c", "ip link set lo up"]
    try:
        if subprocess.run(probe, capture_output=True, timeout=30).returncode == 0:
            return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "netns"]
    except (OSError, subprocess.TimeoutExpired):
        pass
    print("note: no network namespace (unshare -n failed); relying on the audit hook guard")
    return []


def prepare(project: Project, cache: Path) -> tuple[Path, Path]:
    """The unpacked sdist and a virtualenv for it (reused when already there)."""
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    spec = f"{project.name}=={project.version}"
    found = [p for p in sdists.glob("*.tar.gz") if _sdist_matches(p, project)]
    if not found:
        _sh([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
             "-q", spec, "-d", str(sdists)])  # fmt: skip
        found = [p for p in sdists.glob("*.tar.gz") if _sdist_matches(p, project)]
    source = cache / "src" / found[0].name.removesuffix(".tar.gz")
    if not source.exists():
        with tarfile.open(found[0]) as archive:
            archive.extractall(source.parent, filter="data")
    venv = cache / "venvs" / f"{project.name}-{project.version}"
    python = venv / "bin" / "python"
    marker = venv / ".ready"
    if not marker.exists():
        shutil.rmtree(venv, ignore_errors=True)
        _sh([sys.executable, "-m", "venv", str(venv)])
        target = f"{source}[{project.extras}]" if project.extras else str(source)
        _sh([str(python), "-m", "pip", "install", "-q", target, *project.deps,
             "pytest-timeout", "pytest-xdist", "-e", str(ROOT)])  # fmt: skip
        marker.write_text(spec)
    # A venv made from another checkout (a worktree) would test that code.
    plugin_at = subprocess.run(
        [str(python), "-I", "-c", "import pytest_gevent_lab, os; print(os.path.dirname("
         "os.path.dirname(os.path.abspath(pytest_gevent_lab.__file__))))"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    if Path(plugin_at or "/nonexistent").resolve() != ROOT.resolve():
        print(f"  (re-pointing the venv's plugin from {plugin_at or 'nothing'} to {ROOT})")
        _sh([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)])
    helpers = cache / "helpers"
    helpers.mkdir(exist_ok=True)
    for module, module_source in HELPERS.items():
        (helpers / f"{module}.py").write_text(textwrap.dedent(module_source))
    return source, python


def _sdist_matches(path: Path, project: Project) -> bool:
    name = path.name.lower().replace("-", "_")
    return name.startswith(f"{project.name.lower().replace('-', '_')}_{project.version}.tar")


def run_suite(
    project: Project,
    source: Path,
    python: Path,
    mode: str,
    cache: Path,
    prefix: list[str],
    suite_timeout: float,
) -> Run:
    name = mode.replace(" ", "")
    log = cache / "logs" / f"{project.name}-{name}.txt"
    outcomes_path = cache / "logs" / f"{project.name}-{name}.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    outcomes_path.unlink(missing_ok=True)
    base, _, workers = mode.partition(" -n ")
    args = [*MODES[base], *(["-n", workers] if workers else [])]
    deselect = [f"--deselect={node}" for node in project.deselect]
    command = [
        *prefix, str(python), "-m", "pytest", *project.test_args, *deselect, *args,
        "-p", RECORDER, *(arg for helper in project.helpers for arg in ("-p", helper)),
        "-p", "no:cacheprovider", "-p", "no:randomly",
        f"--timeout={PER_TEST_TIMEOUT}", "-q", "-rfE",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(cache / "helpers"),
        "REAL_SUITE_OUTCOMES": str(outcomes_path),
        "PYTHONDONTWRITEBYTECODE": "",
    }
    env.pop("PYTEST_ADDOPTS", None)
    print(f"  {project.name} [{mode}] ...", flush=True)
    start = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=source, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            ret: int | None = process.wait(suite_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            ret = None
    try:  # a child left behind is a finding too; never leave it running
        os.killpg(process.pid, signal.SIGKILL)
        print(f"  note: {project.name} [{mode}] left processes behind; killed them")
    except ProcessLookupError:
        pass
    outcomes: dict[str, str] = {}
    reruns = 0
    if outcomes_path.exists():
        for line in outcomes_path.read_text("utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("rerun"):
                reruns += 1
            else:
                outcomes[entry["id"]] = entry["outcome"]
    tail = "\n".join(log.read_text("utf-8", "replace").splitlines()[-15:])
    return Run(mode, outcomes, reruns, ret, time.monotonic() - start, log, tail)


def describe(project: Project, runs: list[Run]) -> dict[str, Any]:
    print(f"\n== {project.name} {project.version}: {' '.join(project.test_args)}")
    if project.why:
        print(f"   ({project.why})")
    # The serial plain run is every mode's reference: -n 2 must give the same results.
    plain = next((run for run in runs if run.mode == "plain"), None)
    result: dict[str, Any] = {"project": f"{project.name}=={project.version}", "modes": {}}
    for run in runs:
        counts = run.counts()
        status = "HUNG (killed)" if run.ret is None else f"exit {run.ret}"
        line = ", ".join(
            f"{counts.get(word, 0)} {word}" for word in ("passed", "failed", "error", "skipped")
        )
        extra = ", ".join(
            f"{n} {word}" for word, n in counts.items()
            if word not in ("passed", "failed", "error", "skipped")
        )  # fmt: skip
        extra += f", {run.reruns} reruns" if run.reruns else ""
        print(f"  {run.mode:<16} {line}{', ' + extra if extra else ''}; {status}, "
              f"{run.seconds:.0f} s; log: {run.log}")  # fmt: skip
        differences = []
        if plain is not None and plain is not run and not run.outcomes:
            print(f"      no test ran (the plain run ran {len(plain.outcomes)}); its log ends:")
        elif plain is not None and plain is not run:
            for node in sorted(set(plain.outcomes) | set(run.outcomes)):
                before = plain.outcomes.get(node, "not run")
                after = run.outcomes.get(node, "not run")
                if before != after:
                    differences.append({"test": node, "plain": before, run.mode: after})
                    print(f"      {node}: {before} -> {after}")
        if run.ret is None or (run.ret not in (0, 1) and not run.outcomes):
            print(textwrap.indent(run.tail, "      | "))
        result["modes"][run.mode] = {
            "counts": dict(counts),
            "reruns": run.reruns,
            "exit": run.ret,
            "hung": run.ret is None,
            "seconds": round(run.seconds, 1),
            "differences_from_plain": differences,
            "log": str(run.log),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="download/venv folder")
    parser.add_argument("--only", nargs="*", default=[], help="project names to run")
    parser.add_argument("--modes", default="", help="comma-separated subset of the modes")
    parser.add_argument("--no-xdist", action="store_true", help="skip the -n 2 runs")
    parser.add_argument("--suite-timeout", type=float, default=SUITE_TIMEOUT)
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args(argv)
    names = {project.name for project in PROJECTS}
    unknown = set(options.only) - names
    if unknown:
        parser.error(f"unknown project(s) {sorted(unknown)}; valid: {sorted(names)}")
    prefix = netns_prefix()
    results = []
    for project in PROJECTS:
        if options.only and project.name not in options.only:
            continue
        print(f"-- {project.name} {project.version}", flush=True)
        source, python = prepare(project, options.cache)
        modes = [m for m in project.modes if not options.modes or m in options.modes.split(",")]
        if project.xdist and not options.no_xdist:
            modes += [f"{mode} -n 2" for mode in modes]
        runs = [
            run_suite(project, source, python, mode, options.cache, prefix, options.suite_timeout)
            for mode in modes
        ]
        results.append(describe(project, runs))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
