"""Scheduling: the controlled hub loop, and virtual time on it (``gevent_virtual_time``).

- ``controlled_loop``: the stand-in for ``hub.loop`` (what gevent sees);
- ``scheduler``, ``timers``, ``quiet_period``: virtual timers in a heap, and when the
  clock may jump to the next one;
- ``order``, ``ordered_callbacks``: the order a batch of ready work runs in (FIFO; the
  seam for exploring schedules);
- ``clock``, ``clock_functions``: the virtual clock, and ``time.*`` and
  ``datetime.now()`` on it;
- ``activation``, ``settings``, ``virtual_time``: one test's clock, which tests get one,
  and the pytest hooks, options and ``gevent_clock`` fixture.

Importing this package imports neither gevent nor greenlet; the loop machinery
is imported when the first virtual-time test starts.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .clock import VirtualClock
from .virtual_time import add_options, configure, gevent_clock

__all__ = ["VirtualClock", "add_options", "configure", "gevent_clock"]
