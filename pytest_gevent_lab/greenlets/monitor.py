"""The session's watch on gevent: the errors every hub reports, and whose each greenlet is.

Installed once, when gevent is first seen in the process (not per test):

- **Errors.** :meth:`gevent.hub.Hub.handle_error` is replaced *on the class*
  (covering hubs created later, in any thread, without creating one now) by a
  handler that files the error under the greenlet's owner (greenlets.owners)
  and then hands it to gevent's own handler, so gevent prints it as usual
  (code under test may assert on that output).
- **Births.** A ``greenlet.settrace`` function notes each greenlet the first
  time it runs, with its owner: the owner of the greenlet that spawned it
  (gevent records that) if known, else the fixture being set up, else the
  running test, else the session. That is what makes "whose greenlet is it"
  work for plain ``gevent.spawn``: a greenlet is blamed on the test that
  started it, never on a later one it happens to run in. References are weak:
  the watch never keeps a finished greenlet (or its value) alive.
- **Cost.** A Python trace function costs about 2,000 instructions per switch,
  whatever it does. So once a test has switched more often than a heap walk
  would cost (in proportion to the objects alive), the trace steps aside for
  the rest of that test and the test's leftovers are found by one walk of
  the heap at its end instead. Cheap tests stay cheap; switch-heavy tests pay
  a bounded extra, never in proportion to their switches.
- **Forks.** A forked child (``os.fork``, gevent's fork, gipc) gets gevent's
  handler and no trace back: nothing in the child would ever report what the
  parent's watch captured there.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import gevent
import greenlet
from gevent._hub_local import get_hub_if_exists
from gevent.hub import Hub

from ..traces.current import active_recorder
from .lost_errors import Captured
from .owners import Owner, Tracker, owner_of, spawned_entry

# A trace that has seen this many switches in one test asks whether a heap
# walk would now be cheaper (see the module docstring).
FIRST_SWITCH_LIMIT = 2_000
# Allocated blocks per switch a walk costs as much as: ~80 instructions per
# object walked against ~2,000 per traced switch, about 2 blocks per object.
BLOCKS_PER_SWITCH = 50
# At most this many tests pass between walks that keep finding nothing.
MAX_WALKS_SKIPPED = 1023
_OWN_PACKAGE = __name__.split(".")[0] + "."  # timers whose callback is the plugin's

_lock = threading.Lock()  # hubs of other threads (wsgi_server) report here too
_active: list[Monitor] = []  # a pytester run inside a test nests: innermost last
_gevent_handle_error: Any = None  # what Hub.handle_error was before the first monitor


def _handle_error(hub: Hub, context: Any, type_: Any, value: Any, tb: Any) -> None:
    """Hub.handle_error while a monitor is active. Must never raise (gevent calls it)."""
    monitor = _active[-1] if _active else None
    if monitor is not None:
        with contextlib.suppress(Exception):  # a broken check must not break the hub
            monitor.file_error(hub, context, type_, value, tb)
    _gevent_handle_error(hub, context, type_, value, tb)


class Orphan:
    """An error of a greenlet whose owner had ended (or that belongs to no test)."""

    def __init__(self, captured: Captured, owner: Owner) -> None:
        self.captured, self.owner = captured, owner

    def whose(self) -> str:
        if self.owner.kind == "session":
            return "it belongs to no test (spawned at import or collection)"
        return f"it belongs to {self.owner.name}, which had ended"


@dataclass
class _Heap:
    greenlets: list[Any] = field(default_factory=list)
    timers: list[Any] = field(default_factory=list)


@dataclass
class Leftovers:
    """What a test left running in the loop: plain greenlets, and timers it started."""

    greenlets: list[gevent.Greenlet] = field(default_factory=list)
    timers: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.greenlets or self.timers)


def _timer_type(loop: Any) -> type:
    probe = loop.timer(0)
    probe.close()
    return type(probe)


def _active_in(watcher: Any, loop: Any) -> bool:
    try:
        return bool(watcher.active) and watcher.loop is loop
    except Exception:  # a closed watcher, a destroyed loop
        return False


class Monitor:
    """One pytest run's watch (see the module docstring); :meth:`start` installs it."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.phase = "collection"  # what is running: setup, call, teardown...
        self.test: str | None = None  # the node id of the running test
        # id(greenlet) -> (weak reference, owner), for every greenlet seen running
        self.born: dict[int, tuple[weakref.ref[Any], Owner | None]] = {}
        self.orphans: list[Orphan] = []
        self.switches = 0
        self.limit = FIRST_SWITCH_LIMIT
        self.tracing = False  # the trace is looking (else a walk must at the test's end)
        self.installed = False  # our trace is in the thread's chain of greenlet traces
        self.previous_trace: Any = None
        self.pid = os.getpid()
        self.active_at_start = 0
        self.known_timers: dict[int, Any] = {}  # id -> timer active at the last walk
        # Walks triggered by more active watchers that found nothing to stop
        # (a test that keeps a server listening) back off: 1, 2, 4 ... tests apart.
        self.fruitless_walks = 0
        self.walks_to_skip = 0

    # --- installing ---

    def start(self) -> None:
        global _gevent_handle_error
        if not _active:
            _gevent_handle_error = Hub.handle_error
            Hub.handle_error = _handle_error
        _active.append(self)
        if get_hub_if_exists() is not None:
            # Greenlets made before gevent-lab saw gevent belong to no test: once.
            for obj in gc.get_objects():
                if isinstance(obj, gevent.Greenlet):
                    self._note(obj, self.tracker.session)
        self.resume_trace()

    def stop(self) -> None:
        """Put back what :meth:`start` replaced (the last monitor restores gevent's handler)."""
        if self in _active:
            _active.remove(self)
        if not _active and _gevent_handle_error is not None:
            Hub.handle_error = _gevent_handle_error
        self.tracing = False
        self._uninstall()

    def resume_trace(self) -> None:
        """Trace again from now on (a new test; or after a test that needed a walk).

        Our trace is installed again only when we took it out ourselves, or
        when no trace is installed at all. A trace installed over ours (a
        ``switch_trace`` a test left behind, another tool's) chains to ours
        already: installing ours over it again would make a loop.
        """
        self.switches = 0
        self.limit = FIRST_SWITCH_LIMIT
        self.tracing = True
        if not self.installed or greenlet.gettrace() is None:
            self.previous_trace = greenlet.gettrace()
            greenlet.settrace(self._trace)
            self.installed = True

    def _uninstall(self) -> None:
        """Take our trace out, if it is the one installed (else it stays, not looking)."""
        if greenlet.gettrace() == self._trace:
            greenlet.settrace(self.previous_trace)
            self.installed = False

    # --- births ---

    def _trace(self, event: str, args: tuple[Any, Any]) -> None:
        if self.tracing:
            target = args[1]
            if id(target) not in self.born:
                self._note(target, None)
            self.switches += 1
            if self.switches >= self.limit:
                self._reconsider()
        if self.previous_trace is not None:
            self.previous_trace(event, args)

    def _note(self, glet: Any, owner: Owner | None) -> None:
        key = id(glet)
        born = self.born
        if owner is None and isinstance(glet, gevent.Greenlet):
            owner = self._birth_owner(glet)

        def forget(_ref: object, key: int = key) -> None:
            born.pop(key, None)

        try:
            ref = weakref.ref(glet, forget)
        except TypeError:  # not weakly referenceable: not a greenlet we can answer for
            return
        born[key] = (ref, owner)
        if owner is not None:
            owner.born.append(ref)

    def _birth_owner(self, glet: gevent.Greenlet) -> Owner:
        tracked = owner_of(glet)
        if tracked is not None:
            return tracked
        spawner_ref = getattr(glet, "spawning_greenlet", None)  # kept by gevent (track tree)
        spawner = spawner_ref() if spawner_ref is not None else None
        if spawner is not None:
            by_spawner = owner_of(spawner) or self.owner_of_born(spawner)
            if by_spawner is not None:
                return by_spawner
        return self.tracker.owner()

    def owner_of_born(self, glet: Any) -> Owner | None:
        found = self.born.get(id(glet))
        return found[1] if found is not None and found[0]() is glet else None

    def _reconsider(self) -> None:
        """The test switched a lot: keep tracing only while that is cheaper than a walk."""
        limit = max(FIRST_SWITCH_LIMIT, sys.getallocatedblocks() // BLOCKS_PER_SWITCH)
        if self.switches < limit:
            self.limit = limit
            return
        self.tracing = False  # our trace may be chained under another: just stop looking
        self._uninstall()

    # --- one test ---

    def begin_test(self, nodeid: str) -> None:
        self.test = nodeid
        self.phase = "setup"
        self.resume_trace()
        # What started since the last test (collection: a module that spawns at
        # import) and has not run yet belongs to no test, not to this one.
        self._claim_not_run_yet(self.tracker.session)

    def fixture_done(self, owner: Owner) -> None:
        """A wider fixture finished its setup: what it started is its own, not the test's.

        Greenlets it started that have not run yet (queued, or ``start_later``
        on a timer) were never seen by the trace: note them as its own now (a
        walk only when it left more watchers active), and its timers and
        sockets no longer count as the test's.
        """
        self._claim_not_run_yet(owner)

    def _claim_not_run_yet(self, owner: Owner) -> None:
        """Note as ``owner``'s the greenlets the trace cannot have seen: queued starts,
        and (when more watchers are active than before) all of them, by a walk."""
        hub = get_hub_if_exists()
        if hub is None:
            self.active_at_start = 0
            return
        now = _active_count(hub)
        walk = now > self.active_at_start
        self.active_at_start = now
        found = _queued_starts(hub)
        if walk:
            found += self._walk(hub).greenlets
        elif not found:
            return  # the common case: nothing queued, no new watcher
        for glet in found:
            if isinstance(glet, gevent.Greenlet) and id(glet) not in self.born:
                self._note(glet, owner)

    def _walk(self, hub: Hub) -> _Heap:
        """One pass over the heap: its gevent greenlets, and the hub's timers new since the last.

        Timers active at the previous walk are known (they belong to no test,
        or to a wider fixture); the others were started since. Only active
        timers are held, and those the loop holds anyway.
        """
        timer_type = _timer_type(hub.loop)
        heap = _Heap()
        known, active = self.known_timers, {}
        for obj in gc.get_objects():
            if isinstance(obj, gevent.Greenlet):
                heap.greenlets.append(obj)
            elif type(obj) is timer_type and _active_in(obj, hub.loop):
                active[id(obj)] = obj
                if known.get(id(obj)) is not obj:
                    heap.timers.append(obj)
        self.known_timers = active
        return heap

    def end_test(self) -> None:
        self.test = None
        self.phase = "between tests"

    # --- errors ---

    def file_error(self, hub: Hub, context: Any, type_: Any, value: Any, tb: Any) -> None:
        if context is None or os.getpid() != self.pid:
            return  # the loop's own failure (gevent throws it to the main greenlet)
        type_, value, tb = hub._normalize_exception(type_, value, tb)
        # BaseException: a greenlet killed by an expired gevent.Timeout is an error too.
        if not isinstance(value, BaseException) or issubclass(
            type_, (*hub.NOT_ERROR, *hub.SYSTEM_ERROR)
        ):
            return
        owner = owner_of(context) or self.owner_of_born(context) or self.tracker.owner()
        captured = Captured(context, value, value.__traceback__, self.phase, self.test)
        recorder = active_recorder()
        if recorder is not None:  # --gevent-trace: marked if it turns out nobody retrieves it
            captured.recorder, captured.moment = recorder, recorder.clock()
        with _lock:
            if owner.ended or owner.kind == "session":
                orphan = Orphan(captured, owner)
                self.orphans.append(orphan)
                if recorder is not None:  # no test answers for it: marked as it happens
                    from . import trace_marks

                    trace_marks.orphan_error(orphan)
            elif owner.capture:
                owner.errors.append(captured)

    # --- leftovers ---

    def leftovers(self, owner: Owner) -> Leftovers | None:
        """What ``owner`` (a test) left in the loop at its end; None when there is nothing.

        Its plain greenlets still running: its births, the starts still queued
        in the loop, and, when the trace stepped aside or the test left more
        watchers active than it found (a ``spawn_later`` greenlet waits on a
        timer, never seen running), one heap walk, which also finds the timers
        it started and left running.
        """
        hub = get_hub_if_exists()
        born, owner.born = owner.born, []
        if hub is None:
            return None
        candidates: list[Any] = [ref() for ref in born] if born else []
        candidates += _queued_starts(hub)
        by_watchers = self.tracing  # else the trace stepped aside: always walk
        walked = self._should_walk(hub)
        if not (walked or candidates):
            return None  # the common case: the test spawned nothing plain
        left = Leftovers()
        if walked:
            heap = self._walk(hub)
            candidates += heap.greenlets
            left.timers = [timer for timer in heap.timers if self._timer_of(timer, owner)]
        left.greenlets = [
            g
            for g in dict.fromkeys(candidates)
            if isinstance(g, gevent.Greenlet)
            and g
            and not g.dead
            and g.parent is hub
            and spawned_entry(g) is None
            and self._unowned_or(g, owner)
            and not backs_a_thread(g)
        ]
        if walked and by_watchers:
            found = bool(left.greenlets or left.timers)
            self.fruitless_walks = 0 if found else self.fruitless_walks + 1
            self.walks_to_skip = min(2**self.fruitless_walks - 1, MAX_WALKS_SKIPPED)
        return left if left else None

    def _should_walk(self, hub: Hub) -> bool:
        if not self.tracing:
            return True  # the trace stepped aside: the walk is what it cost instead
        if _active_count(hub) <= self.active_at_start:
            return False
        if self.walks_to_skip:
            self.walks_to_skip -= 1
            return False
        return True

    def _timer_of(self, timer: Any, owner: Owner) -> bool:
        """Whether ``timer`` is ``owner``'s: not one a greenlet of another owner waits on.

        A sleeping greenlet's timer calls its waiter; a ``spawn_later``'s, the
        greenlet; a ``gevent.Timeout``'s throws into the greenlet that started it.
        """
        callback = getattr(timer, "callback", None)
        if str(getattr(callback, "__module__", "")).startswith(_OWN_PACKAGE):
            return False  # the plugin's own (the virtual-time bound): it stops it itself
        bound = getattr(callback, "__self__", None)
        if isinstance(bound, gevent.Timeout):
            args = getattr(timer, "args", ()) or ()
            glet = args[0] if args else None
        elif isinstance(bound, greenlet.greenlet):
            glet = bound
        else:
            glet = getattr(bound, "greenlet", None)  # a gevent Waiter
        if not isinstance(glet, gevent.Greenlet):
            return True  # a raw timer, or one the test's own code waits on
        return (
            self._unowned_or(glet, owner)
            and owner_of(glet) in (None, owner)
            and not backs_a_thread(glet)
        )

    def _unowned_or(self, glet: Any, owner: Owner) -> bool:
        found = self.born.get(id(glet))
        if found is None or found[0]() is not glet:
            return True  # never seen running: it started while nobody was looking
        return found[1] is owner


def backs_a_thread(glet: Any) -> bool:
    """A patched ``threading.Thread`` (or ``_thread.start_new_thread``) runs in this greenlet.

    Such a greenlet is a thread to its user: executor workers, a library's
    background thread. It is never killed as a leak.
    """
    run = glet.__dict__.get("_run")
    if isinstance(getattr(run, "__self__", None), threading.Thread):
        return True
    frame = getattr(glet, "spawning_stack", None)
    thread_module = os.path.join("gevent", "thread.py")
    while frame is not None:
        if frame.f_code.co_filename.endswith(thread_module):
            return True
        if not frame.f_code.co_filename.startswith(_GEVENT_DIR):
            return False
        frame = frame.f_back
    return False


_GEVENT_DIR = os.path.dirname(gevent.__file__)


def _active_count(hub: Hub | None) -> int:
    """The hub loop's count of active (referenced) watchers: timers, I/O, callbacks."""
    try:
        return int(getattr(hub.loop, "activecnt", 0)) if hub is not None else 0
    except ValueError:  # a destroyed loop
        return 0


def _queued_starts(hub: Hub) -> list[Any]:
    """What the loop's callbacks will start: a started greenlet's first switch is one."""
    callbacks = getattr(hub.loop, "_callbacks", ())
    if not callbacks:
        return []
    return [getattr(callback.callback, "__self__", None) for callback in callbacks]


def _after_fork_in_child() -> None:
    # The parent's watch cannot report anything from here: hand back gevent's
    # handler and stop tracing, as if the plugin were not there.
    if _gevent_handle_error is not None and _active:
        Hub.handle_error = _gevent_handle_error
        tracer = greenlet.gettrace()
        for monitor in _active:
            monitor.tracing = False
            if tracer == monitor._trace:
                greenlet.settrace(monitor.previous_trace)
                tracer = monitor.previous_trace
        _active.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
