"""``time.monotonic/time/perf_counter`` (and ``_ns``) and ``datetime.now()`` on the virtual clock.

During a virtual-time test these names answer from the test's clock, so a
deadline loop (``while time.monotonic() < deadline: gevent.sleep(1)``) ends
instead of spinning; after the test they are the real ones again. Only the
thread whose hub runs the clock sees virtual time: other threads (the
``wsgi_server`` fixture's, gevent's threadpool, xdist's) keep real time.

What cannot follow: a name bound before the test, as ``from time import
monotonic`` does, is the real function (only the module attribute is
replaced). Two exceptions are made:

- ``datetime.now()``: the method is replaced on the class itself, so
  ``from datetime import datetime`` code follows too. ``datetime`` is a C
  type, whose attributes cannot be set, so the method goes into the type's
  dict and the type cache is reset (``PyType_Modified``), as time-machine
  does in C. ``date.today()`` and ``datetime.today()`` follow through
  ``time.time()``; the deprecated ``utcnow()`` does not.
- In a monkey-patched run, the standard library's own bound copies of
  ``time.monotonic`` (``threading``, ``queue``, ``sched``, ``socketserver``,
  ``subprocess``): their timed waits are gevent waits there, which take
  virtual time, and their deadline loops must see it pass
  (``queue.Queue.get(timeout=5)`` would otherwise loop for 5 real seconds).
  Unpatched, their waits are real, and so stays their clock.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import _thread
import datetime
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from .clock import VirtualClock

real_monotonic = time.monotonic
real_perf_counter = time.perf_counter
real_time = time.time
_real_monotonic_ns = time.monotonic_ns
_real_perf_counter_ns = time.perf_counter_ns
_real_time_ns = time.time_ns
_REAL_DATETIME_NOW = datetime.datetime.__dict__["now"]
STDLIB_COPIES = (
    ("threading", "_time"),
    ("queue", "time"),
    ("sched", "_time"),
    ("socketserver", "time"),
    ("subprocess", "_time"),
)


def _set_type_attribute(cls: type, name: str, value: object) -> bool:
    """Set ``cls.name``, also on a C (immutable) type; False when this interpreter refuses."""
    try:
        setattr(cls, name, value)
        return True
    except TypeError:
        pass
    try:
        import ctypes

        namespace = gc.get_referents(cls.__dict__)[0]  # the dict behind the mappingproxy
        namespace[name] = value
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))
        return True
    except Exception:  # not CPython, no ctypes: datetime.now() keeps real time
        return False


class _Running:
    """The clock the functions below answer from, and the thread that sees it."""

    __slots__ = ("clock", "monotonic", "owner", "perf_counter", "wall")

    def __init__(self, clock: VirtualClock, owner: int) -> None:
        self.clock, self.owner = clock, owner
        self.monotonic = clock.monotonic_origin
        self.perf_counter = clock.perf_counter_origin
        self.wall = clock.wall_origin


# Made once, not per test: a test only points them at its clock (a test's cost matters:
# a suite may run thousands of virtual-time tests).
_running: _Running | None = None
_get_ident: Callable[[], int] = _thread.get_ident  # the original, once install() ran
_got_original = False


def _ours() -> _Running | None:
    running = _running
    return running if running is not None and _get_ident() == running.owner else None


def monotonic() -> float:
    running = _ours()
    return real_monotonic() if running is None else running.monotonic + running.clock.elapsed


def perf_counter() -> float:
    running = _ours()
    return real_perf_counter() if running is None else running.perf_counter + running.clock.elapsed


def time_() -> float:
    running = _ours()
    return real_time() if running is None else running.wall + running.clock.elapsed


def _nanoseconds(origin: float, elapsed: float) -> int:
    return int(origin) * 1_000_000_000 + round(elapsed * 1e9)  # origins are whole seconds


def monotonic_ns() -> int:
    running = _ours()
    if running is None:
        return _real_monotonic_ns()
    return _nanoseconds(running.monotonic, running.clock.elapsed)


def perf_counter_ns() -> int:
    running = _ours()
    if running is None:
        return _real_perf_counter_ns()
    return _nanoseconds(running.perf_counter, running.clock.elapsed)


def time_ns() -> int:
    running = _ours()
    if running is None:
        return _real_time_ns()
    return _nanoseconds(running.wall, running.clock.elapsed)


time_.__name__ = time_.__qualname__ = "time"
_FUNCTIONS: dict[str, Callable[[], float | int]] = {
    "monotonic": monotonic,
    "monotonic_ns": monotonic_ns,
    "perf_counter": perf_counter,
    "perf_counter_ns": perf_counter_ns,
    "time": time_,
    "time_ns": time_ns,
}


def _now(cls: type[datetime.datetime], tz: datetime.tzinfo | None = None) -> Any:
    running = _ours()
    if running is None:
        return _REAL_DATETIME_NOW.__get__(None, cls)(tz)
    return cls.fromtimestamp(running.wall + running.clock.elapsed, tz)


_now.__name__ = _now.__qualname__ = "now"
_DATETIME_NOW = classmethod(_now)


class ClockFunctions:
    """Points the clock functions at one test's clock, and puts them in place, for its duration."""

    def __init__(self, clock: VirtualClock, thread_ident: int, stdlib_copies: bool) -> None:
        self.running = _Running(clock, thread_ident)
        self.stdlib_copies = stdlib_copies
        self.replaced: list[tuple[Any, str, Any, Any]] = []  # (owner, name, previous, ours)

    def install(self) -> None:
        global _running, _get_ident, _got_original
        if not _got_original:  # in a patched run _thread.get_ident is per greenlet
            from gevent.monkey import get_original

            _get_ident, _got_original = get_original("_thread", "get_ident"), True
        _running = self.running
        for name, function in _FUNCTIONS.items():
            self._replace(time, name, function)
        if self.stdlib_copies:
            for module_name, attribute in STDLIB_COPIES:
                module = sys.modules.get(module_name)
                if module is not None and getattr(module, attribute, None) is real_monotonic:
                    self._replace(module, attribute, monotonic)
        previous_now = datetime.datetime.__dict__["now"]
        if _set_type_attribute(datetime.datetime, "now", _DATETIME_NOW):
            self.replaced.append((datetime.datetime, "now", previous_now, _DATETIME_NOW))

    def _replace(self, owner: Any, name: str, ours: object) -> None:
        self.replaced.append((owner, name, getattr(owner, name), ours))
        setattr(owner, name, ours)

    def uninstall(self) -> None:
        """Put back what was there; ours answer real time from now on wherever they stay."""
        global _running
        if _running is self.running:
            _running = None
        for owner, name, previous, ours in reversed(self.replaced):
            # Not ours any more: whoever replaced it (freezegun...) puts ours back later.
            current = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name)
            if current is ours:
                if isinstance(owner, type):
                    _set_type_attribute(owner, name, previous)
                else:
                    setattr(owner, name, previous)
        self.replaced.clear()
