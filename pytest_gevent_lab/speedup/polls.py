"""How long gevent's hub sat idle in its poll: what tells a wait from a blocking call.

A run's idle time (neither on a CPU nor waiting for one) is spent either in the
hub's poll, waiting cooperatively for a timer or a socket, or inside a greenlet,
in a call that blocked the whole thread (an unpatched ``time.sleep``, a
C library's socket). Only the second makes "run with --gevent-patch" the right
hint. Timing the poll between a prepare watcher (last before it) and a check
watcher (first after it) measures the first; slice lengths cannot tell the
second from a slice that another process preempted on a loaded machine.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import gevent

from .clocks import ThreadClocks


class PollIdle:
    """Seconds the hub spent idle in its poll so far, its waiting for a CPU left out."""

    def __init__(self, clocks: ThreadClocks) -> None:
        self.clocks = clocks
        self.seconds = 0.0
        self._since: tuple[float, float] | None = None

    def before_poll(self) -> None:
        self._since = self.clocks.start()

    def after_poll(self) -> None:
        if self._since is not None:
            wall, waiting = self.clocks.end()
            self.seconds += max(0.0, (wall - self._since[0]) - (waiting - self._since[1]))
            self._since = None


@contextlib.contextmanager
def poll_idle(clocks: ThreadClocks) -> Iterator[PollIdle | None]:
    """Time the hub's polls while the block runs; None where the order of watchers is unknown.

    libev runs watchers by priority: the prepare watcher at the lowest runs
    after gevent's own (which runs the greenlets' callbacks), the check
    watcher at the highest before any timer or I/O callback. libuv has no
    priorities, so there the caller falls back to slice lengths.
    """
    loop = gevent.get_hub().loop
    if not type(loop).__module__.startswith("gevent.libev"):
        yield None
        return
    idle = PollIdle(clocks)
    prepare, check = loop.prepare(ref=False), loop.check(ref=False)
    prepare.priority, check.priority = loop.MINPRI, loop.MAXPRI
    prepare.start(idle.before_poll)
    check.start(idle.after_poll)
    try:
        yield idle
    finally:
        prepare.close()
        check.close()
