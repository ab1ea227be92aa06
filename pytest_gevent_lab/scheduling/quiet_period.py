"""When may the virtual clock jump: the loop has been *quiet* for ``threshold`` real seconds.

Quiet means: no greenlet can run (no loop callback is queued) and a poll for
I/O that followed the last thing that ran found nothing ready. Anything that
happens meanwhile (I/O, a thread's result, a signal, a real timer, a callback)
starts the quiet period over. With threshold 0 the clock jumps as soon as one
nonblocking poll finds nothing, which is what makes an hour of sleeps take
milliseconds, and also what lets a timer overtake a reply still in flight;
with a threshold longer than the I/O's latency it never does (the trade-off
trio documents for its ``MockClock``).

The watchers that see this differ by backend, so there is one class per
backend behind the same methods (:meth:`watch`, :meth:`stop`, :meth:`close`,
:meth:`loop_alive`). Both lean on gevent internals (``pendingcnt``,
``activecnt``, ``_callbacks``; libuv's ``_queue_callback`` and
``_run_callbacks``), checked from gevent 24.10.1 to 26.9:

- libev (the default loop, C or cffi): an idle watcher at the lowest priority
  is invoked only in an iteration where nothing else was pending after the
  poll, and gevent runs its callbacks before polling. During a quiet period, a
  check watcher at the highest priority is invoked first after each poll and
  counts what else is pending in that iteration.
- libuv: there are no priorities, and gevent queues every watcher's callback
  through ``loop._queue_callback`` and runs loop callbacks in
  ``loop._run_callbacks`` (also from libuv's check phase, after the poll);
  counting what passes through both, a check watcher (after each poll) sees
  whether anything happened since the last check.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class QuietPeriod:
    """Calls ``on_quiet()`` (in the hub) once the loop has been quiet for ``threshold()`` s."""

    def __init__(
        self, real_loop: Any, on_quiet: Callable[[], None], threshold: Callable[[], float]
    ) -> None:
        self.real = real_loop
        self.on_quiet = on_quiet
        self.threshold = threshold
        self.ref = False
        self.phase: str | None = None  # None, "idle" (waiting for quiet), "quiet" (timing it)
        self.quiet_timer: Any = None

    def watch(self, ref: bool) -> None:
        """Watch (or keep watching); ``ref``: keep the loop alive while watching."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.stop()

    def loop_alive(self) -> bool:
        """Whether something besides unreferenced watchers keeps the real loop running."""
        raise NotImplementedError

    def _start_quiet_timer(self, threshold: float, callback: Callable[[], None]) -> None:
        # A new timer each time: gevent's timer API cannot change a timer's delay.
        self.quiet_timer = self.real.timer(threshold, ref=self.ref)
        priority = self._low_priority()
        if priority is not None:
            _with_priority(self.quiet_timer, priority)
        self.quiet_timer.start(callback)

    def _close_quiet_timer(self) -> None:
        if self.quiet_timer is not None:
            self.quiet_timer.close()
            self.quiet_timer = None

    def _low_priority(self) -> int | None:
        return None


class LibevQuietPeriod(QuietPeriod):
    def __init__(
        self, real_loop: Any, on_quiet: Callable[[], None], threshold: Callable[[], float]
    ) -> None:
        super().__init__(real_loop, on_quiet, threshold)
        self.idle = _with_priority(real_loop.idle(ref=False), real_loop.MINPRI)
        self.check = _with_priority(real_loop.check(ref=False), real_loop.MAXPRI)

    def _low_priority(self) -> int | None:
        return int(self.real.MINPRI)

    def loop_alive(self) -> bool:
        return bool(self.real.activecnt)  # the cffi build answers -1 when it cannot tell

    def watch(self, ref: bool) -> None:
        if self.phase is not None and ref == self.ref:
            return  # the common case: called at every timer start and stop
        self.ref = ref
        if self.phase is None:
            self._wait_for_quiet()
        elif self.phase == "idle":
            self.idle.ref = ref
        elif self.quiet_timer is not None:
            self.quiet_timer.ref = ref

    def _wait_for_quiet(self) -> None:
        self.phase = "idle"
        self.idle.ref = self.ref
        self.idle.start(self._on_idle)

    def _on_idle(self) -> None:
        threshold = self.threshold()
        if threshold <= 0:
            self.on_quiet()
            return
        self.idle.stop()
        self.phase = "quiet"
        self._start_quiet_timer(threshold, self._on_quiet_timer)
        self.check.start(self._on_check)

    def _on_check(self) -> None:
        # Invoked first in each iteration of the quiet period (highest priority):
        # everything else pending now is activity, except our own timer firing.
        timer = self.quiet_timer
        others = self.real.pendingcnt - (1 if timer is not None and timer.pending else 0)
        if others > 0 or self.real._callbacks:
            self._end_quiet()
            self._wait_for_quiet()

    def _on_quiet_timer(self) -> None:
        self._end_quiet()
        self._wait_for_quiet()
        self.on_quiet()

    def _end_quiet(self) -> None:
        self.check.stop()
        self._close_quiet_timer()

    def stop(self) -> None:
        self.phase = None
        self.idle.stop()
        self._end_quiet()

    def close(self) -> None:
        self.stop()
        self.idle.close()
        self.check.close()


