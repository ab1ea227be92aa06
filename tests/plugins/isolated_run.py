"""Run a command in its own process group, with a deadline, and leave no process behind.

pytester's own ``timeout=`` kills only the process it started: an xdist worker,
a server or a pytester run one level down survives it as an orphan. Here the
child leads a new session, so on a hang the whole group is killed, and after a
normal exit a group that still has members is reported (and killed) as well:
both are failures of the plugin under test, not noise to ignore.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import pytest

# The plain runs take 1-3 s; a loaded 2-core machine needs wide margins.
DEFAULT_TIMEOUT = 90.0
# Members of the group may still be exiting when the leader has exited (an xdist
# worker notices its closed channel); only those still there after this are orphans.
ORPHAN_GRACE = 10.0


class Hung(Exception):
    """The command did not finish in time; its whole process group was killed."""


class Orphaned(Exception):
    """The command exited but left processes running; they were killed."""


def _group_members(pgid: int) -> list[str]:
    """``pid command`` of every live process whose process group is ``pgid``."""
    listing = subprocess.run(
        ["ps", "-eo", "pid=,pgid=,stat=,args="], capture_output=True, text=True, check=True
    ).stdout
    members = []
    for line in listing.splitlines():
        pid, group, stat, *args = line.split(None, 3)
        if int(group) == pgid and not stat.startswith("Z"):
            members.append(f"{pid} {' '.join(args)}")
    return members


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pgid, signal.SIGKILL)


def _read(file: IO[bytes]) -> list[str]:
    file.seek(0)
    return file.read().decode("utf-8", "replace").splitlines()


def run_isolated(
    command: Sequence[str],
    *,
    cwd: Path,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> pytest.RunResult:
    """Run ``command`` in ``cwd``; :class:`Hung` past ``timeout`` s, :class:`Orphaned` if it
    leaves processes behind."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=None if env is None else {**os.environ, **env},
            start_new_session=True,  # its own process group: see the module docstring
        )
        try:
            ret = process.wait(timeout)
        except subprocess.TimeoutExpired:
            members = _group_members(process.pid)
            _kill_group(process.pid)
            process.wait()
            last = "\n".join((_read(out) + _read(err))[-60:])
            raise Hung(
                f"no exit after {timeout:g} s: {' '.join(command)}\n"
                "processes killed:\n  " + "\n  ".join(members) + f"\nlast output:\n{last}"
            ) from None
        duration = time.monotonic() - start
        outlines, errlines = _read(out), _read(err)
    deadline = time.monotonic() + ORPHAN_GRACE
    while (members := _group_members(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if members:
        _kill_group(process.pid)
        raise Orphaned(
            f"{' '.join(command)} exited ({ret}) but left running:\n  " + "\n  ".join(members)
        )
    return pytest.RunResult(ret, outlines, errlines, duration)


def run_pytest(
    pytester: pytest.Pytester, *args: str, timeout: float = DEFAULT_TIMEOUT
) -> pytest.RunResult:
    """``python -m pytest *args`` in ``pytester``'s folder, isolated (see :func:`run_isolated`).

    ``-p no:randomly`` unless ``args`` mention randomly: outcomes are asserted
    per test in file order, and pytest-randomly is installed in every env.
    """
    if not any("randomly" in arg for arg in args):
        args = ("-p", "no:randomly", *args)
    command = [sys.executable, "-m", "pytest", f"--basetemp={pytester.path / 'basetemp'}", *args]
    return run_isolated(command, cwd=pytester.path, timeout=timeout)
