"""Patching under pytest-xdist: which process patches, and the workers' reports.

The controller runs no tests and talks to its workers through execnet's IO
threads, so it stays unpatched; every worker patches itself fully
(``thread=True`` included). How execnet survives that is patching.native.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sys
import types
from argparse import Namespace
from typing import Any, Literal

Role = Literal["serial", "controller", "worker"]


def role(known_args: Namespace) -> Role:
    """What this pytest process is, as far as xdist goes, before its config is complete.

    ``config.workerinput`` is set only after the initial conftests are loaded, and
    ``PYTEST_XDIST_WORKER`` is inherited by any pytest a worker starts, so a
    worker is recognised by xdist's remote module running below us on the stack.
    """
    if _running_inside_xdist_worker():
        return "worker"
    # As xdist decides (its _is_distribution_mode): workers are started only
    # when there are gateways, from -n N (N > 0, or auto/logical without --pdb)
    # or --tx; --dist alone runs the tests here.
    numprocesses = getattr(known_args, "numprocesses", None)
    if numprocesses in ("auto", "logical"):
        numprocesses = 0 if getattr(known_args, "usepdb", False) else 1
    if numprocesses or getattr(known_args, "tx", None):
        return "controller"
    return "serial"


def _running_inside_xdist_worker() -> bool:
    frame: types.FrameType | None = sys._getframe()
    while frame is not None:
        if frame.f_globals.get("__name__") == "__channelexec__":
            return True
        frame = frame.f_back
    return False


# The controller never sees its workers' report headers, so each worker sends
# its patch report back (workeroutput), and the controller prints them in the summary.
WORKEROUTPUT_KEY = "gevent_lab_patch_report"


def send_report(config: Any, header_lines: list[str]) -> None:
    """In a worker: hand the controller this worker's header lines."""
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKEROUTPUT_KEY] = header_lines


def received_report(node: Any) -> tuple[str, list[str]] | None:
    """In the controller: the worker id and header lines a finished worker sent, if any."""
    lines = getattr(node, "workeroutput", {}).get(WORKEROUTPUT_KEY)
    return None if lines is None else (node.gateway.id, lines)


def summary_lines(reports: dict[str, list[str]]) -> list[str]:
    return [f"[{worker}] {line}" for worker in sorted(reports) for line in reports[worker]]
