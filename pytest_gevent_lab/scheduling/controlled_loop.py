"""``ControlledLoop``: what a hub's ``loop`` attribute is while the plugin controls scheduling.

gevent reads ``hub.loop`` afresh at every call that needs it (``sleep``,
``Timeout``, ``Greenlet.start``, every ``wait``), the compiled primitives too,
and the hub greenlet itself only runs the *real* loop's ``run()``. So a stand-in
object in ``hub.loop`` controls everything that is scheduled through it, on any
backend (libev C, libev cffi, libuv), for a hub that already exists (created at
conftest import, by a patched run, by an earlier test), without swapping hubs:
greenlets, sockets and timers of wider-scoped fixtures stay on the same loop.
That is why this is not a loop subclass chosen through ``gevent.config.loop``:
a hub made before the plugin could choose the class would stay uncontrolled.

What it controls today:

- **time** (while a :class:`VirtualClock` runs): ``timer()`` returns
  :class:`VirtualTimer` objects, which the :class:`Scheduler` keeps in a heap
  in virtual seconds; ``now()`` answers from the clock. The clock jumps to the
  next deadline when the loop has been quiet for the clock's
  ``autojump_threshold`` (see ``quiet_period``); timers due at the same
  instant run as one batch.
- **order**: each batch (timers due together; the ``run_callback`` work of
  one loop iteration, see ``ordered_callbacks``) runs in the order an
  :class:`Order` gives; FIFO, gevent's own order, by default. While the
  order is not FIFO, I/O watchers made here are :class:`OrderedIO` wrappers,
  whose callbacks join the iteration's batch, so I/O callbacks ready in one
  poll are ordered too.
- **spawns** (while a :class:`SpawnGate` is installed, see ``serial_spawns``):
  greenlet starts wait for the running greenlet's turn to end.

Everything else is the real loop's, looked up on it. The hub gets its real loop
back once neither is in use.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from gevent._hub_local import get_hub_if_exists, get_loop, set_loop

from .clock import VirtualClock
from .order import Order
from .ordered_callbacks import OrderedCallbacks
from .ordered_io import OrderedIO
from .scheduler import Scheduler
from .serial_spawns import SpawnGate
from .timers import VirtualTimer

_HUB_ATTR = "_gevent_lab_controlled_loop"  # one stand-in per hub, kept between tests


def controlled(hub: Any) -> ControlledLoop:
    """Put ``hub``'s :class:`ControlledLoop` in ``hub.loop`` (made once per hub) and return it."""
    current = hub.loop
    # Not isinstance: pytester's in-process runs re-import this module, and a stand-in
    # made by an earlier import of it must still be recognised (and not wrapped again).
    if getattr(current, "controls_scheduling", False):
        return current  # type: ignore[no-any-return]
    loop: ControlledLoop | None = hub.__dict__.get(_HUB_ATTR)
    if loop is None or loop.real is not current:
        loop = ControlledLoop(current, hub)
        setattr(hub, _HUB_ATTR, loop)
    hub.loop = loop
    return loop


