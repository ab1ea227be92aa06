"""Scheduling: the controlled hub loop; virtual time and explored schedules on it.

- ``controlled_loop``: the stand-in for ``hub.loop`` (what gevent sees);
- ``scheduler``, ``timers``, ``quiet_period``: virtual timers in a heap, and when the
  clock may jump to the next one;
- ``order``, ``ordered_callbacks``: the order a batch of ready work runs in (FIFO; the
  seam for exploring schedules);
- ``clock``, ``clock_functions``: the virtual clock, and ``time.*`` and
  ``datetime.now()`` on it;
- ``activation``, ``settings``, ``virtual_time``: one test's clock, which tests get one,
  and the pytest hooks, options and ``gevent_clock`` fixture;
- ``strategies``, ``steps``, ``exploring_order``, ``ordered_io``: ``gevent_schedules``'
  seeded orders (``random``, ``pct``), what each step ran, the order installed for an
  exploring test, and I/O callbacks ordered with the rest;
- ``schedule_settings``, ``schedules``, ``schedule_runs``, ``schedule_report``: which
  tests explore and with which seeds, the pytest hooks and options, one body run per
  schedule, and what a failure says;
- ``serial_spawns``: ``one_greenlet_at_a_time()``, every greenlet started on the hub
  running after the previous one (for ``concurrent_speedup``'s sequential run);
- ``names``: what start-up needs (markers, the fixture, options); ``per_test``: the
  per-test hooks of virtual time and of exploring tests, registered at the first test
  that needs them.

Importing this package imports neither gevent nor greenlet; the loop machinery
is imported when the first virtual-time or exploring test starts.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .virtual_time import add_options, configure, gevent_clock

if TYPE_CHECKING:
    from .clock import VirtualClock

__all__ = ["VirtualClock", "add_options", "configure", "gevent_clock"]


def __getattr__(name: str) -> Any:
    if name == "VirtualClock":  # the clock's module is imported once a clock starts
        from .clock import VirtualClock

        return VirtualClock
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