class LibuvQuietPeriod(QuietPeriod):
    def __init__(
        self, real_loop: Any, on_quiet: Callable[[], None], threshold: Callable[[], float]
    ) -> None:
        super().__init__(real_loop, on_quiet, threshold)
        self.idle = real_loop.idle(ref=False)  # while active, libuv polls without blocking
        self.check = real_loop.check(ref=False)
        self.activity = 0  # what ran since the last check, besides our own watchers
        self._originals: tuple[Any, Any] | None = None  # the loop's own methods, shadowed

    def loop_alive(self) -> bool:
        return bool(self.real._lib.uv_loop_alive(self.real.ptr))

    def _queue_callback(self, watcher_ptr: Any, revents: int) -> None:
        """Stands in for the real loop's: counts every watcher's callback but our own."""
        timer = self.quiet_timer
        if (
            watcher_ptr != self.idle._watcher
            and watcher_ptr != self.check._watcher
            and (timer is None or watcher_ptr != timer._watcher)
        ):
            self.activity += 1
        assert self._originals is not None
        self._originals[0](watcher_ptr, revents)

    def _run_callbacks(self) -> None:
        """Stands in for the real loop's: counts runs that had callbacks to run.

        gevent runs callbacks from libuv's check phase too, after the poll: without
        counting them, work they did after the poll would look like a quiet loop.
        """
        if self.real._callbacks:
            self.activity += 1
        assert self._originals is not None
        self._originals[1]()

    def watch(self, ref: bool) -> None:
        if self.phase is not None and ref == self.ref:
            return
        self.ref = ref
        if self.phase is None:
            if self._originals is None:
                real = self.real
                # Instance attributes shadow the methods; deleting them puts them back.
                self._originals = (real._queue_callback, real._run_callbacks)
                real._queue_callback, real._run_callbacks = (
                    self._queue_callback,
                    self._run_callbacks,
                )
            self.activity = 0
            if not self.check.active:  # (still on when stop() left it for _on_check)
                self.check.start(self._on_check)
            self._wait_for_quiet()
        elif self.phase == "idle":
            self.idle.ref = ref
        elif self.quiet_timer is not None:
            self.quiet_timer.ref = ref

    def _wait_for_quiet(self) -> None:
        self.phase = "idle"
        self.idle.ref = self.ref
        self.idle.start(_nothing)

    def _quiet_since_last_look(self) -> bool:
        quiet = self.activity == 0 and not self.real._callbacks
        self.activity = 0
        return quiet

    def _on_check(self) -> None:
        # After each poll. Quiet: nothing ran since the last check (so nothing since
        # before this poll) and the poll found nothing ready.
        if self.phase is None:
            self.check.stop()  # see stop()
            return
        quiet = self._quiet_since_last_look()
        if self.phase == "quiet":
            if not quiet:
                self._close_quiet_timer()
                self._wait_for_quiet()
            return
        if not quiet:
            return
        threshold = self.threshold()
        if threshold <= 0:
            self.on_quiet()
            return
        self.idle.stop()
        self.phase = "quiet"
        self._start_quiet_timer(threshold, self._on_quiet_timer)

    def _on_quiet_timer(self) -> None:
        quiet = self._quiet_since_last_look()
        self._close_quiet_timer()
        self._wait_for_quiet()
        if quiet:
            self.on_quiet()

    def stop(self) -> None:
        # The check watcher stops itself in its next callback: stopped from elsewhere
        # (code run from inside libuv's check phase, where gevent runs callbacks) it was
        # at times still invoked, with its handle already cleared, by that same phase.
        self.phase = None
        self.idle.stop()
        self._close_quiet_timer()
        if self._originals is not None:
            del self.real._queue_callback, self.real._run_callbacks
            self._originals = None

    def close(self) -> None:
        self.stop()
        self.idle.close()
        self.check.close()  # the loop is being destroyed: nothing runs its phases any more


def _nothing() -> None:
    pass


def _with_priority(watcher: Any, priority: int) -> Any:
    # Set after construction: gevent's cffi libev watchers take a priority argument but
    # initialise the watcher after setting it, which resets it to 0.
    watcher.priority = priority
    return watcher


def for_loop(
    real_loop: Any, on_quiet: Callable[[], None], threshold: Callable[[], float]
) -> QuietPeriod:
    """The quiet-period watcher for ``real_loop``'s backend."""
    if type(real_loop).__module__.startswith("gevent.libuv"):
        return LibuvQuietPeriod(real_loop, on_quiet, threshold)
    return LibevQuietPeriod(real_loop, on_quiet, threshold)
