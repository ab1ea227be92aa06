"""How every message names a greenlet: a short name for timelines, a description for failures.

A *name* (:func:`base_name`, :class:`GreenletNames`) is what a reader of a
timeline recognises: the name a user gave a gevent ``Greenlet``, else the
function it runs, ``main`` for the main thread's root greenlet, ``hub`` for a
gevent hub. Two greenlets running the same function get ``worker`` and
``worker#2``, so one column of a timeline is one greenlet.

A *description* (:func:`describe`) is what a failure says about one greenlet:
the function it runs, where that is defined and where it was spawned, and
its repr; every check (errors, leaks, blocking) uses it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from types import TracebackType
from typing import Any

import gevent
from gevent.hub import Hub
from greenlet import getcurrent

from ..failures import internal_files
from . import owners


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


def describe(
    glet: Any,
    *,
    function: Any = None,
    site: str | None = None,
    traceback: TracebackType | None = None,
) -> str:
    """``work() spawned at test_x.py:9 (<Greenlet at 0x...: work(1)>)``.

    Whatever is not given is looked up: the function a live greenlet runs, or
    the first frame of ``traceback`` that is neither gevent's nor this plugin's
    (a dead greenlet no longer names its function); the spawning line the
    tracker recorded, else gevent's own record of the spawning stack.
    """
    defined = None
    entry = owners.spawned_entry(glet)
    if function is None and traceback is not None:
        code = _first_user_code(traceback)
        if code is not None:
            function = getattr(code, "co_qualname", code.co_name)
            defined = f"{code.co_filename}:{code.co_firstlineno}"
    if function is None and entry is not None:
        function = entry.function
    if function is None and isinstance(glet, gevent.Greenlet):
        function = glet.__dict__.get("_run")
    site = site or (entry.site if entry is not None else spawning_site(glet))
    text = f"{_qualified_name(function)}()" if function is not None else ""
    if site:
        text += f" spawned at {short_path(site)}"
    elif defined:
        text += f" (defined at {short_path(defined)})"
    subject = _repr(glet)
    return f"{text} ({subject})" if text else subject


def short_path(location: str) -> str:
    """A path relative to the working directory when it is inside it, as pytest shows them."""
    if os.path.isabs(location):
        relative = os.path.relpath(location)
        if not relative.startswith(os.pardir):
            return relative
    return location


def _repr(glet: Any) -> str:
    if isinstance(glet, dict) and "REQUEST_METHOD" in glet:
        # gevent's WSGI server reports an app's error with the request's environ
        # as its context: name the request, not the dict.
        method, path = glet.get("REQUEST_METHOD"), glet.get("PATH_INFO", "")
        return f"the WSGI request {method} {path}"
    # A finished gevent Greenlet whose repr was never taken says ": _run" (its
    # function is gone); the description names the function already.
    text = repr(glet)
    return text[: -len(": _run>")] + ">" if text.endswith(": _run>") else text


def _qualified_name(func: Any) -> str:
    if isinstance(func, str):
        return func
    func = getattr(func, "__wrapped__", func)  # the speedup marker's turn wrapper
    func = getattr(func, "func", func)  # functools.partial
    return str(getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or func)


def _first_user_code(traceback: TracebackType) -> Any:
    internal = internal_files()
    tb: TracebackType | None = traceback
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(internal):
        tb = tb.tb_next
    return tb.tb_frame.f_code if tb is not None else None


def spawning_site(glet: Any) -> str | None:
    """The first line outside gevent and this plugin of gevent's record of the spawn."""
    frame = getattr(glet, "spawning_stack", None)  # kept when config.track_greenlet_tree
    internal = internal_files()
    while frame is not None and frame.f_code.co_filename.startswith(internal):
        frame = frame.f_back
    return None if frame is None else f"{frame.f_code.co_filename}:{frame.f_lineno}"
