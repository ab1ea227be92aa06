"""Hub-blocking detection: how long a greenlet kept the hub from running, and where.

What is measured: a greenlet's *slice* runs from the moment the hub switches to
it until it switches back to the hub (seen with ``greenlet.settrace``, in real
``perf_counter`` time). A slice counts as blocking the hub when, at its start
or its end, another greenlet was parked in the hub (waiting on a timer, I/O,
an event or a join): that greenlet could not be resumed for the whole slice.
The test's own main greenlet doing ordinary work while nothing else waits is
not blocking, and neither is the slice still running when the watch ends.

``gevent.util.assert_switches`` does not measure per slice, and the monitor
thread's ``EventLoopBlocked.blocking_time`` reports its threshold, not the
measured time, so neither is used. The stack comes from a real (unpatched)
sampling thread that reads the hub thread's current frame while a long slice is
still running: at the end of the slice the blocking call has already returned.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import greenlet
from gevent.hub import Hub
from gevent.monkey import get_original

from .. import patching
from ..real_time import perf_counter  # a block is real time, also under virtual time
from ..traces.current import active_recorder
from .exceptions import HubBlockedError
from .naming import describe


@dataclass
class BlockWatch:
    """The longest measured hub-blocking slice inside :func:`watch`."""

    threshold: float = 0.0
    longest: float = 0.0  # seconds
    stack: str | None = None  # the code that blocked longest, when a sample caught it
    greenlet: str | None = None  # the greenlet that did, and where it was spawned
    cpu: float = 0.0  # of ``longest``, the seconds this thread spent on a CPU
    # ... and waiting for one, ready to run (another process had it; Linux only)
    waited: float = 0.0


class _Slices:
    """The trace function's state; the sampler thread only reads it."""

    def __init__(self, result: BlockWatch, previous: Any, schedstat: int | None) -> None:
        self.result = result
        self.schedstat = schedstat
        self.waited_started = 0.0
        self.previous = previous
        self.waiting: set[Any] = set()  # greenlets parked in the hub
        self.running: Any = None
        self.started = 0.0
        self.cpu_started = 0.0
        self.slice = 0  # identifies the running slice to the sampler
        self.counts = False
        # (slice, elapsed, stack, greenlet); no stack when the greenlet runs C code only
        self.sampled: tuple[int, float, str | None, str] | None = None
        self.recorder = active_recorder()  # --gevent-trace: blocks past the threshold go there

    def trace(self, event: str, args: Any) -> None:
        if event in ("switch", "throw"):
            origin, target = args
            if isinstance(origin, Hub):
                self.waiting.discard(target)
                self.begin(target, counts=bool(self.waiting))
            elif isinstance(target, Hub):
                if origin is self.running:
                    self._end_slice(origin)
                if not origin.dead:
                    self.waiting.add(origin)
        if self.previous is not None:
            self.previous(event, args)

    def begin(self, glet: Any, counts: bool) -> None:
        """A slice of ``glet`` starts; it blocks the hub if ``counts`` (others were waiting)."""
        self.running, self.started = glet, perf_counter()
        self.cpu_started = time.thread_time()
        self.waited_started = self.waited()
        self.slice += 1
        self.counts = counts

    def _end_slice(self, origin: Any) -> None:
        elapsed = perf_counter() - self.started
        cpu = time.thread_time() - self.cpu_started
        waited = self.waited() - self.waited_started
        self.running = None
        others = self.waiting - {origin}
        if not (self.counts or others):
            return
        threshold = self.result.threshold
        if elapsed > self.result.longest:
            self.result.longest = elapsed
            self.result.cpu, self.result.waited = cpu, waited
            sampled = self.sampled if self.sampled and self.sampled[0] == self.slice else None
            if sampled is not None or not (threshold and self.result.stack):
                self.result.stack = sampled[2] if sampled else None
                self.result.greenlet = sampled[3] if sampled else None
            # else: a loaded machine let no sample of this block through; the
            # stack of an earlier block past the threshold still shows the code.
        if threshold and elapsed > threshold and self.recorder is not None:
            # Every block past the threshold, not only the longest: each is one in the picture.
            from . import trace_marks

            sampled = self.sampled if self.sampled and self.sampled[0] == self.slice else None
            stack = sampled[2] if sampled else None
            trace_marks.hub_block(self.recorder, origin, elapsed, threshold, stack)

    def waited(self) -> float:
        """Seconds this thread has waited for a CPU while ready to run (schedstat)."""
        if self.schedstat is None:
            return 0.0
        try:
            return int(os.pread(self.schedstat, 128, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    def sample(self, frame: FrameType | None) -> None:
        """From the sampler thread: remember the stack of a slice that runs long."""
        current, running, started = self.slice, self.running, self.started
        if running is None or _in_this_trace(frame):
            return
        elapsed = perf_counter() - started
        # With a threshold, every slice past it, not only one longer than the longest
        # so far: blocks of about the same length are sampled only near their end
        # otherwise (often missed), and each block in a --gevent-trace picture names
        # its line. Without one (the speedup runs' watch), only a new longest: a
        # sample holds the GIL, and would every period of a timed run.
        threshold = self.result.threshold
        if elapsed >= threshold and (threshold or elapsed > self.result.longest):
            # No frame: the greenlet runs a C function directly (spawn(time.sleep, 1)).
            # Its repr, taken now while it runs, still names the function and arguments.
            stack = "".join(traceback.format_stack(frame)) if frame is not None else None
            who = describe(running)
            if self.slice == current:  # still the same slice: the stack belongs to it
                self.sampled = (current, elapsed, stack, who)


def _in_this_trace(frame: FrameType | None) -> bool:
    """Whether ``frame`` is in :meth:`_Slices.trace` (or what it calls): a switch, not a block.

    A slice that ends just past the threshold is often sampled while the trace
    function measures its end; that stack is this module's, not the code that
    blocked, and an earlier sample of the slice is the one to keep.
    """
    while frame is not None:
        if frame.f_code is _TRACE_CODE:
            return True
        frame = frame.f_back
    return False


_TRACE_CODE = _Slices.trace.__code__


def _sampler(slices: _Slices, thread_id: int, period: float, stop: list[bool]) -> None:
    sleep = get_original("time", "sleep")
    while not stop:
        sleep(period)
        slices.sample(sys._current_frames().get(thread_id))


@contextlib.contextmanager
def watch(threshold: float = 0.0) -> Iterator[BlockWatch]:
    """Measure hub-blocking slices of greenlets in this thread while the block runs.

    ``threshold`` only tunes the stack sampling (slices shorter than it are not
    sampled); the result's ``longest`` is the longest blocking slice measured,
    whatever the threshold. Example::

        with watch(0.1) as seen:
            spawn(lambda: get_original("time", "sleep")(0.3)).join()
        assert seen.longest >= 0.3 and "sleep" in seen.stack
    """
    result = BlockWatch(threshold)
    try:  # read per slice, so that a loaded machine does not hide a computation
        schedstat: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        schedstat = None
    slices = _Slices(result, greenlet.gettrace(), schedstat)
    stop: list[bool] = []
    period = min(max(threshold / 4, 0.005), 0.05) if threshold else 0.01
    start_thread = get_original("_thread", "start_new_thread")
    get_ident = get_original("_thread", "get_ident")
    start_thread(_sampler, (slices, get_ident(), period, stop))
    # The code running now runs a slice too, until its first yield: a block
    # there counts when the hub had something to do (a ticker parked on a timer).
    slices.begin(greenlet.getcurrent(), counts=_hub_has_work())
    greenlet.settrace(slices.trace)
    try:
        yield result
    finally:
        greenlet.settrace(slices.previous)
        slices.waiting.clear()
        stop.append(True)
        if schedstat is not None:
            os.close(schedstat)


def _hub_has_work() -> bool:
    """Whether this thread's hub has timers, I/O or callbacks waiting (no hub: no)."""
    from gevent._hub_local import get_hub_if_exists

    hub = get_hub_if_exists()
    loop = getattr(hub, "loop", None)
    try:
        return loop is not None and bool(loop.activecnt or getattr(loop, "_callbacks", ()))
    except Exception:  # libuv keeps no activecnt; a destroyed loop
        return loop is not None and bool(getattr(loop, "_callbacks", ()))


# Share of a block spent on a CPU above which it was computing, not waiting.
CPU_BOUND = 0.5


def check(seen: BlockWatch, nodeid: str) -> None:
    """Fail when ``seen.longest`` exceeds its threshold, showing the blocking stack."""
    __tracebackhide__ = True
    if not seen.threshold or seen.longest <= seen.threshold:
        return
    if seen.stack:
        where = f"Blocking code (stack sampled while it blocked):\n{seen.stack}"
    elif seen.greenlet:
        where = "(no Python stack: the greenlet was running a C function directly)\n"
    else:
        where = "(no stack sample caught the blocking code)\n"
    if seen.greenlet:
        where = f"Blocking greenlet: {seen.greenlet}\n{where}"
    # Time waiting for a CPU (other processes had it) is neither computing nor blocking.
    runnable = seen.longest - seen.waited
    busy = min(1.0, seen.cpu / runnable) if runnable > 0 else 0.0
    if busy >= CPU_BOUND:
        advice = (
            f"The greenlet was computing, not waiting (on a CPU {busy:.0%} of the block): "
            "CPU-bound work never yields to the hub. Yield inside long loops "
            "(gevent.sleep(0)), or run the work in a thread or process pool "
            "(gevent.get_hub().threadpool.apply)"
        )
    elif patching.is_patched():
        advice = (
            "The run is monkey-patched, so the blocking call is in a C extension (e.g. a "
            "database driver) or in a module left unpatched (--gevent-patch-skip, or a name "
            "imported before patching): use a gevent-aware library or run the call in "
            "gevent's threadpool (gevent.get_hub().threadpool.apply)"
        )
    else:
        advice = (
            "Usual cause: a blocking call that is not monkey-patched (run with "
            "--gevent-patch, or use gevent's version of it)"
        )
    raise HubBlockedError(
        f"{nodeid}: a greenlet blocked the gevent hub for {seen.longest:.3f} s "
        f"(threshold {seen.threshold:g} s); no other greenlet could run meanwhile.\n"
        f"{where}{advice}; or raise @pytest.mark.gevent_block_threshold(S)."
    )
