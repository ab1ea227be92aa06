"""Readable, stable names for greenlets, shared by the interleaving log and the switch trace.

A name is what a reader of a failure recognises: the name a user gave a gevent
``Greenlet``, else the function it runs, ``main`` for the main thread's root
greenlet, ``hub`` for a gevent hub. Two greenlets running the same function
get ``worker`` and ``worker#2``, so one column of a timeline is one greenlet.
"""

from __future__ import annotations

import itertools
import sys
import threading
from typing import Any

import gevent
from gevent.hub import Hub
from greenlet import getcurrent


def base_name(glet: Any) -> str:
    """The un-numbered name of ``glet``; see the module docstring.

    Call it while ``glet`` is alive: gevent drops a finished greenlet's function.
    """
    if isinstance(glet, Hub):
        return "hub"
    if glet.parent is None:  # a thread's root greenlet
        if glet is getcurrent() and threading.current_thread() is not threading.main_thread():
            return threading.current_thread().name
        return "main"
    if isinstance(glet, gevent.Greenlet):
        if "name" in glet.__dict__:  # assigned by the user (gevent generates one otherwise)
            return str(glet.name)
        func = glet.__dict__.get("_run")
        thread = getattr(func, "__self__", None)
        if isinstance(thread, threading.Thread):  # a patched thread: name it as unpatched
            return thread.name
        if func is not None:
            return _function_name(func)
        return type(glet).__name__
    run = getattr(glet, "run", None)  # a raw greenlet that has not started yet
    if run is not None:
        return _function_name(run)
    if glet is getcurrent():
        # A running raw greenlet no longer has ``run``: its oldest frame is that function.
        frame = sys._getframe()
        while frame.f_back is not None:
            frame = frame.f_back
        return frame.f_code.co_name
    return type(glet).__name__


def _function_name(func: Any) -> str:
    func = getattr(func, "func", func)  # functools.partial
    return str(getattr(func, "__name__", None) or func)


class GreenletNames:
    """Assigns each greenlet one name for the lifetime of a log (``worker``, ``worker#2``)."""

    def __init__(self) -> None:
        # Holding the greenlets keeps a name from being reused by a new greenlet at
        # the same address; a test's log lives only as long as the test.
        self._names: dict[Any, str] = {}
        self._counters: dict[str, itertools.count[int]] = {}

    def __call__(self, glet: Any) -> str:
        name = self._names.get(glet)
        if name is None:
            base = base_name(glet)
            # setdefault and next() are atomic under the GIL: threads may race here.
            number = next(self._counters.setdefault(base, itertools.count(1)))
            name = self._names.setdefault(glet, base if number == 1 else f"{base}#{number}")
        return name
