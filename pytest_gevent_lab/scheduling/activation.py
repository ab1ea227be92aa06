"""One test on a virtual clock: started before its setup, stopped after its teardown.

Setup and teardown are included, so function-scoped fixtures sleep and time
out in virtual time too. A module- or session-scoped fixture set up during
the test gets virtual timers as well; they become real timers, for their
remaining time, when the test ends (``stop_clock``).

The bound: a test that waits forever while something keeps the clock moving
(a ticker, a retry loop) would otherwise run through virtual years. Once the
test's virtual time reaches :data:`VIRTUAL_BOUND` plus its ``gevent_timeout``
(which, under virtual time, counts virtual seconds and so fires first), the
test greenlet gets :class:`GeventTimeout` with the greenlet tree, every
virtual second until it stops, like the gevent timeout. The bound's timer is
passive: it fires when other timers move the clock past it, but is never a
jump target itself, so a test waiting only on real I/O (a server, a thread)
waits for it in real time, and with nothing at all left to run gevent's
``LoopExit`` comes first, as without virtual time.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .clock import VirtualClock
from .names import VIRTUAL_BOUND


class _Machinery(NamedTuple):
    get_hub: Any
    controlled: Any
    clock_functions: Any
    getcurrent: Any
    thread_ident: Any
    is_module_patched: Any
    repeat_every: float


_machinery: _Machinery | None = None


def _load() -> _Machinery:
    """The loop machinery, imported at the first virtual-time test (not at start-up), then kept."""
    global _machinery
    if _machinery is None:
        import gevent
        from gevent.monkey import get_original, is_module_patched
        from greenlet import getcurrent

        from ..greenlets.timeouts import (
            REPEAT_EVERY,  # the gevent timeout's: the bound repeats alike
        )
        from .clock_functions import ClockFunctions
        from .controlled_loop import controlled

        _machinery = _Machinery(
            gevent.get_hub,
            controlled,
            ClockFunctions,
            getcurrent,
            get_original("_thread", "get_ident"),  # a patched run's is per greenlet
            is_module_patched,
            REPEAT_EVERY,
        )
    return _machinery


class VirtualTest:
    """The virtual clock of one test and everything installed for it."""

    def __init__(
        self,
        nodeid: str,
        autojump_threshold: float,
        gevent_timeout: float,
        greenlets: Callable[[], list[Any]] = list,
    ) -> None:
        self.nodeid = nodeid
        self.greenlets = greenlets  # the test's own, for the report when the bound ends it
        self.clock = VirtualClock(autojump_threshold)
        self.bound = VIRTUAL_BOUND + gevent_timeout
        self.loop: Any = None
        self.functions: Any = None
        self.bound_timer: Any = None
        self.expired: list[str] = []

    def start(self) -> VirtualClock:
        machinery = _load()
        self.loop = machinery.controlled(machinery.get_hub())
        try:
            self.loop.start_clock(self.clock)
        except BaseException:
            self.loop._release_if_unused()
            raise
        self.functions = machinery.clock_functions(
            self.clock, machinery.thread_ident(), machinery.is_module_patched("threading")
        )
        self.functions.install()
        self.bound_timer = self.loop.passive_timer(self.bound, machinery.repeat_every)
        self.bound_timer.start(self._expire, machinery.getcurrent())
        return self.clock

    def _expire(self, waiter: Any) -> None:
        from ..greenlets.exceptions import GeventTimeout
        from ..greenlets.waiting import report

        if not self.expired:
            try:
                waiting = report(waiter, self.greenlets())
            except Exception as error:  # a diagnostic: never mask the expiry
                waiting = f"(what the greenlets wait on is unavailable: {error!r})"
            self.expired.append(
                f"virtual time bound: {self.nodeid} ran for {self.bound:g} virtual seconds "
                "and was still waiting on greenlets, with a timer (a ticker, a retry loop) "
                "keeping the clock moving (the bound: one virtual day, plus the test's "
                f"gevent_timeout).\n{waiting}\n"
                "If the test really needs more virtual time, give it "
                "@pytest.mark.gevent_timeout(S): under virtual time it counts virtual seconds."
            )
        waiter.throw(GeventTimeout(self.expired[0]))

    def end(self) -> None:
        """Stop everything :meth:`start` installed; safe to call twice or after a failed start."""
        if self.bound_timer is not None:
            self.bound_timer.close()
            self.bound_timer = None
        if self.functions is not None:
            self.functions.uninstall()
            self.functions = None
        if self.loop is not None:
            self.loop.stop_clock()
            self.loop = None