class ControlledLoop:
    """Stands in for ``hub.loop``: virtual timers and ordered batches, the rest delegated."""

    controls_scheduling = True

    __slots__ = ("_hub", "callbacks", "core", "gate", "io", "real", "run_callback")
    real: Any
    core: Scheduler
    callbacks: OrderedCallbacks | None
    gate: SpawnGate | None
    run_callback: Callable[..., Any]
    io: Callable[..., Any]
    _hub: weakref.ref[Any]

    def __init__(self, real: Any, hub: Any) -> None:
        self.real = real
        self._hub = weakref.ref(hub)
        self.core = Scheduler(real, hub)
        self.callbacks = None  # while the order is not FIFO
        self.gate = None  # while greenlets run one at a time
        # The hot paths are the real loop's bound methods: no cost while FIFO.
        self.run_callback = real.run_callback
        self.io = real.io  # while FIFO; ordered watchers otherwise (set_order)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    # The hub sets loop.error_handler on whatever hub.loop is; it is the real loop's.
    @property
    def error_handler(self) -> Any:
        return self.real.error_handler

    @error_handler.setter
    def error_handler(self, value: Any) -> None:
        self.real.error_handler = value

    @property
    def clock(self) -> VirtualClock | None:
        return self.core.clock

    @property
    def order(self) -> Order:
        return self.core.order

    def __repr__(self) -> str:
        what = "virtual time" if self.core.clock is not None else "real time"
        return f"<ControlledLoop ({what}, order {self.core.order!r}) over {self.real!r}>"

    # --- installing and removing control ---

    def start_clock(self, clock: VirtualClock) -> None:
        """Run this loop's timers on ``clock`` from now on (``hub.loop`` is this object)."""
        self.core.start_clock(clock)
        clock.loop = self

    def stop_clock(self) -> None:
        """Back to real time: each active virtual timer waits its remaining time for real."""
        clock = self.core.clock
        self.core.stop_clock()
        if clock is not None:
            clock.loop = None
        self._release_if_unused()

    def set_order(self, order: Order) -> None:
        """Run each batch in ``order``; FIFO leaves gevent's own order (and cost)."""
        self.core.order = order
        if order.fifo:
            self.callbacks = None
            self.io = self.real.io
        else:
            self.callbacks = OrderedCallbacks(self.real, order)
            self.io = self._ordered_io
        self._route_callbacks()
        self._release_if_unused()

    def _ordered_io(
        self, fd: int, events: int, ref: bool = True, priority: int | None = None
    ) -> OrderedIO:
        return OrderedIO(self, self.real.io(fd, events, ref, priority))

    def _route_callbacks(self) -> None:
        below = self.real.run_callback if self.callbacks is None else self.callbacks.run_callback
        if self.gate is not None:
            self.gate.submit = below
            self.run_callback = self.gate.run_callback
        else:
            self.run_callback = below

    def install_spawn_gate(self, **options: Any) -> SpawnGate:
        """Hold each greenlet start until its sibling's turn ends (serial_spawns; the
        options are :class:`SpawnGate`'s)."""
        if self.gate is not None:
            raise RuntimeError(
                "greenlets already run one at a time on this hub (one_greenlet_at_a_time "
                "cannot nest)"
            )
        self.gate = SpawnGate(self.real.run_callback, **options)
        self._route_callbacks()
        return self.gate

    def remove_spawn_gate(self, gate: SpawnGate) -> None:
        if self.gate is gate:
            self.gate = None
            self._route_callbacks()
        self._release_if_unused()

    def _release_if_unused(self) -> None:
        """Give the hub its real loop back once nothing is controlled any more."""
        if self.core.clock is not None or not self.core.order.fifo or self.gate is not None:
            return
        # The test may have destroyed its hub: Hub.destroy() keeps the default loop
        # for the next hub (set_loop), and that one picked this object up as its loop.
        for hub in (self._hub(), get_hub_if_exists()):
            if hub is not None and hub.loop is self:
                hub.loop = self.real
        if get_loop() is self:
            set_loop(self.real)

    def advance(self, seconds: float) -> None:
        """Block the calling greenlet while the clock moves ``seconds`` on (see VirtualClock)."""
        self.core.advance(seconds)

    # --- the loop interface gevent uses ---

    def timer(
        self, after: float, repeat: float = 0.0, ref: bool = True, priority: int | None = None
    ) -> Any:
        core = self.core
        if core.clock is None:  # objects that kept this loop after its test: real timers
            return self.real.timer(after, repeat, ref, priority)
        return VirtualTimer(self, core, after, repeat, ref, priority)

    def passive_timer(self, after: float, repeat: float = 0.0) -> VirtualTimer:
        """A timer that fires once other timers have moved the clock past it; never a jump
        target, and it does not keep the loop alive (the plugin's own limits; the leak
        check knows it is not the test's by its callback, see greenlets.monitor)."""
        return VirtualTimer(self, self.core, after, repeat, ref=False, passive=True)

    def now(self) -> float:
        core = self.core
        clock = core.clock
        if clock is None:
            return float(self.real.now())
        return core.now(clock)

    def update_now(self) -> None:
        if self.core.clock is None:
            self.real.update_now()

    update = update_now

    def destroy(self) -> Any:
        self.core.close_watchers()
        return self.real.destroy()

    @property
    def _callbacks(self) -> list[Any]:
        """Queued callbacks, as the real loop's attribute (the leak check reads it)."""
        ordered = self.callbacks.batch if self.callbacks is not None else []
        return [*self.real._callbacks, *ordered]
