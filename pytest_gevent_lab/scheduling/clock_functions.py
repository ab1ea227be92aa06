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
"""

from __future__ import annotations

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
_REAL_NS = {
    "monotonic": time.monotonic_ns,
    "perf_counter": time.perf_counter_ns,
    "time": time.time_ns,
}
_REAL = {"monotonic": real_monotonic, "perf_counter": real_perf_counter, "time": real_time}
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


class ClockFunctions:
    """The clock functions of one virtual-time test, installed for its duration."""

    def __init__(self, clock: VirtualClock, thread_ident: int, stdlib_copies: bool) -> None:
        self.clock = clock
        self.thread_ident = thread_ident
        self.stdlib_copies = stdlib_copies
        self.active = False
        self.functions: dict[str, Callable[..., Any]] = {}
        self.replaced: list[tuple[Any, str, Any, Any]] = []  # (owner, name, previous, ours)
        self.datetime_now: Any = None

    def _make(self) -> None:
        from gevent.monkey import get_original

        get_ident = get_original("_thread", "get_ident")  # a patched run's is per greenlet
        owner, clock = self.thread_ident, self.clock
        origins = {
            "monotonic": clock.monotonic_origin,
            "perf_counter": clock.perf_counter_origin,
            "time": clock.wall_origin,
        }

        def pair(name: str) -> None:
            origin, real, real_ns = origins[name], _REAL[name], _REAL_NS[name]
            whole_ns = int(origin) * 1_000_000_000  # origins are whole seconds

            def seconds() -> float:
                if self.active and get_ident() == owner:
                    return origin + clock.elapsed
                return real()

            def nanoseconds() -> int:
                if self.active and get_ident() == owner:
                    return whole_ns + round(clock.elapsed * 1e9)
                return real_ns()

            seconds.__name__ = seconds.__qualname__ = name
            nanoseconds.__name__ = nanoseconds.__qualname__ = f"{name}_ns"
            self.functions[name], self.functions[f"{name}_ns"] = seconds, nanoseconds

        for name in origins:
            pair(name)
        wall = clock.wall_origin
        real_now = _REAL_DATETIME_NOW.__get__

        def now(cls: type[datetime.datetime], tz: datetime.tzinfo | None = None) -> Any:
            if self.active and get_ident() == owner:
                return cls.fromtimestamp(wall + clock.elapsed, tz)
            return real_now(None, cls)(tz)

        self.datetime_now = classmethod(now)

    def install(self) -> None:
        self._make()
        self.active = True
        for name, function in self.functions.items():
            self._replace(time, name, function)
        if self.stdlib_copies:
            virtual_monotonic = self.functions["monotonic"]
            for module_name, attribute in STDLIB_COPIES:
                module = sys.modules.get(module_name)
                if module is not None and getattr(module, attribute, None) is real_monotonic:
                    self._replace(module, attribute, virtual_monotonic)
        previous_now = datetime.datetime.__dict__["now"]
        if _set_type_attribute(datetime.datetime, "now", self.datetime_now):
            self.replaced.append((datetime.datetime, "now", previous_now, self.datetime_now))

    def _replace(self, owner: Any, name: str, ours: object) -> None:
        self.replaced.append((owner, name, getattr(owner, name), ours))
        setattr(owner, name, ours)

    def uninstall(self) -> None:
        """Put back what was there; ours answer real time from now on wherever they stay."""
        self.active = False
        for owner, name, previous, ours in reversed(self.replaced):
            # Not ours any more: whoever replaced it (freezegun...) puts ours back later.
            current = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name)
            if current is ours:
                if isinstance(owner, type):
                    _set_type_attribute(owner, name, previous)
                else:
                    setattr(owner, name, previous)
        self.replaced.clear()
