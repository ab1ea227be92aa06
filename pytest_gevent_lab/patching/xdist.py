"""Patching under pytest-xdist: which process patches, and keeping execnet on real threads.

The controller runs no tests and talks to its workers through execnet's IO
threads, so it stays unpatched. A worker patches fully (``thread=True``
included), which breaks execnet unless it is handled: execnet's receiver is a
native thread started before patching, while the objects xdist makes after
patching (its ``TestQueue`` Event and RLock) would come from the patched
``threading`` module. A native thread setting a gevent Event never wakes the
main greenlet, and the worker dies in ``LoopExit`` (pytest-xdist issues 254
and 1069). So before patching a worker, we load a private copy of ``threading``
and ``queue`` bound to the real ``_thread``, and after patching we make
execnet's thread execmodel build its primitives from that copy.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import importlib.util
import sys
import types
from argparse import Namespace
from collections.abc import Callable
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
    numprocesses = getattr(known_args, "numprocesses", None)
    tx = getattr(known_args, "tx", None)
    dist = getattr(known_args, "dist", "no")
    if numprocesses or tx or (dist not in (None, "no")):
        return "controller"
    return "serial"


def _running_inside_xdist_worker() -> bool:
    frame: types.FrameType | None = sys._getframe()
    while frame is not None:
        if frame.f_globals.get("__name__") == "__channelexec__":
            return True
        frame = frame.f_back
    return False


def _private_copy(name: str) -> types.ModuleType:
    spec = importlib.util.find_spec(name)
    assert spec is not None, name
    assert spec.loader is not None, name
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare_native_threading() -> Callable[[], None]:
    """Call before patching; call what it returns after patching."""
    import _thread

    native_threading = _private_copy("threading")
    native_queue = _private_copy("queue")
    # queue.Queue finds its locks through the module global "threading".
    native_queue.threading = native_threading  # type: ignore[attr-defined]
    start_new_thread = _thread.start_new_thread
    get_ident = _thread.get_ident
    import time

    real_sleep = time.sleep

    def give_execnet_native_threads() -> None:
        gateway_base = sys.modules.get("execnet.gateway_base")
        if gateway_base is None:
            return
        model: Any = gateway_base.ThreadExecModel
        model.queue = property(lambda self: native_queue)
        model.Lock = lambda self: native_threading.RLock()
        model.RLock = lambda self: native_threading.RLock()
        model.Event = lambda self: native_threading.Event()
        model.start = lambda self, func, args=(): start_new_thread(func, args)
        model.get_ident = lambda self: get_ident()
        model.sleep = lambda self, delay: real_sleep(delay)

    return give_execnet_native_threads


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
