"""The real clocks, bound when the plugin loads: before any test can put time on a virtual clock.

Under ``gevent_virtual_time`` the ``time`` module's clocks follow the virtual
clock while a test runs (scheduling.clock_functions). What measures real
time — how long a greenlet blocked the hub, how long a speedup run took —
uses these instead.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import time

perf_counter = time.perf_counter
monotonic = time.monotonic
